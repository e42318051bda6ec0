"""Sandboxed kernels, and the pool that starts the next student's kernel ahead of time.

Why a pool: starting a kernel is most of the cost of grading one submission (design.md §3), so
while one student's notebook runs, the next student's kernel is already starting. Every kernel,
its sandbox and its cgroup serve exactly one submission and are destroyed afterwards.

Why the kernel manager is customised (:class:`SandboxedKernelManager`):

* the command is wrapped in the sandbox (:mod:`alliance.grading.sandbox`) and, when the machine
  allows it, started inside its own cgroup (:mod:`alliance.grading.cgroup`);
* the kernel talks over jupyter_client's ``ipc`` transport (Unix sockets in its connection
  folder), because a kernel without a network cannot use TCP; the folder is closed for writing
  once the kernel is up (:meth:`SandboxedKernelManager.seal`);
* ``IPKernelApp.exec_lines`` installs :mod:`alliance.grading.guard` before any student code;
* interrupts travel as messages (a signal to the sandbox does not reach the kernel inside);
* the client refuses messages over a size limit (:class:`CappedKernelClient`), so one huge
  output cannot exhaust the grader's memory before the output caps even see it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import zmq
from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from traitlets import Any, Integer

from alliance.grading import sandbox
from alliance.grading.cgroup import KernelGroup, Support
from alliance.grading.sandbox import SandboxLimits

HISTORY_ARG = "--HistoryManager.hist_file=:memory:"
GUARD_LINE = "__import__('alliance.grading.guard', fromlist=['install']).install()"


@dataclass
class KernelSettings:
    """How every kernel of a grading run is started (one object per worker)."""

    sandbox: bool = True
    limits: SandboxLimits = field(default_factory=SandboxLimits)
    expose: list[str] = field(default_factory=list)  # read-only folders (default: python_paths)
    mask: list[str] = field(default_factory=list)  # course files never to be seen
    run_dir: str = ""
    cgroups: Support | None = None
    max_message_mb: int = 64


class CappedKernelClient(AsyncKernelClient):
    """A client whose sockets drop any peer that sends a message over ``max_message_bytes``."""

    max_message_bytes = Integer(64 * 1024 * 1024).tag(config=True)

    def _create_connected_socket(self, channel: str, identity: bytes | None = None):
        url = self._make_url(channel)
        from jupyter_client.connect import channel_socket_types

        sock = self.context.socket(channel_socket_types[channel])
        sock.linger = 1000
        sock.setsockopt(zmq.MAXMSGSIZE, int(self.max_message_bytes))
        if identity:
            sock.identity = identity
        sock.connect(url)
        return sock


class SandboxedKernelManager(AsyncKernelManager):
    """An ``AsyncKernelManager`` whose kernel runs in a fresh sandbox and cgroup."""

    settings = Any(help="The run's KernelSettings.")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        started = time.perf_counter()
        s: KernelSettings = self.settings
        parent = Path(s.run_dir or tempfile.gettempdir())
        parent.mkdir(parents=True, exist_ok=True)
        # The connection folder: connection file and sockets. Root-owned, writable by the
        # kernel's user only until the kernel is up (mode 1733: create, not list or delete).
        self.scratch = Path(tempfile.mkdtemp(prefix="k", dir=parent))
        self.root_mode = sandbox.running_as_root() and s.sandbox
        os.chmod(self.scratch, 0o1733 if self.root_mode else 0o700)
        if s.sandbox:
            sandbox.write_identity(self.scratch)
        self.transport = "ipc"
        self.ip = str(self.scratch / "s")  # sockets s-1 … s-5: Unix socket paths are short
        self.connection_file = str(self.scratch / f"kernel-{uuid.uuid4().hex[:8]}.json")
        self.client_class = "alliance.grading.kernel.CappedKernelClient"
        self.group: KernelGroup | None = None
        if s.sandbox and s.cgroups is not None and s.cgroups.available:
            self.group = KernelGroup(s.cgroups, s.limits.memory_mb, s.limits.pids)
        self.setup_s = time.perf_counter() - started
        self.launched_at = 0.0

    @property
    def workdir(self) -> str:
        return sandbox.HOME if self.settings.sandbox else str(self.scratch)

    def client(self, **kwargs):
        kwargs.setdefault("max_message_bytes", self.settings.max_message_mb * 1024 * 1024)
        return super().client(**kwargs)

    @property
    def kernel_spec(self):
        spec = super().kernel_spec
        if spec is not None and self.settings.sandbox:
            spec.interrupt_mode = "message"
        return spec

    def write_connection_file(self, **kwargs) -> None:
        super().write_connection_file(**kwargs)
        if self.root_mode:  # the kernel reads it as the sandbox user
            os.chown(self.connection_file, sandbox.NOBODY, sandbox.NOBODY)

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        cmd = super().format_kernel_cmd(extra_arguments)
        s: KernelSettings = self.settings
        if not s.sandbox:
            return cmd
        prefix = sandbox.bwrap_command(
            conn_dir=self.scratch,
            expose=s.expose or sandbox.python_paths(),
            mask=s.mask,
            limits=s.limits,
            env={"MPLCONFIGDIR": f"{sandbox.HOME}/.matplotlib"},
            per_process_memory=True,
            per_process_pids=self.group is None,
        )
        full = prefix + cmd
        return self.group.attach_command(full) if self.group is not None else full

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
        # The kernel's own stdout/stderr (fd level) go to a log file, never to the terminal.
        log = open(self.scratch.parent / f"{self.scratch.name}.log", "wb")  # noqa: SIM115
        kw.update(stdout=log, stderr=subprocess.STDOUT, cwd=str(self.scratch))
        kw["preexec_fn"] = sandbox.die_with_parent  # a kernel never outlives its worker
        if self.settings.sandbox:  # bwrap clears it anyway; the launcher needs no more
            kw.update(env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")}, cwd="/")
        self.launched_at = time.perf_counter()
        try:
            await super()._async_launch_kernel(kernel_cmd, **kw)
        finally:
            log.close()

    def seal(self) -> None:
        """Close the connection folder for writing: the sockets exist, nothing else may."""
        if self.root_mode:
            os.chmod(self.scratch, 0o711)

    def processes(self) -> set[int]:
        return self.group.pids() if self.group is not None else set()

    def hit_memory_limit(self) -> bool:
        return self.group is not None and self.group.hit_memory_limit()

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            if self.group is not None:
                self.group.remove()
            sandbox.remove_tree(self.scratch)
            log = self.scratch.parent / f"{self.scratch.name}.log"
            log.unlink(missing_ok=True)

    cleanup_resources = _async_cleanup_resources


@dataclass
class KernelStats:
    kernels: int = 0
    setup_s: float = 0.0


class KernelPool:
    """Keeps one sandboxed kernel starting ahead for the next submission, per kernel name."""

    def __init__(self, settings: KernelSettings, prestart: bool = True) -> None:
        self.settings = settings
        self.prestart = prestart
        self._ready: dict[str, SandboxedKernelManager] = {}
        self.stats = KernelStats()

    def _start(self, kernel_name: str) -> SandboxedKernelManager:
        km = SandboxedKernelManager(kernel_name=kernel_name, settings=self.settings)
        args = [f"--IPKernelApp.exec_lines={GUARD_LINE}"]
        if km.ipykernel:
            args.insert(0, HISTORY_ARG)
        run_sync(km.start_kernel)(extra_arguments=args)
        self.stats.kernels += 1
        self.stats.setup_s += km.setup_s
        return km

    def warm(self, kernel_name: str) -> None:
        """Start a kernel ahead, before the first student arrives."""
        if kernel_name not in self._ready:
            self._ready[kernel_name] = self._start(kernel_name)

    def take(self, kernel_name: str) -> SandboxedKernelManager:
        km = self._ready.pop(kernel_name, None)
        if km is None or not run_sync(km.is_alive)():
            if km is not None:
                discard(km)
            km = self._start(kernel_name)
        if self.prestart:
            self._ready[kernel_name] = self._start(kernel_name)
        return km

    def close(self) -> None:
        for km in self._ready.values():
            discard(km)
        self._ready.clear()


def discard(km: SandboxedKernelManager) -> None:
    """Kill a kernel and remove everything it had (sandbox folder, cgroup)."""
    try:
        run_sync(km.shutdown_kernel)(now=True)
    except Exception:
        pass
    try:
        run_sync(km.cleanup_resources)()
    except Exception:
        shutil.rmtree(km.scratch, ignore_errors=True)
