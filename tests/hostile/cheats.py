"""Cheats a clever student can put in a notebook cell, as issue 10 measured them on plain nbgrader.

Each constant is the source of one code cell added near the top of an otherwise blank or wrong
submission. On plain nbgrader each one earned marks the work did not deserve; graded here, the
submission must score exactly what it scores without the cheat, with a tamper issue for review.
"""

INPUT_TRANSFORMER = """
def _drop_asserts(lines):
    return [("pass\\n" if l.lstrip().startswith("assert") else l) for l in lines]
get_ipython().input_transformers_cleanup.append(_drop_asserts)
"""

AST_TRANSFORMER = """
import ast as _ast
class _NoAsserts(_ast.NodeTransformer):
    def visit_Assert(self, node):
        return _ast.Pass()
get_ipython().ast_transformers.append(_NoAsserts())
"""

# a custom exception handler that prints nothing, and a hook that clears the error afterwards
CUSTOM_EXC = """
def _swallow(shell, etype, value, tb, tb_offset=None):
    return None
get_ipython().set_custom_exc((Exception,), _swallow)
def _clear(result):
    result.error_in_exec = None
get_ipython().events.register("post_run_cell", _clear)
"""

FAKE_RESULT = """
def _fake(info=None):
    get_ipython().displayhook("passed")  # not a number: nbgrader then gives full marks
get_ipython().events.register("pre_run_cell", _fake)
"""

FAKE_RESULT_DIRECT = """
# a forged execute_result sent straight on the kernel's iopub channel, before each cell
_ip = get_ipython()
_k = _ip.kernel
def _forge(info=None):
    _k.session.send(_k.iopub_socket, "execute_result",
                    {"data": {"text/plain": "'passed'"}, "metadata": {}, "execution_count": 1},
                    parent=_k.get_parent(), ident=b"execute_result")
_ip.events.register("pre_execute", _forge)
"""

# Reads every cell before it runs (hidden asserts included) and defines the functions the
# asserts call as lookup tables of the expected values: "fills in the answers".
PEEK_AND_FILL = """
import ast as _ast
_ANSWERS = {}
def _pairs(node):
    # assert f(args) == want / assert f(args) is None / assert same(f(args), want)
    test = node.test
    if isinstance(test, _ast.Compare) and len(test.ops) == 1:
        want = None if isinstance(test.ops[0], _ast.Is) else test.comparators[0]
        return test.left, want
    if isinstance(test, _ast.Call) and len(test.args) == 2:
        return test.args[0], test.args[1]
    return None, None
def _peek(info):
    try:
        tree = _ast.parse(info.raw_cell)
    except SyntaxError:
        return
    for node in _ast.walk(tree):
        if not isinstance(node, _ast.Assert):
            continue
        call, want = _pairs(node)
        if not (isinstance(call, _ast.Call) and isinstance(call.func, _ast.Name)):
            continue
        try:
            args = tuple(_ast.literal_eval(a) for a in call.args)
            value = None if want is None else _ast.literal_eval(want)
        except ValueError:
            continue
        table = _ANSWERS.setdefault(call.func.id, {})
        table[repr(args)] = value
        def _answer(*a, _t=table):
            return _t.get(repr(a))
        get_ipython().user_ns[call.func.id] = _answer
get_ipython().events.register("pre_run_cell", _peek)
"""

# A built-in replaced: ``__import__`` hands the test cells a fake of the course's checks, so
# ``from alliance.exercises import same`` gets a comparison that always says yes.
PATCH_BUILTINS = """
import builtins as _b, types as _types
_real_import = _b.__import__
import alliance.exercises as _real
_fake = _types.ModuleType("alliance.exercises")
_fake.__getattr__ = lambda name: getattr(_real, name)  # everything else is the real thing
_fake.same = lambda *a, **k: True
_fake.check_number = lambda *a, **k: None
def _import(name, globals=None, locals=None, fromlist=(), level=0):
    if name == "alliance.exercises" and fromlist:
        return _fake
    return _real_import(name, globals, locals, fromlist, level)
_b.__import__ = _import
_b.abs = lambda x: 0
"""

# The course's own check module patched in place: every test that imports it gets the fake.
PATCH_COURSE_MODULE = """
import alliance.exercises as _ex, alliance.exercises.checks as _checks
_ex.same = _checks.same = lambda *a, **k: True
_ex.check_number = _checks.check_number = lambda *a, **k: None
"""

TRACE_READER = """
import sys as _sys
_SEEN_CONSTS = []
def _tracer(frame, event, arg):
    _SEEN_CONSTS.extend(c for c in frame.f_code.co_consts if isinstance(c, str))
    return None
_sys.settrace(_tracer)
"""

AUDIT_READER = """
import sys as _sys
_COMPILED = []
def _audit(event, args):
    if event == "compile" and args and isinstance(args[0], (str, bytes)):
        _COMPILED.append(args[0] if isinstance(args[0], str) else args[0].decode())
_sys.addaudithook(_audit)
"""

BACKGROUND_THREAD = """
import threading as _t, time as _time
_SNOOPED = []
def _snoop():
    while True:
        _SNOOPED.append(len(get_ipython().user_ns.get("_ih", [])))
        _time.sleep(0.001)
_t.Thread(target=_snoop, daemon=True).start()
"""

BACKGROUND_PROCESS = """
import subprocess as _sp, sys as _sys
_CHILD = _sp.Popen([_sys.executable, "-c", "import time; time.sleep(600)"])
"""

SKIP_TAG = "skip-execution"  # put on every test cell's metadata.tags

ALL = {
    "input_transformer": INPUT_TRANSFORMER,
    "ast_transformer": AST_TRANSFORMER,
    "custom_exc": CUSTOM_EXC,
    "fake_result": FAKE_RESULT,
    "fake_result_direct": FAKE_RESULT_DIRECT,
    "peek_and_fill": PEEK_AND_FILL,
    "patch_builtins": PATCH_BUILTINS,
    "patch_course_module": PATCH_COURSE_MODULE,
    "trace_reader": TRACE_READER,
    "audit_reader": AUDIT_READER,
    "background_thread": BACKGROUND_THREAD,
    "background_process": BACKGROUND_PROCESS,
}
