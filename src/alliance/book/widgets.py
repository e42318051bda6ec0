"""The book's own widget host, build side: widget outputs become server-rendered views.

Why: the static book has no kernel, only the widget state captured when a chapter executed. The
ipywidgets html-manager (3.6 MB through RequireJS) was loaded just to run one small ES module. So
instead, when a page is read, this module

- slims the page's embedded widget state (``application/vnd.jupyter.widget-state+json``): each
  anywidget's ``_esm``/``_css`` source is written once to ``_static/widgets/`` (named by its
  content hash, so every page shares one cached copy) and the state keeps only its file name;
  layout models, which the host does not use, are dropped;
- wraps each widget-view output in a ``<div data-anywidget-view>`` that also holds a
  server-rendered view of the widget (registered per anywidget class, see ``register_static``),
  so the reader sees content, and its space is reserved, before any script runs, and a reader
  with no JavaScript (or a printer) still gets something meaningful;
- on the pages that need it, adds ``widgets/host.js`` (the host: a small ES module that calls
  each module's ``render({model, el})``), a ``modulepreload`` for each module and the modules'
  stylesheets in ``<head>`` (no flash of unstyled content, no layout shift).

Anything the host cannot render (a plain ipywidget) is a build warning, so ``-W`` fails the build
rather than publish a blank widget.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

logger = logging.getLogger(__name__)

STATE_MIME = "application/vnd.jupyter.widget-state+json"
VIEW_MIME = "application/vnd.jupyter.widget-view+json"
ANYWIDGET_MODEL = "AnyModel"
ASSET_DIR = "widgets"  # under _static/, next to host.js
_VIEW_SCRIPT = re.compile(
    r'^\s*<script type="' + re.escape(VIEW_MIME) + r'">(?P<json>.*)</script>\s*$', re.S
)
# With JavaScript off, the static views show their no-JavaScript parts instead of the skeleton.
NOSCRIPT = (
    "<noscript><style>.anywidget-static .anywidget-js-only{display:none!important}"
    ".anywidget-static .anywidget-nojs-only{display:block!important}</style></noscript>\n"
)
# Model state the host never reads (ipywidgets' DOM/layout bookkeeping).
_UNUSED_KEYS = {"layout", "_view_count", "tabbable", "tooltip"}


@dataclass
class StaticView:
    """What a widget shows before (and without) JavaScript.

    ``html`` goes inside the view's container; ``anchor`` (optional) becomes the container's id so
    other pages can link to the widget; ``record`` is data other parts of the book may collect
    (the practice page lists every vignette from it).
    """

    html: str
    anchor: str | None = None
    record: dict[str, Any] = field(default_factory=dict)


StaticRenderer = Callable[[dict[str, Any]], StaticView]
_RENDERERS: dict[str, StaticRenderer] = {}


def register_static(anywidget_id: str, renderer: StaticRenderer) -> None:
    """Render views of the anywidget class ``anywidget_id`` (``module.Class``) on the server."""
    _RENDERERS[anywidget_id] = renderer


def _generic_view(state: dict[str, Any]) -> StaticView:
    return StaticView(
        '<p class="anywidget-nojs-only">This interactive widget needs JavaScript.</p>'
    )


def script_json(data: Any) -> str:
    """JSON that is safe inside ``<script>``: no ``<``, ``>`` or ``&`` survives unescaped."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _asset_name(anywidget_id: str, source: str, suffix: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9_-]", "", anywidget_id.rsplit(".", 1)[-1]) or "widget"
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()[:12]
    return f"{stem}-{digest}.{suffix}"


def _is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


# --------------------------------------------------------------------------------------------
# Read time: slim the state, replace the view outputs
# --------------------------------------------------------------------------------------------


def _page_state(env: BuildEnvironment, docname: str) -> tuple[dict | None, dict | None]:
    """The page's widget-state entry in myst-nb's per-page scripts, and the parsed state."""
    js_files = getattr(env, "nb_metadata", {}).get(docname, {}).get("js_files", {})
    entry = js_files.get("ipywidgets_state")
    if not entry:
        return js_files, None
    return js_files, json.loads(entry[1]["body"])


def _slim(models: dict[str, Any], assets: dict[str, str], page: dict[str, Any]) -> dict:
    """The state the host needs; module sources moved to asset files (recorded in ``page``)."""
    slim: dict[str, Any] = {}
    for model_id, model in models.items():
        if model.get("model_name") == "LayoutModel":
            continue
        state = {k: v for k, v in model.get("state", {}).items() if k not in _UNUSED_KEYS}
        anywidget_id = str(state.get("_anywidget_id", ""))
        for key, suffix in (("_esm", "js"), ("_css", "css")):
            source = state.get(key)
            if not isinstance(source, str) or not source or _is_url(source):
                continue
            name = _asset_name(anywidget_id, source, suffix)
            assets[name] = source
            page["esm" if suffix == "js" else "css"].add(name)
            del state[key]
            state[f"{key}_file"] = name
        slim[model_id] = {**model, "state": state}
    return slim


def _view_html(
    model_id: str, model: dict | None, used_anchors: set[str], view_script: str
) -> tuple[str, dict]:
    """The container that replaces one widget-view output, and what is recorded about it."""
    state = (model or {}).get("state", {})
    anywidget_id = str(state.get("_anywidget_id", ""))
    view = _RENDERERS.get(anywidget_id, _generic_view)(state)
    anchor = view.anchor
    if anchor:
        base, n = anchor, 2
        while anchor in used_anchors:
            anchor, n = f"{base}-{n}", n + 1
        used_anchors.add(anchor)
    attrs = {
        "class": "anywidget-view",
        "id": anchor,
        "data-anywidget-view": "",
        "data-model-id": model_id,
    }
    opening = " ".join(
        f'{k}="{html.escape(v, quote=True)}"' if v else k for k, v in attrs.items() if v is not None
    )
    # The widget-view output itself stays in the container, as ipywidgets documents embedding, so
    # tools that read a page's widgets from it still can; nothing executes it.
    body = f'<div {opening}>{view_script}<div class="anywidget-static">{view.html}</div></div>'
    record = {"model_id": model_id, "anywidget_id": anywidget_id, "anchor": anchor}
    return body, {**record, **view.record}


def _on_doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    env = app.env
    docname = env.docname
    js_files, state = _page_state(env, docname)
    views = [n for n in doctree.findall(nodes.raw) if _VIEW_SCRIPT.match(n.astext())]
    if state is None and not views:
        return
    models = (state or {}).get("state", {})
    assets: dict[str, str] = env.__dict__.setdefault("alliance_widget_assets", {})
    page: dict[str, Any] = {"esm": set(), "css": set(), "views": []}
    slim = _slim(models, assets, page)
    used_anchors: set[str] = set()
    for raw in views:
        view = json.loads(_VIEW_SCRIPT.match(raw.astext())["json"])
        model_id = str(view.get("model_id", ""))
        model = slim.get(model_id)
        if model is None or model.get("model_name") != ANYWIDGET_MODEL:
            name = (model or {}).get("model_name", "a widget with no saved state")
            logger.warning(
                "widget output %s (%s) cannot be shown by the book's static host, which renders "
                "anywidget modules only: replace it with an anywidget",
                model_id,
                name,
                location=raw,
                type="alliance",
                subtype="widget",
            )
        body, record = _view_html(model_id, model, used_anchors, raw.astext().strip())
        raw.replace_self(nodes.raw("", body, format="html"))
        page["views"].append(record)
    if state is not None:
        js_files["ipywidgets_state"] = (
            None,
            {"type": STATE_MIME, "body": script_json({**state, "state": slim})},
        )
    for key in [k for k in js_files if k.startswith("ipywidgets_") and k != "ipywidgets_state"]:
        del js_files[key]  # the html-manager's scripts, if a config still lists them
    page["esm"], page["css"] = sorted(page["esm"]), sorted(page["css"])
    env.__dict__.setdefault("alliance_widget_pages", {})[docname] = page


def page_views(env: BuildEnvironment, docname: str) -> list[dict[str, Any]]:
    """What was recorded about each widget view of ``docname``, in page order."""
    return env.__dict__.get("alliance_widget_pages", {}).get(docname, {}).get("views", [])


def pages_in_order(env: BuildEnvironment) -> list[str]:
    """Every document in table-of-contents order (the root first), then any the TOC misses."""
    order: list[str] = []

    def walk(doc: str) -> None:
        if doc in order:
            return
        order.append(doc)
        for child in env.toctree_includes.get(doc, []):
            walk(child)

    walk(env.config.root_doc)
    return order + sorted(d for d in env.all_docs if d not in order)


# --------------------------------------------------------------------------------------------
# Write time: per-page head resources; the asset files
# --------------------------------------------------------------------------------------------


def _on_page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    page = app.env.__dict__.get("alliance_widget_pages", {}).get(pagename)
    if not page or not page["views"]:
        return
    pathto = context["pathto"]
    for name in page["css"]:
        app.add_css_file(f"{ASSET_DIR}/{name}")
    preload = "".join(
        f'<link rel="modulepreload" href="{pathto(f"_static/{ASSET_DIR}/{name}", 1)}" />\n'
        for name in page["esm"]
    )
    context["metatags"] = context.get("metatags", "") + preload + NOSCRIPT
    app.add_js_file(f"{ASSET_DIR}/host.js", type="module", loading_method="async")


def _on_build_finished(app: Sphinx, exception: Exception | None) -> None:
    if exception or app.builder is None or app.builder.format != "html":
        return
    out = Path(app.builder.outdir) / "_static" / ASSET_DIR
    out.mkdir(parents=True, exist_ok=True)
    for name, source in app.env.__dict__.get("alliance_widget_assets", {}).items():
        target = out / name
        if not target.exists() or target.read_text(encoding="utf-8") != source:
            target.write_text(source, encoding="utf-8")


# --------------------------------------------------------------------------------------------
# Environment bookkeeping (incremental and parallel builds)
# --------------------------------------------------------------------------------------------


def _purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    env.__dict__.get("alliance_widget_pages", {}).pop(docname, None)


def _merge(app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment) -> None:
    pages = env.__dict__.setdefault("alliance_widget_pages", {})
    for docname in docnames:
        if docname in other.__dict__.get("alliance_widget_pages", {}):
            pages[docname] = other.alliance_widget_pages[docname]
    env.__dict__.setdefault("alliance_widget_assets", {}).update(
        other.__dict__.get("alliance_widget_assets", {})
    )


def _check_config(app: Sphinx, config: Any) -> None:
    if getattr(config, "nb_ipywidgets_js", None):
        logger.warning(
            "nb_ipywidgets_js lists %s: the book renders widgets with its own host "
            "(alliance.book.widgets); set `nb_ipywidgets_js: {}` so no widget manager loads",
            ", ".join(config.nb_ipywidgets_js),
            type="alliance",
            subtype="widget",
        )


def setup(app: Sphinx) -> None:
    """Register the host's build steps (called by the book extension)."""
    app.connect("config-inited", _check_config)
    app.connect("doctree-read", _on_doctree_read)
    app.connect("html-page-context", _on_page_context)
    app.connect("build-finished", _on_build_finished)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
