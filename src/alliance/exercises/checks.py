"""Checks for the exercises' test cells: friendly, strict, and short enough to read in Validate.

Why a separate exception: a failing check should tell the student what is wrong with their
answer (a misspelt label, a missing key, a string where a number belongs, a label that is not
right yet) in plain words, without revealing the answer. Those messages are safe to show even in
cells that also hold hidden tests, so :class:`StudentInputError` is the one error the feedback
step lets through from such cells (see :mod:`alliance.exercises.feedback`).

Why strict: ``got == expected`` asks the *student's* object whether it is equal, so an object
whose ``__eq__`` always answers yes would pass every test. :func:`same` accepts only plain
built-in values (and numpy's own scalars), compared the whole way down, so every test cell —
visible or hidden — compares through it.

Why short first lines: ``nbgrader validate`` cuts every line of an error at about 90 characters
(``Validator.width``), after the exception's name. Every message here starts with the key hint on
a line of at most :data:`FIRST_LINE` characters; details follow on lines of their own.
"""

from __future__ import annotations

import dis
import hashlib
import math
import numbers
import re
import textwrap
import types
from collections.abc import Iterable
from typing import Any

#: the longest first line of a message that ``nbgrader validate`` shows whole after
#: ``StudentInputError: `` (90 columns, less its 4-space indent and the 3 dots it adds)
FIRST_LINE = 64
#: the width the remaining lines of a message are wrapped to
WIDTH = 80


class StudentInputError(AssertionError):
    """The answer is not right yet (wrong shape, or a wrong label); the message says what to do.

    It subclasses ``AssertionError`` so nbgrader scores it like any failed test.
    """


def message(hint: str, *details: str) -> str:
    """The text of a failed check: the key ``hint`` first, then each detail wrapped to WIDTH."""
    lines = [hint]
    for detail in details:
        lines.extend(textwrap.wrap(detail, WIDTH) or [""])
    return "\n".join(lines)


def fail(hint: str, *details: str) -> None:
    """Fail a test: the key ``hint`` first (at most FIRST_LINE characters), then the details."""
    __tracebackhide__ = True
    raise StudentInputError(message(hint, *details))


def _short(value: Any, limit: int = 30) -> str:
    """``repr`` of a student's value, cut to ``limit`` characters (it may be huge or hostile)."""
    try:
        text = repr(value) if _is_plain(value) else f"a {type(value).__name__}"
    except Exception:  # a repr that raises
        text = f"a {type(value).__name__}"
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --------------------------------------------------------------------------- strict comparison
_PLAIN = (str, int, float, bool, type(None), list, tuple, dict)


def _is_number(value: Any) -> bool:
    """A plain ``int``/``float`` (not ``bool``, not a subclass) or one of numpy's own scalars."""
    kind = type(value)
    if kind in (int, float):
        return True
    return kind.__module__ == "numpy" and isinstance(value, numbers.Real) and kind is not bool


def _is_plain(value: Any) -> bool:
    return type(value) in _PLAIN or _is_number(value)


def same(got: Any, expected: Any, *, tol: float = 1e-9) -> bool:
    """Whether ``got`` equals ``expected`` with plain built-in types all the way down.

    ``expected`` is the test's value (str, int, float, bool, None, list, tuple or dict of those).
    Numbers compare within ``tol`` (an ``int`` and a ``float`` of equal value are the same
    number); a list and a tuple with the same items are the same sequence; strings, booleans and
    ``None`` must match exactly. Objects of any other type (including subclasses of the built-in
    types, which may redefine ``__eq__``) are never the same as anything.
    """
    if expected is None or type(expected) is bool:
        return got is expected
    if type(expected) in (int, float):
        if not _is_number(got):
            return False
        a, b = float(got), float(expected)
        if math.isnan(b):
            return math.isnan(a)
        return abs(a - b) <= tol
    if type(expected) is str:
        return type(got) is str and str.__eq__(got, expected)
    if type(expected) in (list, tuple):
        if type(got) not in (list, tuple) or len(got) != len(expected):
            return False
        return all(same(g, e, tol=tol) for g, e in zip(got, expected, strict=True))
    if type(expected) is dict:
        if type(got) is not dict or len(got) != len(expected):
            return False
        for key, value in dict.items(got):
            match = [e for e in expected if same(key, e)]
            if not match or not same(value, expected[match[0]], tol=tol):
                return False
        return True
    raise TypeError(f"same() compares plain values; the test passed {type(expected).__name__}")


def mentions(value: Any, part: str) -> bool:
    """Whether ``str(value)`` (e.g. an exception's message) is plain text containing ``part``."""
    try:
        text = str(value)
    except Exception:
        return False
    return type(text) is str and str.__contains__(text, part)


def check_value(got: Any, expected: Any, hint: str, *details: str, tol: float = 1e-9) -> None:
    """Fail with ``hint`` (and what the student's answer was) unless ``same(got, expected)``.

    Only for values the student may see (a worked example); hidden tests ``assert same(...)``.
    """
    __tracebackhide__ = True
    if not same(got, expected, tol=tol):
        fail(hint, f"Your answer: {_short(got, 60)}.", *details)


# --------------------------------------------------------------------------- labels
def fingerprint(salt: str, answers: dict) -> str:
    """A short SHA-256 fingerprint of some answers, so a visible test can check them unseen.

    Why: a visible test that only checks the *shape* of labels lets Validate say "Success" for
    wrong ones, and a visible test that compares with the key gives the key away. The generator
    stores the fingerprint of the right answers; the test compares the student's.
    """
    text = salt + "|" + ";".join(f"{k!r}={answers[k]!r}" for k in sorted(answers, key=repr))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def check_labels(
    answers: Any, name: str, expected_keys: Iterable[Any], allowed: Iterable[Any]
) -> None:
    """Check that ``answers`` is a dict mapping every expected key to one of the allowed labels."""
    __tracebackhide__ = True
    allowed = list(allowed)
    expected = list(expected_keys)
    if type(answers) is not dict:
        fail(
            f"`{name}` should be a dictionary, not a {type(answers).__name__}.",
            f"Write it like {{{expected[0]!r}: {allowed[0]!r}, ...}}.",
        )
    missing = [k for k in expected if k not in answers]
    if missing:
        fail(
            f"`{name}` has no answer for {', '.join(repr(k) for k in missing)}"[:FIRST_LINE],
            "Give one label for every item.",
        )
    extra = [k for k in dict.keys(answers) if not any(same(k, e) for e in expected)]
    if extra:
        fail(
            f"`{name}` has keys that are not items: {_short(extra)}",
            f"Its keys should be exactly: {', '.join(repr(k) for k in expected)}.",
        )
    for key in expected:
        label = answers[key]
        if not any(same(label, a) for a in allowed):
            fail(
                f"`{name}[{key!r}]` is {_short(label, 20)}: not an allowed label.",
                f"Use exactly one of: {', '.join(repr(a) for a in allowed)}.",
            )


def check_fingerprint(
    answers: dict, keys: Iterable[Any], salt: str, digest: str, hint: str, *details: str
) -> None:
    """Fail with ``hint`` unless the answers for ``keys`` are the right ones (by fingerprint).

    Call :func:`check_labels` first: it makes sure every answer is a plain, allowed label.
    """
    __tracebackhide__ = True
    keys = list(keys)
    picked = {k: answers[k] for k in keys}
    if not all(_is_plain(v) for v in picked.values()) or fingerprint(salt, picked) != digest:
        which = " and ".join(str(k) for k in keys) if len(keys) <= 3 else "these items"
        fail(hint, f"At least one of your answers for {which} is not right yet.", *details)


def check_sequence(value: Any, name: str, length: int, allowed: Iterable[Any]) -> None:
    """Check that ``value`` is a list (or tuple) of ``length`` different allowed items."""
    __tracebackhide__ = True
    allowed = list(allowed)
    if type(value) not in (list, tuple):
        fail(f"`{name}` should be a list, not {_short(value, 20)}.")
    if len(value) != length:
        fail(f"`{name}` should have {length} items; it has {len(value)}.")
    for item in value:
        if not any(same(item, a) for a in allowed):
            fail(
                f"`{name}` holds {_short(item, 20)}: not an allowed item.",
                f"Use only: {', '.join(repr(a) for a in allowed)}.",
            )
    if len({repr(item) for item in value}) != length:
        fail(f"`{name}` repeats an item: give {length} different ones.")


def check_number(value: Any, name: str, *, allow_none: bool = False) -> None:
    """Check that ``value`` is a finite plain number (or ``None`` when that is allowed)."""
    __tracebackhide__ = True
    if value is None and allow_none:
        return
    if not _is_number(value) or not math.isfinite(float(value)):
        extra = " (or None)" if allow_none else ""
        fail(f"`{name}` should be a finite number{extra}, not {_short(value, 20)}.")


def check_axes(ax: Any, name: str = "the returned Axes") -> None:
    """Check that a plotting answer returned a matplotlib Axes with a title and both axis labels."""
    __tracebackhide__ = True
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        fail(
            "Return the Axes: did you forget `return ax`?",
            f"{name} should be a matplotlib Axes (for example the `ax` from "
            f"`fig, ax = new_figure()`), but it is a {type(ax).__name__}.",
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
        fail(f"The figure needs {missing[0]}.", *(f"It also needs {m}." for m in missing[1:]))


def check_keys(value: Any, name: str, expected_keys: Iterable[Any]) -> None:
    """Check that ``value`` is a dictionary holding (at least) every expected key."""
    __tracebackhide__ = True
    expected = list(expected_keys)
    if type(value) is not dict:
        fail(
            f"`{name}` should be a dictionary, not a {type(value).__name__}.",
            f"Its keys: {', '.join(repr(k) for k in expected)}.",
        )
    missing = [k for k in expected if k not in value]
    if missing:
        fail(f"`{name}` has no entry for {', '.join(repr(k) for k in missing)}"[:FIRST_LINE])


def check_text(value: Any, name: str, *, min_words: int = 1) -> None:
    """Check that ``value`` is a string of at least ``min_words`` words (a written code answer)."""
    __tracebackhide__ = True
    if type(value) is not str:
        fail(f"`{name}` should be text (a string), not {_short(value, 20)}.")
    if len(value.split()) < min_words:
        fail(f"`{name}` needs at least {min_words} words.")


# --------------------------------------------------------------------------- own code
REFERENCE_MODULES = ("alliance.measures", "alliance.vignettes")
_MODULE_PATH = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_]\w*)+$")


def _in(module: str, forbidden: tuple[str, ...]) -> str | None:
    for package in forbidden:
        if module == package or module.startswith(package + "."):
            return package
    return None


def _imports(code: types.CodeType) -> set[str]:
    """Modules a function's code imports itself (``import x.y``, ``from x import y``), and
    module paths it names in strings (``importlib.import_module("x.y")``, ``sys.modules[...]``)."""
    found: set[str] = set()
    module = None
    for ins in dis.get_instructions(code):
        if ins.opname == "IMPORT_NAME":
            module = str(ins.argval)
            found.add(module)
        elif ins.opname == "IMPORT_FROM" and module:
            found.add(f"{module}.{ins.argval}")
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            found |= _imports(const)
        elif isinstance(const, str) and _MODULE_PATH.match(const):
            found.add(const)
    return found


def _names(code: types.CodeType) -> set[str]:
    found = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            found |= _names(const)
    return found


def check_own_code(func: Any, name: str, forbidden: tuple[str, ...] = REFERENCE_MODULES) -> None:
    """Check that a student's function does not hand its work to the course's own implementation.

    Why: the chapters import ``alliance.measures`` (questionnaire scoring, the rupture rule) and
    ``alliance.vignettes`` (MITI 4 summary scores), so the reference code is installed where a
    student can reach it. An exercise that asks for the rule to be written out is pointless if
    the answer is one call away. This looks at every global name the function (and any function
    it calls from the notebook) uses, and at every import written inside those functions, and
    refuses what lives in one of the ``forbidden`` packages. It cannot stop a determined copier;
    it stops the shortcut.
    """
    __tracebackhide__ = True
    seen: set[int] = set()

    def refuse(used: str, package: str) -> None:
        fail(
            f"Write `{name}` yourself: it uses {package}.",
            f"`{name}` uses `{used}` from {package}, the course's own implementation. "
            "This exercise asks you to write the rule yourself.",
        )

    def visit(f: Any) -> None:
        if id(f) in seen or not isinstance(f, types.FunctionType):
            return
        seen.add(id(f))
        for module in _imports(f.__code__):
            package = _in(module, forbidden)
            if package:
                refuse(module, package)
        for used in _names(f.__code__):
            obj = f.__globals__.get(used)
            module = getattr(obj, "__module__", None) or ""
            if isinstance(obj, types.ModuleType):
                module = obj.__name__
            package = _in(str(module), forbidden)
            if package:
                refuse(used, package)
            visit(obj)

    if not callable(func):
        fail(f"`{name}` should be a function, not a {type(func).__name__}.")
    visit(func)
