"""Measurements taken inside a page, shared by the browser tests and the page benchmark.

Why here: a layout-shift threshold is asserted by the tests and reported by the benchmark, and both
must compute it the same way (Chromium's definition), so the script that measures it is stated once.
Add the scripts with Playwright's ``context.add_init_script`` so they run before the page does.
"""

from __future__ import annotations

# Cumulative layout shift as Chromium defines it: the largest session window (shifts less than 1 s
# apart, window at most 5 s) of layout-shift entries that did not follow user input.
CLS_OBSERVER = """
window.__cls = 0;
(() => {
  let windowValue = 0, first = 0, last = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (e.hadRecentInput) continue;
      if (windowValue && e.startTime - last < 1000 && e.startTime - first < 5000) {
        windowValue += e.value;
      } else {
        windowValue = e.value;
        first = e.startTime;
      }
      last = e.startTime;
      window.__cls = Math.max(window.__cls, windowValue);
    }
  }).observe({ type: "layout-shift", buffered: true });
})();
"""


def clickable_probe(selector: str) -> str:
    """A script that records (``window.__clickable``) when ``selector`` first became clickable.

    That is the first animation frame in which the element is attached, rendered, visible and
    enabled and has the same box as in the frame before (Playwright's "visible, enabled, stable").
    Measured in the page because Playwright polls 0, 20, 100, 100, 500 ms apart, which would add
    up to half a second to a figure meant to be in milliseconds.
    """
    return """
window.__clickable = null;
(() => {
  let last = null;
  const frame = (now) => {
    const el = document.querySelector(SELECTOR);
    const box = el && el.getBoundingClientRect();
    const shown = box && box.width > 0 && box.height > 0 && !el.disabled
      && getComputedStyle(el).visibility === "visible";
    const key = shown ? [box.x, box.y, box.width, box.height].join() : null;
    if (key && key === last) { window.__clickable = now; return; }
    last = key;
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
})();
""".replace("SELECTOR", repr(selector))
