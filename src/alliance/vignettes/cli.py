"""``alliance vignette check``, ``show`` and ``stats``: the author's tools.

Why a checker on the command line: authors write YAML by hand, and the book build would otherwise
be the first place a broken vignette shows up, far from the file and line at fault.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING

from alliance.vignettes import loader
from alliance.vignettes.schema import OUTCOMES, Vignette

if TYPE_CHECKING:
    from alliance.vignettes.stats import CueStats


def _shortest_to_ending(v: Vignette) -> int | None:
    seen = {v.start: 0}
    queue = deque([v.start])
    while queue:
        node_id = queue.popleft()
        node = v.nodes[node_id]
        if node.is_ending:
            return seen[node_id]
        for choice in node.choices:
            if choice.next not in seen:
                seen[choice.next] = seen[node_id] + 1
                queue.append(choice.next)
    return None


def summary(v: Vignette, label: str) -> str:
    """One line per valid file: what an author wants to see at a glance."""
    endings = [n for n in v.nodes.values() if n.is_ending]
    outcomes = sorted({n.ending.outcome for n in endings if n.ending})
    plural = "s" if len(endings) != 1 else ""
    return (
        f"{label}: ok: '{v.id}', {len(v.nodes)} nodes, {len(endings)} ending{plural} "
        f"({', '.join(outcomes)}), shortest path {_shortest_to_ending(v)} choices"
    )


def _paths(names: list[str]) -> list[Path]:
    """The files named (a folder stands for the YAML files in it), or the shipped library."""
    if not names:
        return loader.library_files()
    paths: list[Path] = []
    for name in names:
        path = Path(name)
        paths.extend(sorted(path.glob("*.yaml")) if path.is_dir() else [path])
    return paths


def run_check(args: argparse.Namespace) -> int:
    paths = _paths(args.files)
    if not paths:
        print(f"no vignette files in {loader.library_dir()}")
        return 0
    results = loader.check_files(paths)
    failed = 0
    for result in results:
        if result.problems:
            failed += 1
            for problem in sorted(result.problems):
                print(problem)
        elif result.vignette is not None:
            print(summary(result.vignette, loader._label(result.path)))
    if failed:
        n = sum(len(r.problems) for r in results)
        print(
            f"{n} problem{'s' if n != 1 else ''} in {failed} of {len(results)} file(s)",
            file=sys.stderr,
        )
        return 1
    return 0


def outline(v: Vignette) -> str:
    """A readable outline of a vignette: every node, choice, effect and where it leads."""
    wrap = textwrap.TextWrapper(width=96, subsequent_indent="      ")
    lines = [
        f"{v.title}  [{v.id}]",
        f"theme: {v.theme}   chapter: {v.chapter or '-'}   start: {v.start}",
        "baseline: " + ", ".join(f"{k} {x}" for k, x in v.baseline.items()),
        f"client: {v.client.name}: {v.client.background}",
        "objectives:",
        *(f"  - {o}" for o in v.objectives),
        "",
    ]
    for node in v.nodes.values():
        marker = f"  (rupture: {node.rupture})" if node.rupture else ""
        lines.append(f"[{node.id}]{marker}")
        if node.client:
            lines.append(wrap.fill(f"  CLIENT: {node.client}"))
        if node.cue:
            lines.append(wrap.fill(f"  cue: {node.cue}"))
        for i, c in enumerate(node.choices, 1):
            effect = " ".join(f"{k}{x:+d}" for k, x in c.effect.items() if x)
            marks = "".join([f"; id {c.id}" if c.id else "", "; repair" if c.is_repair else ""])
            lines.append(
                wrap.fill(f"  {i}. ({c.type}; {effect or 'no effect'}{marks}) {c.therapist}")
            )
            lines.append(f"      -> {c.next}")
        if node.ending:
            lines.append(f"  ENDING: {OUTCOMES[node.ending.outcome]}")
            lines.append(wrap.fill(f"  debrief: {node.ending.debrief}"))
            for note in node.ending.notes:
                lines.append(wrap.fill(f"  note (if {note.when} {note.target}): {note.text}"))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def run_show(args: argparse.Namespace) -> int:
    try:
        v = loader.load_vignette(args.vignette)
    except (LookupError, ValueError) as exc:
        print(exc, file=sys.stderr)
        return 1
    sys.stdout.write(outline(v))
    return 0


def run_stats(args: argparse.Namespace) -> int:
    """Print the surface-cue statistics; exit 1 if the files together (or the review questions)
    give the best answer away more often than chance allows (``cue_limits.yaml``)."""
    from alliance.vignettes import stats

    paths = _paths(args.files)
    results = loader.check_files(paths, rules=False)
    broken = [p for r in results for p in r.problems]
    for problem in broken:
        print(problem, file=sys.stderr)
    if broken:
        return 1
    found = [
        (stats.vignette_stats(r.vignette), loader._label(r.path))
        for r in results
        if r.vignette is not None
    ]
    failed = False
    if found:
        many = len(found) > 1 or not args.files  # a summary of them all comes first
        if many:
            heading = "These files together" if args.files else "Library"
            print("\n".join(stats.format_library([s for s, _ in found], heading)))
            failed = _over_the_limit(stats.cue_stats(d for s, _ in found for d in s.decisions))
        for s, label in found:
            if many:
                print()
            print("\n".join(stats.format_vignette(s, label)))
        if not many:
            failed = _over_the_limit(found[0][0].cues)
    if args.review is not None or not args.files:
        chapters = [Path(c) for c in args.review or []] or stats.chapter_files()
        decisions = stats.review_decisions(chapters)
        print()
        print("\n".join(stats.format_review(decisions)))
        failed = _over_the_limit(stats.cue_stats(decisions)) or failed
    return 1 if failed else 0


def _over_the_limit(cues: CueStats) -> bool:
    problems = cues.problems()
    for problem in problems:
        print(f"  OVER THE LIMIT: {problem}")
    return bool(problems)


def _files_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "files", nargs="*", help="vignette YAML files or folders (default: the shipped library)"
    )


def register(parser: argparse.ArgumentParser) -> None:
    """Add ``check``, ``show`` and ``stats`` under ``alliance vignette``."""
    sub = parser.add_subparsers(dest="command", metavar="{check,show,stats}")
    sub.required = True
    check = sub.add_parser(
        "check",
        help="validate vignette files (all shipped vignettes when none is named)",
        description="Validate vignette YAML files and print every problem as path:line: message.",
    )
    _files_argument(check)
    check.set_defaults(func=run_check)
    show = sub.add_parser("show", help="print a readable outline of a vignette")
    show.add_argument("vignette", help="a shipped vignette id or a path to a YAML file")
    show.set_defaults(func=run_show)
    st = sub.add_parser(
        "stats",
        help="does length or position give the best answer away? (vignettes, review questions)",
        description=(
            "For the files together and for each file: decision points, how often the best "
            "option is the longest (and the shortest), where it sits, the reading length of "
            "best and other options, the endings reachable and the best path. With no file "
            "named: the shipped library and the chapters' review questions. Exit status 1 "
            "when the files together or the review questions exceed chance by more than the "
            "limits in cue_limits.yaml."
        ),
    )
    _files_argument(st)
    st.add_argument(
        "--review",
        nargs="*",
        metavar="CHAPTER",
        help="also the review questions of these chapter files (no file: the book's chapters)",
    )
    st.set_defaults(func=run_stats)
