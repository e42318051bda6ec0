"""The theme's icons as CSS (inline SVG masks) instead of fontawesome.js and the icon webfont.

Why: the theme put ``fontawesome.js`` (1.5 MB) on every page to redraw a dozen ``<i class="fa-solid
fa-…">`` icons as SVG, and its stylesheet then still fetched the 150 kB solid webfont. The
templates override (``templates/static/webpack-macros.html``) drops the script; this module writes
``_static/icons.css`` with exactly the solid icons the built pages use, each drawn from the path
in the theme's own Font Awesome copy, so the icons look the same and no font is needed. An icon
this file does not cover still falls back to the theme's webfont, so nothing can go missing.

The theme's stylesheet also carries a ``.fa-NAME:before{content:…}`` rule for each of Font
Awesome's ~1,900 icons (86 kB of a 397 kB stylesheet that blocks every page's first paint); the
rules for icons no page of the book uses are dropped from the built copy.

Icons: Font Awesome Free by Fonticons, Inc., CC BY 4.0 (https://fontawesome.com/license/free).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

CSS_FILE = "icons.css"
# Icons the theme's JavaScript adds after load (so they are not in the HTML the build writes).
ADDED_BY_SCRIPT = {"xmark"}
SOLID = re.compile(r"\bfa-solid\b")
ANY_FA = re.compile(r'class="([^"]*\bfa-[^"]*)"')
THEME_CSS = Path("_static") / "styles" / "pydata-sphinx-theme.css"
ICON_RULE = re.compile(r'(?<=\})((?:\.fa-[a-z0-9-]+:before,?)+)\{content:"[^"]*"\}')
ENTRY = re.compile(
    r'(?:"(?P<quoted>[a-z0-9-]+)"|(?P<bare>[a-z0-9]+)):\[(?P<w>\d+),(?P<h>\d+),\[[^\]]*\],'
    r'"[^"]*","(?P<path>[^"]+)"\]'
)
HEADER = """/* The theme's solid icons as CSS masks (written by alliance/book/icons.py at build).
   Icons: Font Awesome Free by Fonticons, Inc., CC BY 4.0 (https://fontawesome.com/license/free),
   paths from the theme's own copy. */
"""


def solid_icons(fontawesome_js: str) -> dict[str, tuple[int, int, str]]:
    """The solid ("fas") pack of a Font Awesome build: name -> (width, height, SVG path)."""
    end = fontawesome_js.find('d("fas",')
    if end < 0:
        return {}
    start = max(fontawesome_js.rfind('d("far",', 0, end), fontawesome_js.rfind('d("fab",', 0, end))
    icons = {}
    for m in ENTRY.finditer(fontawesome_js, max(start, 0), end):
        icons[m["quoted"] or m["bare"]] = (int(m["w"]), int(m["h"]), m["path"])
    return icons


def icon_classes(html_files: list[Path]) -> tuple[set[str], set[str]]:
    """The solid icons the pages draw (by name) and every ``fa-`` class they use (any style),
    each with those the theme's scripts add. Each page is read once."""
    solid = set(ADDED_BY_SCRIPT)
    every = {f"fa-{n}" for n in ADDED_BY_SCRIPT}
    for page in html_files:
        for classes in ANY_FA.findall(page.read_text(encoding="utf-8")):
            fa = {c for c in classes.split() if c.startswith("fa-")}
            every |= fa
            if SOLID.search(classes):
                solid |= {c[3:] for c in fa} - {"solid", "lg"}
    return solid, every


def trim_icon_rules(css: str, keep: set[str]) -> str:
    """``css`` without the ``.fa-x:before{content}`` rules of icons not in ``keep``."""

    def rule(match: re.Match) -> str:
        names = {sel.removesuffix(":before")[1:] for sel in match[1].split(",") if sel}
        return match[0] if names & keep else ""

    return ICON_RULE.sub(rule, css)


def icons_css(icons: dict[str, tuple[int, int, str]], names: set[str]) -> str:
    rules = []
    covered = sorted(n for n in names if n in icons)
    for name in covered:
        width, height, path = icons[name]
        svg = (
            f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {height}'>"
            f"<path d='{path}'/></svg>"
        )
        url = "data:image/svg+xml," + quote(svg, safe=" /=:',.-")
        rules.append(
            f'.fa-solid.fa-{name}::before{{--alliance-icon:url("{url}");'
            f"width:{width / height:.4f}em}}"
        )
    selector = ",".join(f".fa-solid.fa-{n}" for n in covered)
    before = ",".join(f".fa-solid.fa-{n}::before" for n in covered)
    common = (
        f"{selector}{{font-family:inherit!important;font-weight:inherit}}\n"
        f'{before}{{content:""!important;display:inline-block;height:1em;'
        "vertical-align:-0.125em;background-color:currentColor;"
        "-webkit-mask:var(--alliance-icon) center/contain no-repeat;"
        "mask:var(--alliance-icon) center/contain no-repeat}\n"
    )
    return HEADER + (common if covered else "") + "\n".join(rules) + "\n"


def _fontawesome_js(app: Sphinx) -> Path | None:
    for folder in app.builder.theme.get_theme_dirs():
        candidate = Path(folder) / "static" / "scripts" / "fontawesome.js"
        if candidate.is_file():
            return candidate
    return None


def _write(app: Sphinx, exception: Exception | None) -> None:
    if exception or app.builder is None or app.builder.format != "html":
        return
    out = Path(app.builder.outdir)
    source = _fontawesome_js(app)
    icons = solid_icons(source.read_text(encoding="utf-8")) if source else {}
    names, every = icon_classes(sorted(out.rglob("*.html")))
    missing = sorted(names - set(icons))
    if missing:
        logger.info("icons.css: %s drawn by the theme's webfont instead", ", ".join(missing))
    (out / "_static" / CSS_FILE).write_text(icons_css(icons, names), encoding="utf-8")
    theme_css = out / THEME_CSS
    if theme_css.is_file():
        css = theme_css.read_text(encoding="utf-8")
        theme_css.write_text(trim_icon_rules(css, every), encoding="utf-8")


def setup(app: Sphinx) -> None:
    """Link icons.css on every page and write it once the pages are written."""
    app.add_css_file(CSS_FILE)
    app.connect("build-finished", _write)
