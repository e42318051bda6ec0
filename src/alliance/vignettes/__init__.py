"""Role-play vignettes: the format, its loader and checks, the replay engine and the widget.

``VignetteWidget`` is imported lazily so that the loader, engine and command line do not pay for
importing anywidget.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from alliance.vignettes.engine import (
    Playthrough,
    decode_path,
    encode_path,
    replay,
    replay_code,
)
from alliance.vignettes.errors import PathError, Problem, VignetteError
from alliance.vignettes.loader import library_dir, load_all_vignettes, load_vignette
from alliance.vignettes.schema import Vignette

if TYPE_CHECKING:
    from alliance.vignettes.plot import plot_trajectory
    from alliance.vignettes.widget import VignetteWidget

__all__ = [
    "PathError",
    "Playthrough",
    "Problem",
    "Vignette",
    "VignetteError",
    "VignetteWidget",
    "decode_path",
    "encode_path",
    "library_dir",
    "load_all_vignettes",
    "load_vignette",
    "plot_trajectory",
    "replay",
    "replay_code",
]


def __getattr__(name: str) -> Any:
    if name == "VignetteWidget":
        from alliance.vignettes.widget import VignetteWidget

        return VignetteWidget
    if name == "plot_trajectory":
        from alliance.vignettes.plot import plot_trajectory

        return plot_trajectory
    raise AttributeError(f"module 'alliance.vignettes' has no attribute {name!r}")
