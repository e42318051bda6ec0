"""Runs inside the student's kernel (in the sandbox): keeps the path of every test cell clean.

Why: student code shares the kernel with the tests, and IPython lets any code change how later
cells run. Measured on plain nbgrader (issue 10): an input or AST transformer that strips asserts,
``set_custom_exc`` swallowing the failure, a ``pre_run_cell`` hook reading the hidden asserts
and filling in the answers, and patched builtins each earned marks on blank work. So the grader
(:class:`~alliance.grading.preprocessors.guarded_execute.GuardedExecute`) calls this module
around every test cell, through ``user_expressions`` of a silent request (evaluated by a plain
``eval``: no transformers, no cell hooks):

* :func:`install` (at kernel start, before any student code) records the shell as IPython made
  it, and blocks new audit hooks (an audit hook sees every ``compile``, test source included);
* :func:`arm` copies the assignment's data files into the working folder and records the
  threads and signal handlers the kernel started with;
* :func:`before_test` puts the shell back as it was — transformers, cell hooks, custom exception
  handlers, tracing and profiling, display and exception hooks, signal handlers, GC callbacks,
  import hooks, the builtins module, replaced or patched ``alliance`` modules — and reports
  what it had to undo; student state that is not harmful in itself is set aside and restored;
* the test cell then runs with ``store_history=False``: its text never enters ``In``, ``_ih``
  or the history, and only IPython's own hooks see it;
* :func:`after_test` removes what the test left behind in the process (its cached source in
  ``linecache``, the last traceback and execution result) and restores what was set aside.

This raises the bar; it cannot make an interpreter shared with student code tamper-proof (code
that reads this module and forges its replies, or a student function that inspects the test's
frame while the test calls it). That is why every finding is reported for review, scores come
from the kernel's reply status, and feedback never shows text produced after the first hidden
test (:mod:`alliance.grading.preprocessors.hide_hidden_tests`).
"""

from __future__ import annotations

import base64
import builtins
import gc
import importlib
import json
import linecache
import os
import signal
import sys
import threading
import types

_BASE: dict = {}
_SAVED: dict = {}
_FLAGS: list[str] = []
_PREFIXES: tuple[str, ...] = ()

#: builtins IPython itself adds and removes around every cell
_VOLATILE = {"_", "__", "___", "exit", "quit", "get_ipython", "display", "__IPYTHON__"}
#: names tests use whose redefinition in the notebook is worth a look
_SHADOWABLE = (
    "abs all any bool dict enumerate float getattr hasattr int isinstance issubclass len list "
    "map max min print range repr round set sorted str sum tuple type zip"
).split()
_SIGNALS = [
    s
    for s in (
        "SIGALRM",
        "SIGVTALRM",
        "SIGPROF",
        "SIGUSR1",
        "SIGUSR2",
        "SIGCHLD",
        "SIGPIPE",
        "SIGTERM",
        "SIGINT",
    )
    if hasattr(signal, s)
]
_METHODS = {
    "shell": [
        "run_cell",
        "run_cell_async",
        "_run_cell",
        "run_ast_nodes",
        "run_code",
        "transform_cell",
        "transform_ast",
        "showtraceback",
        "_showtraceback",
        "user_expressions",
        "should_run_async",
    ],
    "kernel": ["do_execute", "execute_request", "send_response", "dispatch_shell"],
    "session": ["send", "serialize", "sign"],
    "display_pub": ["publish"],
    "displayhook": ["__call__", "write_format_data", "compute_format_data"],
}


def _shell():
    from IPython import get_ipython

    return get_ipython()


def _objects(ip) -> dict:
    kernel = getattr(ip, "kernel", None)
    return {
        "shell": ip,
        "kernel": kernel,
        "session": getattr(kernel, "session", None),
        "display_pub": ip.display_pub,
        "displayhook": ip.displayhook,
    }


def _method_table(ip) -> dict:
    """For each object: its class, and each guarded method as class and instance define it."""
    table = {}
    for key, obj in _objects(ip).items():
        if obj is None:
            continue
        own = getattr(obj, "__dict__", {})
        table[key] = (
            type(obj),
            {m: (getattr(type(obj), m, None), own.get(m)) for m in _METHODS[key]},
        )
    return table


def _installed(func) -> bool:
    """Whether ``func`` comes from an installed package rather than from the notebook."""
    func = getattr(func, "__func__", func)
    code = getattr(func, "__code__", None)
    if code is None:  # a callable object: judge its class's __call__
        call = vars(type(func)).get("__call__")
        code = getattr(getattr(call, "__func__", call), "__code__", None)
        if code is None:  # implemented in C
            return getattr(type(func), "__module__", "") != "__main__"
    return _real(code.co_filename).startswith(_PREFIXES)


_REAL: dict[str, str] = {}


def _real(path: str) -> str:
    if path not in _REAL:
        _REAL[path] = os.path.realpath(path)
    return _REAL[path]


def install() -> None:
    """Record the clean shell. Called by ``IPKernelApp.exec_lines`` before any student code."""
    global _PREFIXES
    ip = _shell()
    alliance_dir = os.path.dirname(os.path.dirname(os.path.realpath(__file__))) + os.sep
    _PREFIXES = tuple(
        {os.path.realpath(p) + os.sep for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
        | {alliance_dir}
        | {os.path.dirname(os.__file__) + os.sep}
    )
    manager = ip.input_transformer_manager
    _BASE.update(
        builtins=dict(builtins.__dict__),
        manager=manager,
        cleanup=list(ip.input_transformers_cleanup),
        post=list(ip.input_transformers_post),
        line=list(manager.line_transforms),
        token=list(manager.token_transformers),
        ast=list(ip.ast_transformers),
        events={k: list(v) for k, v in ip.events.callbacks.items()},
        custom_exc=(ip.custom_exceptions, ip.CustomTB),
        shell_type=type(ip),
        meta_path=list(sys.meta_path),
        path_hooks=list(sys.path_hooks),
        gc_callbacks=list(gc.callbacks),
        alliance_dir=alliance_dir,
    )
    sys.addaudithook(_audit)


def _audit(event: str, args: tuple) -> None:
    if event == "sys.addaudithook":
        _FLAGS.append("an audit hook was added (blocked: it would see the tests' source)")
        raise RuntimeError("the grader does not allow audit hooks")


def _reply(**data) -> str:
    return json.dumps(data)


def arm(files: str = "{}") -> str:
    """Stage the assignment's data files (JSON name -> base64) and record the running kernel."""
    ip = _shell()
    staged = 0
    for name, data in json.loads(files).items():
        if name.startswith("/") or ".." in name.split("/"):
            continue
        folder = os.path.dirname(name)
        if folder:
            os.makedirs(folder, exist_ok=True)
        with open(name, "wb") as fh:
            fh.write(base64.b64decode(data))
        staged += 1
    _BASE.update(
        threads=set(sys._current_frames()),
        signals={s: signal.getsignal(getattr(signal, s)) for s in _SIGNALS},
        displayhook=sys.displayhook,
        excepthook=sys.excepthook,
        unraisablehook=sys.unraisablehook,
        breakpointhook=sys.breakpointhook,
        display_pub=ip.display_pub,
        shell_displayhook=ip.displayhook,
        handlers=dict(getattr(getattr(ip, "kernel", None), "shell_handlers", {}) or {}),
        methods=_method_table(ip),
    )
    return _reply(staged=staged, pid=os.getpid())


def _set_aside(key: str, current: list, baseline: list) -> list:
    extra = [x for x in current if all(x is not b for b in baseline)]
    if extra:
        _SAVED[key] = extra
    return extra


def _reset_list(target: list, baseline: list) -> None:
    target[:] = baseline


def _check_transformers(ip, found: list[str]) -> None:
    manager = ip.input_transformer_manager
    if manager is not _BASE["manager"]:
        found.append("the input transformer manager was replaced")
        ip.input_transformer_manager = _BASE["manager"]
        manager = ip.input_transformer_manager
    for key, current, what in (
        ("cleanup", ip.input_transformers_cleanup, "an input transformer"),
        ("post", ip.input_transformers_post, "an input transformer"),
        ("line", manager.line_transforms, "an input line transformer"),
        ("token", manager.token_transformers, "an input token transformer"),
        ("ast", ip.ast_transformers, "an AST transformer"),
    ):
        if _set_aside(key, current, _BASE[key]) or len(current) != len(_BASE[key]):
            found.append(f"{what} was installed (changes the code of every cell)")
            _reset_list(current, _BASE[key])


def _check_events(ip, found: list[str]) -> None:
    saved = {}
    for event, callbacks in ip.events.callbacks.items():
        base = _BASE["events"].get(event, [])
        extra = [cb for cb in callbacks if all(cb is not b for b in base)]
        if not extra:
            continue
        saved[event] = extra
        if any(not _installed(cb) for cb in extra):
            names = ", ".join(getattr(cb, "__name__", type(cb).__name__) for cb in extra)
            found.append(f"a '{event}' hook was registered ({names}): it runs around every cell")
        callbacks[:] = [cb for cb in callbacks if any(cb is b for b in base)]
    if saved:
        _SAVED["events"] = saved


def _check_exceptions(ip, found: list[str]) -> None:
    exc, tb = _BASE["custom_exc"]
    if ip.custom_exceptions != exc or ip.CustomTB is not tb:
        found.append("a custom exception handler was set (set_custom_exc): it can hide failures")
        _SAVED["custom_exc"] = (ip.custom_exceptions, ip.CustomTB)
        ip.custom_exceptions, ip.CustomTB = exc, tb


def _check_methods(ip, found: list[str]) -> None:
    if type(ip) is not _BASE["shell_type"]:
        found.append("the shell's class was replaced")
    current = _objects(ip)
    for key, (cls, methods) in _BASE["methods"].items():
        obj = current.get(key)
        if obj is None or type(obj) is not cls:
            found.append(f"the {key} object was replaced")
            continue
        own = getattr(obj, "__dict__", {})
        for name, (func, bound) in methods.items():
            if getattr(cls, name, None) is not func or own.get(name) is not bound:
                found.append(f"the {key}'s {name} was patched")
    if (
        ip.display_pub is not _BASE["display_pub"]
        or ip.displayhook is not _BASE["shell_displayhook"]
    ):
        found.append("the display machinery was replaced (it can forge results)")
        ip.display_pub = _BASE["display_pub"]
        ip.displayhook = _BASE["shell_displayhook"]
    handlers = getattr(getattr(ip, "kernel", None), "shell_handlers", None)
    if handlers is not None:
        for name, func in _BASE["handlers"].items():
            if handlers.get(name) is not func:
                found.append(f"the kernel's '{name}' handler was replaced")


def _check_sys(found: list[str]) -> None:
    if sys.gettrace() is not None or threading._trace_hook is not None:  # type: ignore[attr-defined]
        found.append("a trace function was set (it sees every line the tests run)")
        sys.settrace(None)
        threading.settrace(None)  # type: ignore[arg-type]
    if sys.getprofile() is not None or threading._profile_hook is not None:  # type: ignore[attr-defined]
        found.append("a profile function was set (it sees every call the tests make)")
        sys.setprofile(None)
        threading.setprofile(None)  # type: ignore[arg-type]
    for name in ("displayhook", "excepthook", "unraisablehook", "breakpointhook"):
        if getattr(sys, name) is not _BASE[name]:
            found.append(f"sys.{name} was replaced")
            setattr(sys, name, _BASE[name])
    for name, handler in _BASE["signals"].items():
        sig = getattr(signal, name)
        if signal.getsignal(sig) is not handler:
            found.append(f"a {name} handler was installed (it can run during the tests)")
            try:
                signal.signal(sig, handler)
            except (TypeError, ValueError, OSError):
                pass
    for which in (signal.ITIMER_REAL, signal.ITIMER_VIRTUAL, signal.ITIMER_PROF):
        if signal.getitimer(which) != (0.0, 0.0):
            found.append("a timer was left running (it can interrupt the tests)")
            signal.setitimer(which, 0)
    if _set_aside("gc_callbacks", gc.callbacks, _BASE["gc_callbacks"]):
        found.append("a garbage-collector callback was registered (it can run during the tests)")
        _reset_list(gc.callbacks, _BASE["gc_callbacks"])
    extra = _set_aside("meta_path", sys.meta_path, _BASE["meta_path"])
    if extra:
        if any(not _installed(type(f).__dict__.get("find_spec", f)) for f in extra):
            found.append("an import hook was installed (it could fake the modules tests import)")
        sys.meta_path[:] = [f for f in sys.meta_path if any(f is b for b in _BASE["meta_path"])]
    if _set_aside("path_hooks", sys.path_hooks, _BASE["path_hooks"]):
        found.append("an import path hook was installed")
        _reset_list(sys.path_hooks, _BASE["path_hooks"])
    frames = sys._current_frames()
    new_threads = [t for t in set(frames) - _BASE.get("threads", set()) if _student(frames[t])]
    if new_threads:
        found.append(f"{len(new_threads)} background thread(s) kept running into the tests")


def _student(frame) -> bool:
    """Whether a thread's stack runs notebook code (a library's own threads do not)."""
    while frame is not None:
        if not _real(frame.f_code.co_filename).startswith(_PREFIXES):
            return True
        frame = frame.f_back
    return False


def _check_builtins(ip, found: list[str]) -> None:
    base = _BASE["builtins"]
    current = builtins.__dict__
    for name, value in base.items():
        if name in _VOLATILE:
            continue
        if name not in current or current[name] is not value:
            found.append(f"the built-in {name} was replaced")
            current[name] = value
    ns = ip.user_ns
    if ns.get("__builtins__", builtins) not in (builtins, builtins.__dict__):
        found.append("__builtins__ was replaced in the notebook")
        ns["__builtins__"] = builtins
    for name in _SHADOWABLE:
        value = ns.get(name)
        if callable(value) and value is not base.get(name) and not _installed(value):
            found.append(f"the built-in {name} is redefined in the notebook (tests use it)")


def _check_course_modules(found: list[str]) -> None:
    home = _BASE["alliance_dir"]
    for name, module in list(sys.modules.items()):
        if not (name == "alliance" or name.startswith("alliance.")) or module is None:
            continue
        if name == __name__:
            continue
        path = os.path.realpath(getattr(module, "__file__", "") or "")
        if not path.startswith(home):
            found.append(f"the course module {name} was replaced")
            del sys.modules[name]
            continue
        patched = [
            attr
            for attr, value in list(vars(module).items())
            if callable(value)
            and (
                (isinstance(value, types.FunctionType) and not _installed(_unwrap(value)))
                or (
                    getattr(value, "__module__", None) == name
                    and _real(
                        getattr(getattr(_unwrap(value), "__code__", None), "co_filename", path)
                    )
                    != path
                )
            )
        ]
        if patched:
            found.append(f"the course module {name} was patched ({', '.join(patched[:3])})")
            try:
                importlib.reload(module)
            except Exception:  # the tests then fail, as they should
                del sys.modules[name]


def _unwrap(func):
    """The function a decorator (contextmanager, lru_cache, wraps) was applied to."""
    for _ in range(20):
        inner = getattr(func, "__wrapped__", None)
        if inner is None:
            return func
        func = inner
    return func


def before_test() -> str:
    """Undo whatever could change how the next test cell runs; say what was undone."""
    ip = _shell()
    found = _FLAGS[:]
    _FLAGS.clear()
    _SAVED.clear()
    _check_transformers(ip, found)
    _check_events(ip, found)
    _check_exceptions(ip, found)
    _check_methods(ip, found)
    _check_sys(found)
    _check_builtins(ip, found)
    _check_course_modules(found)
    _BASE["lines"] = set(linecache.cache)
    return _reply(found=list(dict.fromkeys(found)))


def after_test() -> str:
    """Forget the test's source and traceback; give back the student state set aside."""
    ip = _shell()
    for key in set(linecache.cache) - _BASE.get("lines", set()):
        linecache.cache.pop(key, None)
    for name in ("last_type", "last_value", "last_traceback", "last_exc"):
        if hasattr(sys, name):
            setattr(sys, name, None)
    ip._last_traceback = None
    ip.last_execution_result = None
    ip.displayhook.exec_result = None
    manager = ip.input_transformer_manager
    for key, target in (
        ("cleanup", ip.input_transformers_cleanup),
        ("post", ip.input_transformers_post),
        ("line", manager.line_transforms),
        ("token", manager.token_transformers),
        ("ast", ip.ast_transformers),
        ("gc_callbacks", gc.callbacks),
        ("meta_path", sys.meta_path),
        ("path_hooks", sys.path_hooks),
    ):
        target.extend(_SAVED.get(key, []))
    for event, callbacks in _SAVED.get("events", {}).items():
        ip.events.callbacks[event].extend(callbacks)
    if "custom_exc" in _SAVED:
        ip.custom_exceptions, ip.CustomTB = _SAVED["custom_exc"]
    _SAVED.clear()
    found = _FLAGS[:]
    _FLAGS.clear()
    return _reply(found=found)


def between_tests() -> str:
    """:func:`after_test` for the test that just ran, then :func:`before_test` for the next."""
    after = json.loads(after_test())
    before = json.loads(before_test())
    return _reply(found=list(dict.fromkeys(after["found"] + before["found"])))
