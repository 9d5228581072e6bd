/* The WCAG contrast ratio of every text on a page, from the colours the browser rendered (test_browser.py): each
   text node's colour against the backgrounds painted behind it (the page's boxes), and each SVG text's fill against
   the filled shapes drawn before it under its centre. Returns "ratio:1 text" for each text below 4.5:1. */
() => {
    const rgba = c => { const m = /rgba?\(([^)]+)\)/.exec(c || ''); if (!m) return null;
        const v = m[1].split(/[\s,\/]+/).filter(Boolean).map(parseFloat); return [v[0], v[1], v[2], v.length > 3 ? v[3] : 1]; };
    const lum = c => { const f = x => { x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); };
        return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
    const over = (top, under) => top.slice(0, 3).map((x, i) => x * top[3] + under[i] * (1 - top[3])).concat([1]);
    const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
    const page = el => { const stack = [];   /* the backgrounds painted behind an element, outermost first */
        for (let e = el; e; e = e.parentElement) { const c = rgba(getComputedStyle(e).backgroundColor);
            if (c && c[3] > 0) { stack.push(c); if (c[3] >= 1) break; } }
        return stack.reverse().reduce((acc, c) => over(c, acc), [255, 255, 255, 1]); };
    const fails = [];
    const check = (text, fg, bg) => { const r = ratio(over(fg, bg), bg);
        if (r < 4.5) fails.push(`${r.toFixed(2)}:1 ${text.trim().slice(0, 50)}`); };
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const el = n.parentElement;
        if (!n.textContent.trim() || el.closest('svg, script, style, .sr-only')) continue;
        const r = el.getBoundingClientRect(), s = getComputedStyle(el);
        if (!el.getClientRects().length || r.width <= 1 || r.height <= 1 || s.visibility === 'hidden') continue;
        check(n.textContent, rgba(s.color), page(el));
    }
    document.querySelectorAll('svg').forEach(svg => {   /* text against the filled shapes painted before it */
        if (!svg.getClientRects().length || svg.parentElement.closest('svg')) return;
        const shapes = [...svg.querySelectorAll('polygon, path, ellipse, rect, circle')].map(s => {
            const st = getComputedStyle(s), c = rgba(st.fill);
            return c && c[3] * parseFloat(st.fillOpacity) > 0 ? {s, r: s.getBoundingClientRect(),
                c: [c[0], c[1], c[2], c[3] * parseFloat(st.fillOpacity)]} : null; }).filter(Boolean);
        const behind = page(svg);
        svg.querySelectorAll('text').forEach(t => {
            const r = t.getBoundingClientRect(); if (!r.width) return;
            const x = r.left + r.width / 2, y = r.top + r.height / 2;
            const bg = shapes.filter(h => h.s.compareDocumentPosition(t) & Node.DOCUMENT_POSITION_FOLLOWING
                && h.r.left <= x && x <= h.r.right && h.r.top <= y && y <= h.r.bottom).reduce((acc, h) => over(h.c, acc), behind);
            const st = getComputedStyle(t), fg = rgba(st.fill);
            check(t.textContent, [fg[0], fg[1], fg[2], fg[3] * parseFloat(st.fillOpacity)], bg);
        });
    });
    return fails;
}
