/* effnet-inspect report: the diagram explorer. Written for this report, no library, no network: it works from a
   page opened from disk. Without it every drawing is still on the page, at full size, in a scrolling box.

   A <figure class="explorer"> holds one or more views (stage, module, layer level), each an inline Graphviz SVG whose
   boxes carry data-key, and a JSON block with a card per key and the routes of the semantic zoom
   ("stage-block2": open the module level on block2; the box it opens has that id).
   The page scrolls as usual over a drawing: the wheel and a one-finger swipe scroll the page. Ctrl (or Cmd) + wheel,
   a pinch, the buttons and the + - 0 keys zoom; a mouse drag or two fingers move the drawing.
   Cards: hovering a box shows its card and leaving hides it; a tap shows it with the link that opens the box; a
   click opens the box. Keyboard: one Tab stop per level, the arrow keys go from box to box, Enter opens the box (or
   its card), Escape closes the card. Moving and zooming transform one element, once per frame. */
(function () {
  "use strict";
  var MIN = 0.05, MAX = 6, STEP = 1.25, IDLE = 400;
  var MOD = /Mac|iPhone|iPad/.test(navigator.platform || "") ? "\u2318" : "Ctrl";
  var each = function (list, f) { Array.prototype.forEach.call(list, f); };
  document.documentElement.classList.add("js");
  each(document.querySelectorAll("figure.explorer"), setup);

  function clamp(k) { return Math.min(MAX, Math.max(MIN, k)); }

  function setup(fig) {
    var data = JSON.parse(fig.querySelector("script.explorer-data").textContent);
    function card(level, key) {  /* [kind, title, [[label, value]]] with numbered kinds and labels, see explore.py */
      var c = data.cards[level][key];
      if (!c) return null;
      var rows = c[2].map(function (r) { return [data.labels[r[0]], r[1]]; });
      return {kind: data.kinds[c[0]], title: c[1], rows: rows};
    }
    var bar = fig.querySelector(".explorer-bar");
    var panel = fig.querySelector(".card");
    var input = fig.querySelector("input[type=search]");
    var hits = fig.querySelector(".hits");
    var crumbs = fig.querySelector(".crumbs");
    var views = {}, current = null, shown = null, why = "", query = "", hitIndex = -1, frameRequest = 0;

    each(fig.querySelectorAll(".view"), function (el) {
      each(el.querySelectorAll("[data-key] > title"), function (t) {
        var target = t.parentNode.querySelector("a") || t.parentNode;  /* the browser tooltip would double the card */
        target.setAttribute("aria-label", t.textContent);
        t.remove();
      });
      each(el.querySelectorAll("svg a"), function (a) { a.setAttribute("tabindex", "-1"); });  /* see rove() */
      var v = {el: el, level: el.dataset.level, viewport: el.querySelector(".viewport"), k: 1, tx: 0, ty: 0,
               fitted: false, canvases: el.querySelectorAll(".canvas"), marked: {}};
      v.viewport.tabIndex = -1;  /* the Tab stop is a box of the drawing */
      views[v.level] = v;
      wire(v);
    });
    fig.classList.add("live");
    bar.hidden = false;

    function pick(v) {  /* a level drawn both ways: the left-to-right strip on a wide screen (over 900 px) */
      var wide = v.canvases.length > 1 && v.viewport.clientWidth > 900;
      var canvas = v.canvases[wide && v.canvases[1].hasAttribute("data-wide") ? 1 : 0];
      if (canvas === v.canvas) return;
      if (v.canvas) Object.keys(v.marked).forEach(function (k) { find(v, k).classList.remove("hit"); });
      each(v.canvases, function (c) { c.hidden = c !== canvas; });
      v.canvas = canvas; v.svg = canvas.querySelector("svg"); v.boxes = null; v.stop = null; v.marked = {};
      v.w = v.svg.width.baseVal.value; v.h = v.svg.height.baseVal.value; v.fitted = false;
      v.viewport.style.height = "";
      if (wide) {  /* a strip needs no tall box: as high as the strip at full width, within the usual bounds */
        var k = Math.min(1, v.viewport.clientWidth / v.w) * 0.97;
        v.viewport.style.height = Math.min(v.viewport.clientHeight, Math.max(280, v.h * k + 24)) + "px";
      }
      rove(v, boxes(v)[0]);
      mark();
    }

    /* ------------------------------------------------------------------------------- the view's transform */
    function apply(v, gesture) {  /* a gesture writes the transform once per frame, its layer promoted meanwhile */
      v.dirty = true;
      if (!gesture) { flush(); return; }
      if (!v.viewport.classList.contains("moving")) v.viewport.classList.add("moving");
      clearTimeout(v.idle);
      v.idle = setTimeout(function () { v.viewport.classList.remove("moving"); }, IDLE);  /* then sharp again */
      if (!frameRequest) frameRequest = requestAnimationFrame(flush);
    }
    function flush() {
      cancelAnimationFrame(frameRequest);
      frameRequest = 0;
      Object.keys(views).forEach(function (l) {
        var v = views[l];
        if (!v.dirty || !v.canvas) return;
        v.dirty = false;
        v.canvas.style.transform = "translate(" + v.tx + "px," + v.ty + "px) scale(" + v.k + ")";
      });
      if (shown) place(shown);
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
    function zoomAt(v, px, py, factor, gesture) {
      var k = clamp(v.k * factor), cx = (px - v.tx) / v.k, cy = (py - v.ty) / v.k;
      v.tx = px - cx * k; v.ty = py - cy * k; v.k = k;
      apply(v, gesture);
    }
    function zoomCentre(v, factor) { var s = size(v); zoomAt(v, s[0] / 2, s[1] / 2, factor); }
    function pan(v, dx, dy, gesture) { v.tx += dx; v.ty += dy; apply(v, gesture); }
    function box(v, el) {  /* el's box in drawing pixels, from the SVG's own geometry: no layout, any zoom */
      if (!el.geometry) {
        var b = el.getBBox(), m = el.getCTM();
        el.geometry = {x: m.a * b.x + m.e, y: m.d * b.y + m.f, w: m.a * b.width, h: m.d * b.height};
      }
      return el.geometry;
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
    function reveal(v, el) {  /* pan (not zoom) until el is in sight, e.g. when the keyboard reaches it */
      var s = size(v), b = box(v, el);
      var x = v.tx + b.x * v.k, y = v.ty + b.y * v.k, w = b.w * v.k, h = b.h * v.k;
      if (x >= 0 && y >= 0 && x + w <= s[0] && y + h <= s[1]) return;
      pan(v, s[0] / 2 - (x + w / 2), s[1] / 2 - (y + Math.min(h, s[1] * 0.8) / 2));
    }
    function boxes(v) {  /* the drawing's keyed boxes in document order, and by key: looked up once per drawing */
      if (!v.boxes) {
        v.boxes = Array.prototype.slice.call(v.svg.querySelectorAll("[data-key]"));
        v.byKey = {};
        v.boxes.forEach(function (el) { v.byKey[el.dataset.key] = el; });
      }
      return v.boxes;
    }
    function find(v, key) { boxes(v); return v.byKey[key] || null; }

    /* A level not on show is out of the page (display: none) until the browser is idle after loading; then it is
       laid out once, unseen, and kept so (offstage: content-visibility), so that opening it later only paints it. */
    function stage(v, on) {
      v.el.hidden = !on && !v.ready;
      v.el.classList.toggle("offstage", !on && !!v.ready);
    }
    function prepare() {
      var v = Object.keys(views).map(function (l) { return views[l]; }).filter(function (o) {
        return o !== current && !o.ready;
      })[0];
      if (!v) return;
      v.ready = true;
      v.el.hidden = false;
      v.el.classList.add("preparing");  /* laid out, unseen ... */
      pick(v);
      if (!v.fitted) frame(v);
      v.el.classList.remove("preparing");
      stage(v, false);  /* ... then its rendering kept while it is away (content-visibility: hidden) */
      later(prepare);
    }
    var later = window.requestIdleCallback || function (f) { setTimeout(f, 300); };
    window.addEventListener("load", function () { later(prepare); });

    function show(level) {
      if (!views[level]) return;
      Object.keys(views).forEach(function (l) { stage(views[l], l === level); });
      current = views[level];
      pick(current);
      each(fig.querySelectorAll("[data-show]"), function (b) {
        b.setAttribute("aria-pressed", String(b.dataset.show === level));
      });
      if (!current.fitted) frame(current);
      hideCard();
      mark();
    }

    /* ------------------------------------------------------------------ semantic zoom and breadcrumb */
    function go(hash, push) {
      var route = data.routes[hash] || data.routes[""];
      show(route.level);
      current.viewport.scrollLeft = current.viewport.scrollTop = 0;  /* the browser may have scrolled to the box */
      var el = route.focus && find(current, route.focus);
      if (el) { focusOn(current, el); rove(current, el); } else frame(current);
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
      var a = el && el.querySelector("a");
      var href = a && a.getAttribute("href");
      return href && href.charAt(0) === "#" && data.routes[href.slice(1)] ? href.slice(1) : null;
    }
    function open(el) {  /* what a click, a tap on the card's link or Enter does with a box */
      var r = routeOf(el), a = el.querySelector("a");
      if (r !== null) { go(r, true); focusBox(current, current.stop); return true; }
      if (a) { location.href = a.getAttribute("href"); return true; }
      return false;
    }

    /* ------------------------------------------------------------------------------------------ cards */
    function hideCard(reason) {  /* reason: hide only a card shown for that reason; none: hide any */
      if (!shown || (reason && why !== reason)) return;
      panel.hidden = true; shown = null; why = "";
    }
    function showCard(el, reason) {  /* reason: hover, focus or tap */
      var info = card(current.level, el.dataset.key);
      if (!info) return;
      if (shown === el) { if (why !== "tap") why = reason; return; }
      shown = el; why = reason;
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
        var link = document.createElement("a");
        link.href = a.getAttribute("href");
        link.className = "card-open";
        link.textContent = routeOf(el) ? "Open " + info.title.split(" ").pop() + " \u203a" : "Open its page \u203a";
        link.addEventListener("click", function (e) { if (routeOf(el) !== null) { e.preventDefault(); open(el); } });
        panel.appendChild(link);
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
    var index = {}, elsewhere = null;  /* level -> [[key, text]] and the other pages' names: built once each */
    function texts(level) {
      return index[level] || (index[level] = Object.keys(data.cards[level]).map(function (k) {
        var c = card(level, k);
        var values = c.rows.filter(function (r) { return data.unsearched.indexOf(r[0]) < 0; });
        return [k, [k, c.kind, c.title].concat(values.map(function (r) { return r[1]; })).join(" ").toLowerCase()];
      }));
    }
    function matches(level) {
      if (!query) return [];
      return texts(level).filter(function (t) { return t[1].indexOf(query) >= 0; }).map(function (t) { return t[0]; });
    }
    function otherPages() {  /* [{short, page, routes: [[route, "name name ..."]]}] from data.pages, see explore.py */
      if (elsewhere) return elsewhere;
      var suffixes = data.pages.length ? data.pages[0].suffixes : [];
      elsewhere = data.pages.slice(1).map(function (p) {
        return {short: p.short, page: p.page, routes: p.routes.map(function (r) {
          return [r[0], r[2].map(function (i) { return (r[1] ? r[1] + "_" : "") + suffixes[i]; })];
        })};
      });
      return elsewhere;
    }
    function mark() {  /* highlight the matches: only boxes whose state changes are touched */
      if (!current || !current.svg) return;
      var found = matches(current.level), set = {}, before = current.marked;
      found.forEach(function (k) { set[k] = true; });
      Object.keys(before).forEach(function (k) { if (!set[k] && find(current, k)) find(current, k).classList.remove("hit"); });
      found.forEach(function (k) { if (!before[k] && find(current, k)) find(current, k).classList.add("hit"); });
      current.marked = set;
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
      var pages = otherPages().map(function (p) {
        var n = 0, first = null;
        p.routes.forEach(function (r) {
          r[1].forEach(function (name) { if (name.indexOf(query) >= 0) { n += 1; first = first || r[0]; } });
        });
        return {p: p, n: n, first: first};
      }).filter(function (x) { return x.n; });
      if (!pages.length) return;
      hits.appendChild(document.createTextNode(" \u00b7 on the variant pages: "));
      pages.forEach(function (x, i) {
        var a = document.createElement("a");
        a.href = x.p.page + "#" + x.first; a.textContent = x.p.short + " (" + x.n + ")";
        if (i) hits.appendChild(document.createTextNode(", "));
        hits.appendChild(a);
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
      if (el) { focusOn(current, el); rove(current, el); showCard(el, "tap"); }
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

    /* the roving Tab stop: one box per level can be reached with Tab; the arrow keys move it */
    function target(el) { return el.querySelector("a") || el; }
    function rove(v, el) {
      if (!el) return;
      if (v.stop && v.stop !== el) target(v.stop).setAttribute("tabindex", "-1");
      v.stop = el;
      var t = target(el), info = card(v.level, el.dataset.key);
      t.setAttribute("tabindex", "0");
      if (!t.hasAttribute("aria-label") && info) t.setAttribute("aria-label", info.kind + " " + info.title);
      if (t === el) el.setAttribute("role", "button");
    }
    function focusBox(v, el) { if (el) { rove(v, el); target(el).focus({preventScroll: true}); } }
    function isFrame(el) { return el.classList.contains("cluster"); }
    function kin(v, el) {  /* the boxes the arrow keys move among: nodes, or the frames around them (clusters) */
      return boxes(v).filter(function (o) { return isFrame(o) === isFrame(el); });
    }
    function inside(v, el) {  /* Enter on a frame that opens nothing: its first box */
      var b = box(v, el);
      return kin(v, el).length === boxes(v).length ? null : boxes(v).filter(function (o) {
        var c = box(v, o);
        return o !== el && !isFrame(o) && c.x >= b.x && c.y >= b.y && c.x + c.w <= b.x + b.w &&
          c.y + c.h <= b.y + b.h;
      })[0] || null;
    }
    function nearest(v, from, dx, dy) {  /* the closest box whose centre lies that way, else the next in order */
      var a = box(v, from), ax = a.x + a.w / 2, ay = a.y + a.h / 2, best = null, score = Infinity;
      kin(v, from).forEach(function (el) {
        if (el === from) return;
        var b = box(v, el), x = b.x + b.w / 2 - ax, y = b.y + b.h / 2 - ay;
        var along = x * dx + y * dy, across = Math.abs(x * dy - y * dx);
        if (along <= 1) return;
        var s = along + 2 * across;
        if (s < score) { score = s; best = el; }
      });
      var all = kin(v, from), i = all.indexOf(from) + (dx + dy > 0 ? 1 : -1);
      return best || all[Math.max(0, Math.min(all.length - 1, i))];
    }

    function wire(v) {
      var vp = v.viewport, drag = null, moved = false, fingers = null, lastType = "mouse", hintTimer = 0;
      var hint = document.createElement("p");
      hint.className = "hint"; hint.hidden = true; hint.setAttribute("aria-hidden", "true");
      vp.appendChild(hint);
      function say(text) {  /* a one-line hint over the drawing, as embedded maps show */
        hint.textContent = text; hint.hidden = false;
        clearTimeout(hintTimer);
        hintTimer = setTimeout(function () { hint.hidden = true; }, 1600);
      }
      vp.addEventListener("wheel", function (e) {
        if (!e.ctrlKey && !e.metaKey) { say(MOD + " + scroll zooms the drawing; drag it to move"); return; }
        e.preventDefault();  /* Ctrl + wheel, or a trackpad pinch (which the browser sends as one) */
        var r = vp.getBoundingClientRect();
        zoomAt(v, e.clientX - r.left, e.clientY - r.top, Math.exp(-e.deltaY * (e.deltaMode ? 0.05 : 0.0025)), true);
        hint.hidden = true;
      }, {passive: false});

      /* mouse and pen: drag to move. A drag never shows or pins a card. */
      vp.addEventListener("pointerdown", function (e) {
        lastType = e.pointerType;
        if (e.pointerType === "touch" || e.button !== 0) return;
        drag = {id: e.pointerId, x: e.clientX, y: e.clientY};
        moved = false;
      });
      vp.addEventListener("mousedown", function (e) {  /* no focus ring or text selection from a press */
        e.preventDefault();
        vp.focus({preventScroll: true});
      });
      vp.addEventListener("pointermove", function (e) {
        if (!drag) {
          if (e.pointerType === "mouse") hover(e.target);
          return;
        }
        var dx = e.clientX - drag.x, dy = e.clientY - drag.y;
        if (!moved && Math.abs(dx) + Math.abs(dy) > 5) {
          moved = true;
          vp.classList.add("dragging");
          hideCard();
          try { vp.setPointerCapture(e.pointerId); } catch (err) { /* a pointer that is already gone */ }
        }
        if (moved) { pan(v, dx, dy, true); drag.x = e.clientX; drag.y = e.clientY; }
      });
      function release() { drag = null; vp.classList.remove("dragging"); }
      vp.addEventListener("pointerup", release);
      vp.addEventListener("pointercancel", release);
      vp.addEventListener("pointerleave", function (e) { if (e.pointerType === "mouse" && !drag) hideCard("hover"); });

      /* touch: one finger scrolls the page (the browser's own), two fingers move and zoom the drawing */
      function two(e) {
        var a = e.touches[0], b = e.touches[1], r = vp.getBoundingClientRect();
        return {x: (a.clientX + b.clientX) / 2 - r.left, y: (a.clientY + b.clientY) / 2 - r.top,
                d: Math.hypot(a.clientX - b.clientX, a.clientY - b.clientY)};
      }
      vp.addEventListener("touchstart", function (e) {
        fingers = e.touches.length === 2 ? two(e) : null;
        if (fingers) { hideCard(); if (e.cancelable) e.preventDefault(); }  /* two fingers are the drawing's */
      }, {passive: false});
      vp.addEventListener("touchmove", function (e) {
        if (e.touches.length !== 2 || !fingers) {
          if (e.touches.length === 1) say("Two fingers move and zoom the drawing");
          return;
        }
        if (e.cancelable) e.preventDefault();
        var now = two(e);
        pan(v, now.x - fingers.x, now.y - fingers.y, true);
        if (fingers.d > 0) zoomAt(v, now.x, now.y, now.d / fingers.d, true);
        fingers = now;
        hint.hidden = true;
      }, {passive: false});
      vp.addEventListener("touchend", function (e) { if (e.touches.length < 2) fingers = null; });

      vp.addEventListener("click", function (e) {
        if (moved) { moved = false; e.preventDefault(); e.stopPropagation(); return; }
        var el = e.target.closest("[data-key]");
        if (!el) { hideCard(); return; }
        if (e.ctrlKey || e.metaKey || e.shiftKey) return;  /* the browser's own: a link in a new tab or window */
        e.preventDefault();
        if (lastType === "touch" || lastType === "pen") { showCard(el, "tap"); rove(v, el); return; }
        if (!open(el)) showCard(el, "tap");  /* a click on a box with nothing inside keeps its card */
      }, true);

      vp.addEventListener("focusin", function (e) {
        var el = e.target.closest && e.target.closest("[data-key]");
        if (!el) return;
        rove(v, el);
        reveal(v, el);
        showCard(el, "focus");
      });
      vp.addEventListener("focusout", function () { hideCard("focus"); });
      vp.addEventListener("scroll", function () {  /* the browser scrolls a box to what it focuses or finds: pan */
        var x = vp.scrollLeft, y = vp.scrollTop;
        if (!x && !y) return;
        vp.scrollLeft = vp.scrollTop = 0;
        pan(v, -x, -y);
      });
      vp.addEventListener("keydown", function (e) {
        if (e.target.closest && e.target.closest("input")) return;
        var on = e.target.closest && e.target.closest("[data-key]");
        var way = {ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1]}[e.key];
        if (way && on) focusBox(v, nearest(v, on, way[0], way[1]));
        else if (way) pan(v, -60 * way[0], -60 * way[1]);
        else if ((e.key === "Home" || e.key === "End") && on) {
          var same = kin(v, on);
          focusBox(v, same[e.key === "Home" ? 0 : same.length - 1]);
        } else if ((e.key === "Enter" || e.key === " ") && on) {
          if (!open(on)) {  /* a frame that opens nothing: into its first box; a box: its card stays */
            var first = inside(v, on);
            if (first) focusBox(v, first); else showCard(on, "tap");
          }
        }
        else if (e.key === "+" || e.key === "=") zoomCentre(v, STEP);
        else if (e.key === "-") zoomCentre(v, 1 / STEP);
        else if (e.key === "0") fit(v);
        else if (e.key === "Escape") hideCard();
        else return;
        e.preventDefault();
      });
    }
    function hover(target) {
      var el = target.closest && target.closest("[data-key]");
      if (el) showCard(el, "hover"); else hideCard("hover");
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
    function land() {  /* a link into the drawing: the explorer in sight, whatever the browser scrolled to */
      current.viewport.scrollLeft = current.viewport.scrollTop = 0;
      fig.scrollIntoView({block: "start"});
    }
    var start = location.hash.slice(1);
    if (data.routes[start] && start) {
      go(start, false);
      land();
      window.addEventListener("load", function () {  /* after the browser's own scroll to the named box */
        if (location.hash.slice(1) === start) { go(start, false); land(); }
      });
    } else go("", false);
  }
})();
