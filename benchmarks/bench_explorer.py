"""Frame times of the report's explorer at B7's layer level (issue 20), in headless Chromium (/usr/bin/chromium).

For each page it measures, in rounds that alternate between the pages given (so a loaded machine slows them alike),
after the page has been open for 1.5 s (a reader's first look; the explorer lays out hidden levels when idle):
- "Layers": from the click on the level button to the next painted frame;
- a search keystroke: from the input event to the next painted frame (one letter added to "block6");
- frames while dragging the drawing and zooming it with Ctrl + wheel: the time between animation frames
  (median, 90th percentile, worst), where 16.7 ms is 60 frames per second;
- the renderer's main-thread time (Chrome's Performance.getMetrics: task, layout, style) of the "Layers" click and of
  the keystroke, which a loaded machine distorts less than wall-clock frames.

Targets: 60 fps while dragging and zooming (median frame 16.7 ms), "Layers" and a keystroke each under ~100 ms.

    python benchmarks/bench_explorer.py                       # writes a B7 report into a temporary folder
    python benchmarks/bench_explorer.py --page A/b7.html --page B/b7.html --rounds 5   # compare two builds
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

CHROMIUM = "/usr/bin/chromium"
AFTER_PAINT = "() => new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)))"
TIMED = """async ([selector, action]) => {
    const el = document.querySelector(selector);
    const t0 = performance.now();
    if (action === 'click') el.click();
    else { el.value += action; el.dispatchEvent(new Event('input', {bubbles: true})); }
    await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
    return performance.now() - t0;
}"""
RECORD = """() => { window.__frames = []; window.__recording = true;
    const tick = t => { window.__frames.push(t); if (window.__recording) requestAnimationFrame(tick); };
    requestAnimationFrame(tick); }"""
STOP = """() => { window.__recording = false; const f = window.__frames;
    return f.slice(1).map((t, i) => t - f[i]); }"""


def b7_page(folder: Path) -> Path:
    from effnet_inspect.analysis.measure import analyze
    from effnet_inspect.report import write_report

    write_report([analyze("b7")], folder, show_progress=False)
    return folder / "b7.html"


METRICS = ("TaskDuration", "LayoutDuration", "RecalcStyleDuration")


def main_thread(session, action) -> dict[str, float]:
    """Milliseconds of renderer main-thread work (task, layout, style) while action runs and its frame paints."""

    def now() -> dict[str, float]:
        return {m["name"]: m["value"] for m in session.send("Performance.getMetrics")["metrics"]}

    before = now()
    result = action()
    after = now()
    return {"wall": result, **{k: 1000 * (after[k] - before[k]) for k in METRICS}}


def one_round(browser, page_path: Path) -> dict[str, object]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    session = context.new_cdp_session(page)
    session.send("Performance.enable")
    try:
        page.goto(page_path.as_uri(), wait_until="load")
        page.wait_for_timeout(1500)
        page.locator("#explore").scroll_into_view_if_needed()
        page.evaluate(AFTER_PAINT)
        layers = main_thread(session, lambda: page.evaluate(TIMED, ['#explore button[data-show="layer"]', "click"]))
        page.evaluate(AFTER_PAINT)
        page.locator("#explore input[type=search]").fill("block")
        page.evaluate(AFTER_PAINT)
        keystroke = main_thread(session, lambda: page.evaluate(TIMED, ["#explore input[type=search]", "6"]))
        page.locator("#explore input[type=search]").fill("")
        page.evaluate(AFTER_PAINT)
        box = page.locator('#explore .view[data-level="layer"] .viewport').bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(x, y)
        page.evaluate(RECORD)
        page.mouse.down()
        for i in range(1, 61):  # a drag of 300 px there and back
            page.mouse.move(x - 5 * (i if i <= 30 else 60 - i), y - 3 * (i if i <= 30 else 60 - i))
        page.mouse.up()
        page.keyboard.down("Control")
        for i in range(40):  # zoom in and out again, about the pointer
            page.mouse.wheel(0, -60 if i < 20 else 60)
        page.keyboard.up("Control")
        frames = page.evaluate(STOP)
        return {"layers": layers, "keystroke": keystroke, "frames": frames}
    finally:
        context.close()


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
    return f"median {statistics.median(ordered):6.1f} ms, p90 {p90:6.1f} ms, worst {ordered[-1]:6.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page", type=Path, action="append", help="a B7 variant page (default: write one)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per page, alternating (default 3)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="effnet-explorer-") as tmp:
        pages = args.page or [b7_page(Path(tmp))]
        results: dict[Path, list[dict]] = {p: [] for p in pages}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
            for _ in range(args.rounds):
                for path in pages:
                    results[path].append(one_round(browser, path))
            browser.close()
    for path, rounds in results.items():
        print(f"{path}  ({len(rounds)} rounds)")
        for name, label in (("layers", "'Layers'"), ("keystroke", "search keystroke")):
            print(f"  {label + ' to the next frame:':42}{summary([r[name]['wall'] for r in rounds])}")
            work = {k: statistics.median(r[name][k] for r in rounds) for k in METRICS}
            print(
                f"  {label + ', main thread (median):':42}task {work['TaskDuration']:6.1f} ms, layout "
                f"{work['LayoutDuration']:6.1f} ms, style {work['RecalcStyleDuration']:6.1f} ms"
            )
        frames = [f for r in rounds for f in r["frames"]]
        print(f"  {f'frames, drag + Ctrl-wheel ({len(frames)}):':42}{summary(frames)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
