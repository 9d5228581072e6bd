/* effnet-inspect report: the diagram explorer. Written for this report, no library, no network: it works from a
   page opened from disk. Without it every drawing is still on the page, at full size, in a scrolling box.

   A <figure class="explorer"> holds one or more views (stage, module, layer level), each an inline Graphviz SVG whose
   boxes carry data-key, and a JSON block with a card per key and the routes of the semantic zoom
   ("stage-block2": open the module level on block2). Pan: drag or arrow keys; zoom: wheel, pinch, +/- keys or
   the buttons; 0 or "Fit" fits the drawing. Hover, focus or tap a box for its card; click a stage or sub-block to
   open what is inside; the breadcrumb leads back. */
(function () {
  "use strict";
  var MIN = 0.05, MAX = 6, STEP = 1.25;
  document.documentElement.classList.add("js");
  Array.prototype.forEach.call(document.querySelectorAll("figure.explorer"), setup);

  function clamp(k) { return Math.min(MAX, Math.max(MIN, k)); }

  function setup(fig) {
    var data = JSON.parse(fig.querySelector("script.explorer-data").textContent);
    function card(level, key) {  /* [kind, title, [[label, value]]] with numbered kinds and labels, see explore.py */
      var c = data.cards[level][key];
      if (!c) return null;
      var rows = c[2].map(function (r) { return [data.labels[r[0]], r[1]]; });
      var kind = data.kinds[c[0]];
      return {kind: kind, title: c[1], rows: rows, search: [key, kind, c[1]].concat(rows.map(function (r) {
        return r[1]; })).join(" ").toLowerCase()};
    }
    var bar = fig.querySelector(".explorer-bar");
    var panel = fig.querySelector(".card");
    var input = fig.querySelector("input[type=search]");
    var hits = fig.querySelector(".hits");
    var crumbs = fig.querySelector(".crumbs");
    var views = {}, current = null, shownKey = null, pinned = false, query = "", hitIndex = -1;

    Array.prototype.forEach.call(fig.querySelectorAll(".view"), function (el) {
      Array.prototype.forEach.call(el.querySelectorAll("[data-key] > title"), function (t) {
        var target = t.parentNode.querySelector("a") || t.parentNode;  /* the browser tooltip would double the card */
        target.setAttribute("aria-label", t.textContent);
        t.remove();
      });
      var v = {el: el, level: el.dataset.level, viewport: el.querySelector(".viewport"), k: 1, tx: 0, ty: 0,
               fitted: false, canvases: el.querySelectorAll(".canvas")};
      views[v.level] = v;
      wire(v);
    });
    fig.classList.add("live");
    bar.hidden = false;

    function pick(v) {  /* a level drawn both ways: the left-to-right strip on a wide screen (over 900 px) */
      var wide = v.canvases.length > 1 && v.viewport.clientWidth > 900;
      var canvas = v.canvases[wide && v.canvases[1].hasAttribute("data-wide") ? 1 : 0];
      if (canvas === v.canvas) return;
      Array.prototype.forEach.call(v.canvases, function (c) { c.hidden = c !== canvas; });
      v.canvas = canvas; v.svg = canvas.querySelector("svg");
      v.w = v.svg.width.baseVal.value; v.h = v.svg.height.baseVal.value; v.fitted = false;
      v.viewport.style.height = "";
      if (wide) {  /* a strip needs no tall box: as high as the strip at full width, within the usual bounds */
        var k = Math.min(1, v.viewport.clientWidth / v.w) * 0.97;
        v.viewport.style.height = Math.min(v.viewport.clientHeight, Math.max(280, v.h * k + 24)) + "px";
      }
      mark();
    }
    function apply(v) {
      v.canvas.style.transform = "translate(" + v.tx + "px," + v.ty + "px) scale(" + v.k + ")";
    }
    function size(v) { return [v.viewport.clientWidth, v.viewport.clientHeight]; }
    function fit(v) {
      var s = size(v);
      v.k = clamp(Math.min(s[0] / v.w, s[1] / v.h, 1.5) * 0.97);
      v.tx = (s[0] - v.w * v.k) / 2;
      v.ty = Math.max(0, (s[1] - v.h * v.k) / 2);
      v.fitted = true;
      apply(v);
    }
    function frame(v) {  /* the first look: all of it if readable, else the full width from the top */
      var s = size(v), all = Math.min(s[0] / v.w, s[1] / v.h), across = Math.min(1, s[0] / v.w);
      if (all >= 0.5 || across < 0.45) { fit(v); return; }
      v.k = across * 0.97;
      v.tx = (s[0] - v.w * v.k) / 2; v.ty = 0; v.fitted = true;
      apply(v);
    }
    function zoomAt(v, px, py, factor) {
      var k = clamp(v.k * factor), cx = (px - v.tx) / v.k, cy = (py - v.ty) / v.k;
      v.tx = px - cx * k; v.ty = py - cy * k; v.k = k;
      apply(v);
    }
    function zoomCentre(v, factor) { var s = size(v); zoomAt(v, s[0] / 2, s[1] / 2, factor); }
    function pan(v, dx, dy) { v.tx += dx; v.ty += dy; apply(v); }
    function box(v, el) {  /* el's box in canvas pixels, whatever the current zoom */
      var r = el.getBoundingClientRect(), c = v.canvas.getBoundingClientRect();
      return {x: (r.left - c.left) / v.k, y: (r.top - c.top) / v.k, w: r.width / v.k, h: r.height / v.k};
    }
    function focusOn(v, el) {  /* the whole box, or, where that would be too small to read, its start */
      var s = size(v), b = box(v, el), k = Math.min(s[0] / b.w, s[1] / b.h, 1.6) * 0.9;
      if (k >= 0.6) {
        v.k = clamp(k);
        v.tx = s[0] / 2 - (b.x + b.w / 2) * v.k;
        v.ty = s[1] / 2 - (b.y + b.h / 2) * v.k;
      } else {
        v.k = 0.8;
        v.tx = 16 - b.x * v.k;
        v.ty = Math.min(16, s[1] / 2 - b.h * v.k / 2) - b.y * v.k;
      }
      apply(v);
    }
    function reveal(v, el) {  /* pan (not zoom) until el is in sight, e.g. when the Tab key reaches it */
      v.viewport.scrollLeft = v.viewport.scrollTop = 0;  /* focus may scroll even an overflow:hidden box */
      var r = el.getBoundingClientRect(), p = v.viewport.getBoundingClientRect();
      if (r.left >= p.left && r.right <= p.right && r.top >= p.top && r.bottom <= p.bottom) return;
      pan(v, (p.left + p.width / 2) - (r.left + r.width / 2), (p.top + p.height / 2) - (r.top + r.height / 2));
    }
    function find(v, key) {
      var all = v.svg.querySelectorAll("[data-key]");
      for (var i = 0; i < all.length; i++) if (all[i].dataset.key === key) return all[i];
      return null;
    }

    function show(level) {
      if (!views[level]) return;
      Object.keys(views).forEach(function (l) { views[l].el.hidden = l !== level; });
      current = views[level];
      pick(current);
      Array.prototype.forEach.call(fig.querySelectorAll("[data-show]"), function (b) {
        b.setAttribute("aria-pressed", String(b.dataset.show === level));
      });
      if (!current.fitted) frame(current);
      hideCard(true);
      mark();
    }

    /* ------------------------------------------------------------------ semantic zoom and breadcrumb */
    function go(hash, push) {
      var route = data.routes[hash] || data.routes[""];
      show(route.level);
      var el = route.focus && find(current, route.focus);
      if (el) focusOn(current, el); else frame(current);
      drawCrumbs(route.crumbs);
      if (push && hash !== (location.hash || "#").slice(1)) history.pushState(null, "", "#" + (hash || fig.id));
    }
    function drawCrumbs(list) {
      if (!crumbs) return;  /* a single drawing (side by side) has no levels to walk */
      crumbs.textContent = "";
      var ol = document.createElement("ol");
      list.forEach(function (c, i) {
        var li = document.createElement("li");
        if (i < list.length - 1) {
          var a = document.createElement("a");
          a.href = "#" + (c[1] || fig.id);
          a.textContent = c[0];
          a.addEventListener("click", function (e) { e.preventDefault(); go(c[1], true); });
          li.appendChild(a);
        } else {
          li.textContent = c[0];
          li.setAttribute("aria-current", "location");
        }
        ol.appendChild(li);
      });
      crumbs.appendChild(ol);
    }
    function routeOf(el) {  /* the route a box links to: its <a> is inside the keyed group */
      var a = el && (el.closest("a") || el.querySelector("a"));
      var href = a && a.getAttribute("href");
      return href && href.charAt(0) === "#" && data.routes[href.slice(1)] ? href.slice(1) : null;
    }

    /* ------------------------------------------------------------------------------------------ cards */
    function hideCard(force) {
      if (pinned && !force) return;
      panel.hidden = true; shownKey = null; pinned = false;
    }
    function showCard(el, pin) {
      var key = el.dataset.key, info = card(current.level, key);
      if (!info) return;
      if (shownKey === key && !pin) return;
      shownKey = key; pinned = !!pin;
      panel.textContent = "";
      var kind = document.createElement("p");
      kind.className = "card-kind"; kind.textContent = info.kind;
      var title = document.createElement("strong");
      title.textContent = info.title;
      var dl = document.createElement("dl");
      info.rows.forEach(function (r) {
        var dt = document.createElement("dt"), dd = document.createElement("dd");
        dt.textContent = r[0]; dd.textContent = r[1];
        dl.appendChild(dt); dl.appendChild(dd);
      });
      panel.appendChild(kind); panel.appendChild(title); panel.appendChild(dl);
      var a = el.querySelector("a");
      if (a) {
        var open = document.createElement("a");
        open.href = a.getAttribute("href");
        open.className = "card-open";
        open.textContent = routeOf(el) ? "Open " + info.title.split(" ").pop() + " \u203a" : "Go to this stage \u203a";
        open.addEventListener("click", function (e) {
          var r = routeOf(el);
          if (r !== null) { e.preventDefault(); go(r, true); }
        });
        panel.appendChild(open);
      }
      panel.hidden = false;
      place(el);
    }
    function place(el) {
      var f = fig.getBoundingClientRect(), r = el.getBoundingClientRect(), vp = current.viewport.getBoundingClientRect();
      if (f.width < 640) { panel.style.left = ""; panel.style.top = ""; panel.classList.add("docked"); return; }
      panel.classList.remove("docked");
      var w = panel.offsetWidth, h = panel.offsetHeight;
      var left = r.right + 12 + w < vp.right ? r.right + 12 : r.left - 12 - w;
      left = Math.max(vp.left + 4, Math.min(left, vp.right - w - 4));
      var top = Math.max(vp.top + 4, Math.min(r.top, vp.bottom - h - 4));
      panel.style.left = (left - f.left) + "px";
      panel.style.top = (top - f.top) + "px";
    }

    /* ----------------------------------------------------------------------------------------- search */
    var searchText = {};  /* level -> key -> lower-case text, made on the first search */
    function matches(level) {
      if (!query) return [];
      if (!searchText[level]) {
        searchText[level] = {};
        Object.keys(data.cards[level]).forEach(function (k) { searchText[level][k] = card(level, k).search; });
      }
      var texts = searchText[level];
      return Object.keys(texts).filter(function (k) { return texts[k].indexOf(query) >= 0; });
    }
    function mark() {
      if (!current || !current.svg) return;
      var found = matches(current.level), set = {};
      found.forEach(function (k) { set[k] = true; });
      current.svg.classList.toggle("searching", !!query);
      Array.prototype.forEach.call(current.svg.querySelectorAll("[data-key]"), function (el) {
        el.classList.toggle("hit", !!set[el.dataset.key]);
      });
      hits.textContent = "";
      if (!query) return;
      hits.appendChild(document.createTextNode(found.length + (found.length === 1 ? " match" : " matches") + " here"));
      Object.keys(views).forEach(function (l) {
        var n = l === current.level ? 0 : matches(l).length;
        if (!n) return;
        var b = document.createElement("button");
        b.type = "button"; b.textContent = n + " in " + fig.querySelector("[data-show=" + l + "]").textContent;
        b.addEventListener("click", function () { show(l); hitIndex = -1; next(); });
        hits.appendChild(document.createTextNode(" \u00b7 ")); hits.appendChild(b);
      });
    }
    function next() {
      var found = matches(current.level);
      if (!found.length) {
        var other = Object.keys(views).filter(function (l) { return matches(l).length; })[0];
        if (!other) return;
        show(other); found = matches(other); hitIndex = -1;
      }
      hitIndex = (hitIndex + 1) % found.length;
      var el = find(current, found[hitIndex]);
      if (el) { focusOn(current, el); showCard(el, true); }
    }
    if (input) {
      input.addEventListener("input", function () { query = input.value.trim().toLowerCase(); hitIndex = -1; mark(); });
      input.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); next(); } });
    }

    /* ------------------------------------------------------------------------------- buttons and keys */
    bar.addEventListener("click", function (e) {
      var b = e.target.closest("button");
      if (!b) return;
      if (b.dataset.zoom === "in") zoomCentre(current, STEP);
      else if (b.dataset.zoom === "out") zoomCentre(current, 1 / STEP);
      else if (b.dataset.zoom === "fit") fit(current);
      else if (b.dataset.show) { show(b.dataset.show); drawCrumbs(data.routes[""].crumbs); }
    });

    function wire(v) {
      var vp = v.viewport, pointers = {}, moved = 0, dragging = false, suppress = false, lastType = "mouse";
      vp.addEventListener("wheel", function (e) {
        e.preventDefault();
        var r = vp.getBoundingClientRect();
        zoomAt(v, e.clientX - r.left, e.clientY - r.top, Math.exp(-e.deltaY * (e.deltaMode ? 0.05 : 0.0015)));
      }, {passive: false});
      vp.addEventListener("pointerdown", function (e) {
        lastType = e.pointerType;
        suppress = false;
        pointers[e.pointerId] = {x: e.clientX, y: e.clientY};
        if (Object.keys(pointers).length === 1) { moved = 0; dragging = false; }
      });
      vp.addEventListener("pointermove", function (e) {
        var p = pointers[e.pointerId];
        if (!p) {
          if (e.pointerType === "mouse") hover(e.target);
          return;
        }
        var ids = Object.keys(pointers), dx = e.clientX - p.x, dy = e.clientY - p.y;
        if (ids.length === 2) {  /* pinch: zoom by the change of distance, about the midpoint */
          var o = pointers[ids[0] === String(e.pointerId) ? ids[1] : ids[0]], r = vp.getBoundingClientRect();
          var before = Math.hypot(p.x - o.x, p.y - o.y), after = Math.hypot(e.clientX - o.x, e.clientY - o.y);
          if (before > 0) zoomAt(v, (e.clientX + o.x) / 2 - r.left, (e.clientY + o.y) / 2 - r.top, after / before);
          dragging = true;
        } else {
          moved += Math.abs(dx) + Math.abs(dy);
          if (!dragging && moved > 5) {
            dragging = true;
            vp.classList.add("dragging");
            try { vp.setPointerCapture(e.pointerId); } catch (err) { /* a pointer that is already gone */ }
          }
          if (dragging) pan(v, dx, dy);
        }
        pointers[e.pointerId] = {x: e.clientX, y: e.clientY};
      });
      function release(e) {
        delete pointers[e.pointerId];
        if (dragging && !Object.keys(pointers).length) { suppress = true; vp.classList.remove("dragging"); dragging = false; }
      }
      vp.addEventListener("pointerup", release);
      vp.addEventListener("pointercancel", release);
      vp.addEventListener("pointerleave", function (e) { if (e.pointerType === "mouse") hideCard(false); });
      vp.addEventListener("click", function (e) {
        if (suppress) { suppress = false; e.preventDefault(); e.stopPropagation(); return; }
        var el = e.target.closest("[data-key]");
        if (!el) { hideCard(true); return; }
        var r = routeOf(el);
        if (r !== null) { e.preventDefault(); go(r, true); return; }
        if (el.querySelector("a") && lastType !== "mouse" && !(pinned && shownKey === el.dataset.key)) {
          e.preventDefault();  /* touch: the first tap shows the card, the second follows the link */
        }
        showCard(el, true);
      }, true);
      vp.addEventListener("focusin", function (e) {
        var el = e.target.closest && e.target.closest("[data-key]");
        if (el) { reveal(v, el); showCard(el, true); }
      });
      vp.addEventListener("keydown", function (e) {
        if (e.target.closest && e.target.closest("input")) return;
        var moves = {ArrowLeft: [60, 0], ArrowRight: [-60, 0], ArrowUp: [0, 60], ArrowDown: [0, -60]}[e.key];
        if (moves) pan(v, moves[0], moves[1]);
        else if (e.key === "+" || e.key === "=") zoomCentre(v, STEP);
        else if (e.key === "-") zoomCentre(v, 1 / STEP);
        else if (e.key === "0") fit(v);
        else if (e.key === "Escape") hideCard(true);
        else return;
        e.preventDefault();
      });
    }
    function hover(target) {
      var el = target.closest && target.closest("[data-key]");
      if (el) showCard(el, false); else hideCard(false);
    }

    var width = fig.clientWidth;  /* phones resize the window as the address bar slides: refit on width only */
    window.addEventListener("resize", function () {
      if (fig.clientWidth === width) return;
      width = fig.clientWidth;
      Object.keys(views).forEach(function (l) { views[l].fitted = false; });
      pick(current);
      frame(current);
    });
    window.addEventListener("popstate", function () {
      var h = location.hash.slice(1);
      if (data.routes[h] || h === fig.id || !h) go(data.routes[h] ? h : "", false);
    });
    var start = location.hash.slice(1);
    if (data.routes[start] && start) { go(start, false); fig.scrollIntoView(); } else go("", false);
  }
})();
