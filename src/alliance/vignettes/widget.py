"""``VignetteWidget``: play a vignette in the book (no kernel) and in Jupyter (path syncs back).

Why all play logic is in ``widget.js``: the static book has no kernel, only the widget state that
was captured when the chapter executed. So the whole vignette travels to the browser as data, the
JavaScript plays it, and the reader's path comes back to Python through the synced ``path`` trait,
where the engine replays it (``widget.transcript()``, ``widget.playthrough()``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anywidget
import traitlets

from alliance.vignettes.engine import Playthrough, encode_path, replay
from alliance.vignettes.loader import load_vignette
from alliance.vignettes.schema import Vignette, vocabulary

HERE = Path(__file__).parent


class VignetteWidget(anywidget.AnyWidget):
    """A playable vignette; ``graded=True`` puts the path code to paste front and centre."""

    _esm = HERE / "widget.js"
    _css = HERE / "widget.css"

    vignette = traitlets.Dict().tag(sync=True)
    vocabulary = traitlets.Dict().tag(sync=True)
    path = traitlets.List(traitlets.Int()).tag(sync=True)
    graded = traitlets.Bool(False).tag(sync=True)

    def __init__(
        self,
        vignette: str | Path | Vignette,
        *,
        graded: bool = False,
        path: list[int] | None = None,
        **kwargs: Any,
    ) -> None:
        loaded = vignette if isinstance(vignette, Vignette) else load_vignette(vignette)
        initial = list(path or [])
        if initial:
            replay(loaded, initial)  # a bad starting path fails here, naming the step
        self._vignette = loaded
        super().__init__(
            vignette=loaded.to_data(),
            vocabulary=vocabulary(),
            graded=graded,
            path=initial,
            **kwargs,
        )

    @property
    def vignette_id(self) -> str:
        return self._vignette.id

    def playthrough(self) -> Playthrough:
        """Replay the reader's current path with the Python engine."""
        return replay(self._vignette, list(self.path))

    def transcript(self) -> list[tuple[str, str]]:
        """The conversation so far as (speaker, text) pairs, speaker 'client' or 'therapist'."""
        return self.playthrough().transcript

    @property
    def code(self) -> str:
        """The path code the widget shows (``<id>:<1-based choices>``)."""
        return encode_path(self._vignette, list(self.path))
