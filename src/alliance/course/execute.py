"""nbgrader's ``Execute`` preprocessor, hardened for grading a class in parallel workers.

Why a subclass rather than a patch: nbgrader stays in charge of every grading decision (which
cells are tests, how errors score), so the scores equal plain ``nbgrader autograde``. This class
only changes *how* the kernel is obtained and how much output it may produce:

* kernels come from a :class:`KernelPool`: while one student's notebook runs, the next student's
  sandboxed kernel is already starting (kernel start-up is ~75% of the time per submission,
  design.md §3). Every kernel, and its sandbox, serves exactly one submission;
* a cap on the bytes of output one cell may produce, applied *while* it runs, so a flood of
  output cannot exhaust the grader's memory (nbgrader's ``LimitOutput`` only trims afterwards);
* the kernel is killed immediately after the last cell (no graceful shutdown wait).
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from jupyter_core.utils import run_sync
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute
from traitlets import Bool, Integer

from alliance.course.sandbox import SandboxedKernelManager

HISTORY_ARG = "--HistoryManager.hist_file=:memory:"


class KernelPool:
    """Keeps one sandboxed kernel starting ahead for the next submission, per kernel name."""

    def __init__(self, config, prestart: bool = True) -> None:
        self.config = config
        self.prestart = prestart
        self._ready: dict[str, SandboxedKernelManager] = {}
        self.stats = {"kernel_wait_s": 0.0, "kernels": 0}

    def _start(self, kernel_name: str) -> SandboxedKernelManager:
        km = SandboxedKernelManager(kernel_name=kernel_name, config=self.config)
        env = dict(os.environ, NBGRADER_EXECUTION="autograde")
        args = [HISTORY_ARG] if km.ipykernel else []
        run_sync(km.start_kernel)(extra_arguments=args, env=env)
        self.stats["kernels"] += 1
        return km

    def take(self, kernel_name: str) -> SandboxedKernelManager:
        km = self._ready.pop(kernel_name, None)
        if km is None or not run_sync(km.is_alive)():
            if km is not None:
                self._discard(km)
            km = self._start(kernel_name)
        if self.prestart:
            self._ready[kernel_name] = self._start(kernel_name)
        return km

    def _discard(self, km: SandboxedKernelManager) -> None:
        try:
            run_sync(km.shutdown_kernel)(now=True)
        except Exception:
            pass
        try:
            run_sync(km.cleanup_resources)()
        except Exception:
            pass

    def close(self) -> None:
        for km in self._ready.values():
            self._discard(km)
        self._ready.clear()


#: The worker process installs its pool here; without one, kernels start on demand.
POOL: KernelPool | None = None


class GuardedExecute(Execute):
    """``Execute`` with pooled sandboxed kernels and a live cap on output size."""

    max_output_kb = Integer(
        1024, help="Largest output (KB) one cell may produce; the rest is dropped."
    ).tag(config=True)
    use_pool = Bool(True, help="Take kernels from the worker's pool.").tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        self._run_path = (resources or {}).get("metadata", {}).get("path")
        self._output_used: dict[int, int] = {}
        self._output_capped: set[int] = set()
        return super().preprocess(nb, resources, km)

    def create_kernel_manager(self):
        if not self.kernel_name:
            self.kernel_name = self.nb.metadata.get("kernelspec", {}).get("name") or "python3"
        pool = POOL if (self.use_pool and POOL is not None) else KernelPool(self.config, False)
        started = time.perf_counter()
        self.km = pool.take(self.kernel_name)
        if POOL is not None:
            POOL.stats["kernel_wait_s"] += time.perf_counter() - started
        self._stage_files(self.km.workdir)
        return self.km

    def start_new_kernel_client(self):
        started = time.perf_counter()
        try:
            return super().start_new_kernel_client()
        finally:
            if POOL is not None:
                POOL.stats["kernel_wait_s"] += time.perf_counter() - started

    def _stage_files(self, workdir: Path) -> None:
        """Copy the assignment's supporting files (never notebooks) into the scratch folder."""
        if not self._run_path:
            return
        src = Path(self._run_path)
        for path in src.rglob("*"):
            if path.is_file() and path.suffix != ".ipynb":
                dest = workdir / path.relative_to(src)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, dest)

    def output(self, outs, msg, display_id, cell_index):
        cap = self.max_output_kb * 1024
        if cap > 0 and msg["msg_type"] in {"stream", "display_data", "execute_result"}:
            content = msg.get("content", {})
            size = len(content.get("text", "")) + sum(
                len(str(v)) for v in content.get("data", {}).values()
            )
            used = self._output_used.get(cell_index, 0) + size
            self._output_used[cell_index] = used
            if used > cap:
                if cell_index not in self._output_capped:
                    self._output_capped.add(cell_index)
                    outs.append(
                        new_output(
                            "stream",
                            name="stderr",
                            text=f"[grader] output truncated: this cell printed more than "
                            f"{self.max_output_kb} KB\n",
                        )
                    )
                return None
        return super().output(outs, msg, display_id, cell_index)
