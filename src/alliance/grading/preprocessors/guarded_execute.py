"""nbgrader's ``Execute``, hardened: sandboxed pooled kernels, guarded test cells, real outcomes.

Why a subclass rather than a patch: nbgrader still decides which cells are tests and how an
output scores, so honest work scores exactly as with plain ``nbgrader autograde``. What changes:

* **Kernels** come from the worker's :class:`~alliance.grading.kernel.KernelPool` (sandboxed,
  started ahead); every kernel serves one submission.
* **Test cells run on a clean path.** Before each test cell the kernel-side guard
  (:mod:`alliance.grading.guard`) undoes transformers, hooks, custom exception handlers and
  patched builtins; the cell runs with ``store_history=False`` (its text never enters ``In``,
  ``_ih`` or the history); afterwards its traces are removed. Processes a student left running
  are killed first (the cgroup lists them from outside the sandbox). Everything found becomes
  an ``Issue(kind="tamper", review=True)`` on the student.
* **Scores follow the kernel's reply.** A test cell whose ``execute_reply`` says ``error``
  keeps an error output and loses every ``execute_result`` (a forged result printed before the
  failure no longer counts as partial credit); an ``execute_result`` in a test cell whose source
  ends in no expression is forged, dropped and flagged.
* **No tag skips a cell** (``skip-execution`` on a test cell ran nothing and scored full marks),
  and widget state is not stored.
* **Every output type is capped while it streams** — streams, errors, display data, display
  updates and results — per cell and per notebook. An over-cap error or the first stderr output
  is kept, shortened, so a failing test still fails.
* **After the first hidden test starts**, display updates cannot reach earlier cells (they
  could carry hidden text into outputs that feedback shows).
"""

from __future__ import annotations

import ast
import base64
import json
import time
from functools import lru_cache
from pathlib import Path
from queue import Empty

from jupyter_core.utils import ensure_async, run_sync
from nbformat.v4 import new_output
from nbgrader import utils
from nbgrader.preprocessors import Execute
from traitlets import Bool, Integer, Unicode

from alliance.grading.hidden import has_hidden_tests
from alliance.grading.kernel import KernelPool
from alliance.grading.protocol import TRUNCATED_MARK as TRUNCATED
from alliance.grading.protocol import GradingRecord
from alliance.grading.results import Issue

OUTPUT_TYPES = {"stream", "display_data", "update_display_data", "execute_result", "error"}
GUARD = "__import__('alliance.grading.guard', fromlist=['arm'])."
MAX_STAGED_BYTES = 32 * 1024 * 1024
MPL_DIR = ".matplotlib"  # MPLCONFIGDIR inside the sandbox's home (see kernel.py)


def content_size(content: dict) -> int:
    """Roughly how many bytes an output message adds to the notebook."""
    size = len(str(content.get("text", ""))) + len(str(content.get("evalue", "")))
    size += sum(len(str(line)) for line in content.get("traceback", []) or [])
    data = content.get("data") or {}
    size += sum(len(v) if isinstance(v, str) else len(json.dumps(v)) for v in data.values())
    return size


def ends_in_expression(source: str) -> bool:
    """Whether a cell's last statement is an expression (so it may show a result)."""
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return False
    return bool(body) and isinstance(body[-1], ast.Expr)


@lru_cache(maxsize=1)
def _font_cache() -> tuple[tuple[str, str], ...]:
    try:
        import matplotlib

        cache = Path(matplotlib.get_cachedir())
    except Exception:
        return ()
    return tuple(
        (f"{MPL_DIR}/{p.name}", base64.b64encode(p.read_bytes()).decode())
        for p in sorted(cache.glob("fontlist-*.json"))
    )


class GuardedExecute(Execute):
    """``Execute`` with pooled sandboxed kernels, guarded test cells and capped outputs."""

    #: set on the class the worker makes with :meth:`bind` (traitlets would copy config values)
    kernel_pool: KernelPool | None = None
    record: GradingRecord | None = None
    max_output_kb = Integer(1024, help="Output one cell may produce (KB).").tag(config=True)
    max_notebook_output_mb = Integer(16, help="Output a notebook may produce (MB).").tag(
        config=True
    )
    skip_cells_with_tag = Unicode("\x00 no tag skips a cell when grading")
    store_widget_state = Bool(False)

    @classmethod
    def bind(cls, pool: KernelPool, record: GradingRecord) -> type[GuardedExecute]:
        """This preprocessor tied to one worker's kernel pool and record (what nbgrader runs)."""
        return type(cls.__name__, (cls,), {"kernel_pool": pool, "record": record})

    # ------------------------------------------------------------------ set-up
    def preprocess(self, nb, resources=None, km=None):
        resources = resources or {}
        self._run_path = resources.get("metadata", {}).get("path")
        self._tests: dict[int, str] = {}
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell):
                self._tests[index] = cell.metadata["nbgrader"].get("grade_id", f"#{index + 1}")
        self._hidden = {i for i in self._tests if has_hidden_tests(nb.cells[i].source)}
        code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.strip()]
        self._next_code = dict(zip(code, code[1:], strict=False))
        self._ready = self._pending_after = False  # before_test done / after_test owed
        self._last_test = ""
        self._reply: dict = {}
        self._hidden_started = False
        self._used: dict[int, int] = {}
        self._capped: set[int] = set()
        self._total = 0
        self._base_pids: set[int] = set()
        self._stuck = False
        self._flagged: set[str] = set()
        self._execute_started = 0.0
        if self.kernel_pool is None or self.record is None:
            raise RuntimeError(
                "GuardedExecute grades only inside `alliance course autograde` (it needs the "
                "worker's sandboxed kernel pool); plain nbgrader uses its own Execute"
            )
        try:
            return super().preprocess(nb, resources, km)
        finally:
            if self._execute_started:
                self.record.timings.execute_s += time.perf_counter() - self._execute_started

    def _note(self, kind: str, message: str, cell: str | None = None, review: bool = False):
        self.record.add(Issue(kind=kind, message=message, cell=cell, review=review))

    def create_kernel_manager(self):
        if not self.kernel_name:
            self.kernel_name = self.nb.metadata.get("kernelspec", {}).get("name") or "python3"
        started = time.perf_counter()
        self.km = self.kernel_pool.take(self.kernel_name)
        self.record.timings.kernel_wait_s += time.perf_counter() - started
        self.record.timings.sandbox_setup_s += getattr(self.km, "setup_s", 0.0)
        return self.km

    async def async_start_new_kernel_client(self):
        started = time.perf_counter()
        kc = await super().async_start_new_kernel_client()
        now = time.perf_counter()
        self.record.timings.kernel_wait_s += now - started
        launched = getattr(self.km, "launched_at", 0.0)
        if launched:
            self.record.timings.kernel_start_s += now - launched
        if hasattr(self.km, "seal"):
            self.km.seal()
        reply = await self._guard(f"arm({json.dumps(self._staged_files())!r})")
        if reply is None:
            raise RuntimeError("the grading kernel did not start its guard (see the worker log)")
        self._base_pids = self._processes()
        self._execute_started = time.perf_counter()
        return kc

    start_new_kernel_client = run_sync(async_start_new_kernel_client)

    def _staged_files(self) -> dict[str, str]:
        """The assignment's data files (never notebooks, never links) for the working folder,
        and matplotlib's font list (a kernel without it spends seconds rebuilding it, and
        matplotlib's warning about that on stderr would fail a test cell that plots first)."""
        files: dict[str, str] = dict(_font_cache())
        if not self._run_path:
            return files
        src = Path(self._run_path)
        total = 0
        for path in sorted(src.rglob("*")):
            if path.is_symlink() or not path.is_file() or path.suffix == ".ipynb":
                continue
            total += path.stat().st_size
            if total > MAX_STAGED_BYTES:
                self._note("invalid", f"data files over {MAX_STAGED_BYTES // 2**20} MB not staged")
                break
            data = base64.b64encode(path.read_bytes()).decode()
            files[str(path.relative_to(src))] = data
        return files

    def _processes(self) -> set[int]:
        return self.km.processes() if hasattr(self.km, "processes") else set()

    # ------------------------------------------------------------------ the guard
    async def _guard(self, call: str) -> dict | None:
        """``guard.<call>`` evaluated in the kernel (silently, no transformers), or None."""
        if self._stuck:
            return None
        msg_id = self.kc.execute(
            "",
            silent=True,
            store_history=False,
            user_expressions={"r": GUARD + call},
            allow_stdin=False,
            stop_on_error=False,
        )
        deadline = time.monotonic() + (self.timeout or 30)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self._stuck = True
                self._note("timeout", "the kernel stopped answering the grader (kept busy?)")
                return None
            try:
                msg = await ensure_async(self.kc.shell_channel.get_msg(timeout=min(left, 1)))
            except Empty:
                await self._async_check_alive()
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                break
        return self._parse(msg["content"].get("user_expressions", {}).get("r"))

    @staticmethod
    def _parse(result: dict | None) -> dict | None:
        """A guard reply out of a ``user_expressions`` entry (None when there is none)."""
        if not result or result.get("status") != "ok":
            return None
        try:
            return json.loads(ast.literal_eval(result["data"]["text/plain"]))
        except (KeyError, ValueError, SyntaxError, TypeError):
            return None

    def _flag(self, found: list[str], gid: str) -> None:
        """Each finding once per notebook, at the first test it was found before."""
        for what in found:
            if what not in self._flagged:
                self._flagged.add(what)
                self._note("tamper", f"{what} (found at test {gid}); review by hand", gid, True)

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        """Run one cell; around test cells, put the shell back first and clean up after.

        The guard calls ride along as ``user_expressions`` of the cell *before* (they run after
        its code and hooks, and nothing of the student's runs between them and the test), so a
        passing notebook costs no extra round trips. When a cell fails, user expressions are not
        evaluated, and the call is made on its own.
        """
        if not cell.source.strip():
            return await super().async_execute_cell(
                cell, cell_index, execution_count, store_history
            )
        is_test = cell_index in self._tests
        gid = self._tests.get(cell_index, "")
        if is_test:
            if cell_index in self._hidden:
                self._hidden_started = True
            self._kill_strays(gid)
            if not self._ready:
                call = "between_tests()" if self._pending_after else "before_test()"
                self._judge(await self._guard(call), gid, needed=True)
        elif self._pending_after:
            self._judge(await self._guard("after_test()"), self._last_test)
        self._pending_after = self._ready = False
        nxt = self._next_code.get(cell_index)
        ride = None
        if nxt in self._tests:
            ride = "between_tests()" if is_test else "before_test()"
        elif is_test:
            ride = "after_test()"
        self._reply = {}
        orig = self.kc.execute
        if ride:
            extra = {"g": GUARD + ride}
            self.kc.execute = lambda code, **kw: orig(code, user_expressions=extra, **kw)
        try:
            cell = await super().async_execute_cell(
                cell, cell_index, execution_count, store_history=not is_test
            )
        finally:
            self.kc.execute = orig
        rode = self._parse(self._reply.get("content", {}).get("user_expressions", {}).get("g"))
        if rode is not None:
            self._judge(rode, self._tests.get(nxt, gid))
            self._ready = ride != "after_test()"
        elif is_test:
            self._pending_after = True
        if is_test:
            self._last_test = gid
        return cell

    def _kill_strays(self, gid: str) -> None:
        """Processes the notebook left running are killed before a test (they could watch it)."""
        strays = self._processes() - self._base_pids
        if strays and getattr(self.km, "group", None) is not None:
            self.km.group.kill(keep=self._base_pids)
            self._flag([f"{len(strays)} process(es) the notebook started were still running"], gid)

    def _judge(self, report: dict | None, gid: str, needed: bool = False) -> None:
        if report is None:
            if needed and not self._stuck:
                self._flag(["the grader's check did not answer (its requests intercepted?)"], gid)
            return
        self._flag(report.get("found", []), gid)

    execute_cell = run_sync(async_execute_cell)

    def on_cell_executed(self, **kwargs):
        super().on_cell_executed(**kwargs)
        cell, index = kwargs["cell"], kwargs["cell_index"]
        reply = kwargs.get("execute_reply") or {}
        self._reply = reply
        if index not in self._tests:
            return
        status = reply.get("content", {}).get("status")
        results = [o for o in cell.outputs if o.output_type == "execute_result"]
        if status == "error":
            cell.outputs = [o for o in cell.outputs if o.output_type != "execute_result"]
            if not any(o.output_type == "error" for o in cell.outputs):
                content = reply["content"]
                cell.outputs.append(
                    new_output(
                        "error",
                        ename=content.get("ename", "Error"),
                        evalue=content.get("evalue", ""),
                        traceback=content.get("traceback") or [],
                    )
                )
        elif results and not ends_in_expression(cell.source):
            cell.outputs = [o for o in cell.outputs if o.output_type != "execute_result"]
            self._flag(["a result was forged in a test cell that shows none"], self._tests[index])

    # ------------------------------------------------------------------ output caps
    def process_message(self, msg, cell, cell_index):
        msg_type = msg["msg_type"]
        content = msg["content"]
        if msg_type not in OUTPUT_TYPES:
            return super().process_message(msg, cell, cell_index)
        transient = content.get("transient") or {}
        if self._hidden_started and transient.get("display_id"):
            if msg_type == "update_display_data":
                return None
            content["transient"] = {}
        size = content_size(content)
        self._used[cell_index] = self._used.get(cell_index, 0) + size
        self._total += size
        cell_cap = self.max_output_kb * 1024
        over_cell = cell_cap > 0 and self._used[cell_index] > cell_cap
        over_nb = self._total > self.max_notebook_output_mb * 1024 * 1024
        if not (over_cell or over_nb):
            return super().process_message(msg, cell, cell_index)
        if cell_index not in self._capped:
            self._capped.add(cell_index)
            what = (
                f"this cell printed more than {self.max_output_kb} KB"
                if over_cell
                else f"the notebook printed more than {self.max_notebook_output_mb} MB"
            )
            cell.outputs.append(new_output("stream", name="stdout", text=f"{TRUNCATED}{what}\n"))
        if msg_type == "error":  # a failure must stay a failure, only shorter
            short = {
                "ename": str(content.get("ename", "Error"))[:200],
                "evalue": str(content.get("evalue", ""))[:2000],
                "traceback": [str(t)[:2000] for t in (content.get("traceback") or [])[:5]],
            }
            cell.outputs.append(new_output("error", **short))
        elif msg_type == "stream" and content.get("name") == "stderr":
            if not any(o.get("name") == "stderr" for o in cell.outputs):
                text = str(content.get("text", ""))[:2000]
                cell.outputs.append(new_output("stream", name="stderr", text=text))
        return None

    async def _async_cleanup_kernel(self):
        km = self.km
        if km is not None and hasattr(km, "group") and km.group is not None:
            if km.group.oom_kills():
                mb = km.settings.limits.memory_mb
                self._note(
                    "memory",
                    f"the memory limit ({mb} MB for all its processes together) was reached "
                    "and a process was stopped",
                )
        await super()._async_cleanup_kernel()

    _cleanup_kernel = run_sync(_async_cleanup_kernel)
