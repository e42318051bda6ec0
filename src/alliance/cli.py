"""The ``alliance`` command: one entry point, one subcommand group per concern.

Each group lives with its concern (``alliance.vignettes.cli``, ``alliance.course.cli``) and exposes
``register(subparsers)``; this module only wires them together, so a group that fails to import
(for example while it is being written) does not take the others down.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

GROUPS = {
    "vignette": ("alliance.vignettes.cli", "check and inspect role-play vignettes"),
    "course": ("alliance.course.cli", "run the course: release, collect, autograde, report"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="alliance", description="Tools for The Working Alliance course."
    )
    sub = parser.add_subparsers(dest="group", metavar="{" + ",".join(GROUPS) + "}")
    sub.required = True
    for name, (module_name, help_text) in GROUPS.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                continue  # group not installed in this build
            raise
        module.register(sub.add_parser(name, help=help_text, description=help_text))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:
        # `alliance vignette stats | head`: the reader left; stop quietly, as Unix tools do
        # (Python's recipe: point stdout at /dev/null so the interpreter's final flush is silent).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
