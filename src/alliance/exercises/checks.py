"""Friendly checks for visible test cells.

Why a separate exception: a failing check should tell the student what is wrong with the *shape*
of their answer (a misspelt label, a missing key, a string where a number belongs) in plain words,
without revealing the answer. Those messages are safe to show even in cells that also hold hidden
tests, so :class:`StudentInputError` is the one error the feedback step lets through from such
cells (see :mod:`alliance.exercises.feedback`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any


class StudentInputError(AssertionError):
    """The answer has the wrong shape (type, keys, allowed labels); the message says how to fix it.

    It subclasses ``AssertionError`` so nbgrader scores it like any failed test.
    """


def check_labels(
    answers: Any, name: str, expected_keys: Iterable[Any], allowed: Iterable[str]
) -> None:
    """Check that ``answers`` maps every expected key to one of the allowed labels."""
    allowed = list(allowed)
    expected = list(expected_keys)
    if not isinstance(answers, Mapping):
        raise StudentInputError(
            f"`{name}` should be a dictionary like {{{expected[0]!r}: 'label', ...}}, "
            f"but it is a {type(answers).__name__}."
        )
    missing = [k for k in expected if k not in answers]
    if missing:
        raise StudentInputError(
            f"`{name}` has no answer for {', '.join(repr(k) for k in missing)}: "
            "give one label for every item."
        )
    extra = [k for k in answers if k not in expected]
    if extra:
        raise StudentInputError(
            f"`{name}` has keys that are not items of this question: "
            f"{', '.join(repr(k) for k in extra)}."
        )
    for key in expected:
        label = answers[key]
        if not isinstance(label, str) or label not in allowed:
            raise StudentInputError(
                f"`{name}[{key!r}]` is {label!r}, which is not one of the allowed labels. "
                f"Use exactly one of: {', '.join(allowed)} (lower case, with hyphens)."
            )


def check_number(value: Any, name: str, *, allow_none: bool = False) -> None:
    """Check that ``value`` is a finite real number (or ``None`` when that is allowed)."""
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        extra = " (or None)" if allow_none else ""
        raise StudentInputError(
            f"`{name}` should be a finite number{extra}, but it is {value!r} "
            f"({type(value).__name__})."
        )


def check_axes(ax: Any, name: str = "the returned Axes") -> None:
    """Check that a plotting answer returned a matplotlib Axes with a title and both axis labels."""
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        raise StudentInputError(
            f"{name} should be a matplotlib Axes (for example the `ax` from "
            f"`fig, ax = new_figure()`), but it is a {type(ax).__name__}. "
            "Did you forget `return ax`?"
        )
    missing = [
        what
        for what, text in (
            ("a title (ax.set_title)", ax.get_title()),
            ("an x-axis label (ax.set_xlabel)", ax.get_xlabel()),
            ("a y-axis label (ax.set_ylabel)", ax.get_ylabel()),
        )
        if not text.strip()
    ]
    if missing:
        raise StudentInputError(f"The figure needs {', and '.join(missing)}.")


def check_keys(value: Any, name: str, expected_keys: Iterable[Any]) -> None:
    """Check that ``value`` is a dictionary holding (at least) every expected key."""
    expected = list(expected_keys)
    if not isinstance(value, Mapping):
        raise StudentInputError(
            f"`{name}` should be a dictionary with the keys "
            f"{', '.join(repr(k) for k in expected)}, but it is a {type(value).__name__}."
        )
    missing = [k for k in expected if k not in value]
    if missing:
        raise StudentInputError(f"`{name}` has no entry for {', '.join(repr(k) for k in missing)}.")


REFERENCE_MODULES = ("alliance.measures", "alliance.vignettes")


def check_own_code(func: Any, name: str, forbidden: tuple[str, ...] = REFERENCE_MODULES) -> None:
    """Check that a student's function does not hand its work to the course's own implementation.

    Why: the chapters import ``alliance.measures`` (questionnaire scoring, the rupture rule) and
    ``alliance.vignettes`` (MITI 4 summary scores), so the reference code is installed where a
    student can reach it. An exercise that asks for the
    rule to be written out is pointless if the answer is one call away. This looks at every name
    the function (and any function it calls from the notebook) uses, and refuses objects that
    live in one of the ``forbidden`` packages. It cannot stop a determined copier; it stops the
    shortcut.
    """
    import types

    seen: set[int] = set()

    def names_of(code: types.CodeType) -> set[str]:
        found = set(code.co_names)
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                found |= names_of(const)
        return found

    def visit(f: Any) -> None:
        if id(f) in seen or not isinstance(f, types.FunctionType):
            return
        seen.add(id(f))
        for used in names_of(f.__code__):
            obj = f.__globals__.get(used)
            module = getattr(obj, "__module__", None) or ""
            if isinstance(obj, types.ModuleType):
                module = obj.__name__
            for package in forbidden:
                if module == package or module.startswith(package + "."):
                    raise StudentInputError(
                        f"`{name}` uses `{used}` from {package}, the course's own "
                        "implementation. This exercise asks you to write the rule yourself."
                    )
            visit(obj)

    if not callable(func):
        raise StudentInputError(f"`{name}` should be a function, but it is {type(func).__name__}.")
    visit(func)
