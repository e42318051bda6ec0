"""A kernel manager that runs every student kernel inside bubblewrap, with resource limits.

Why: nbgrader runs a student's notebook with the grader's rights, so student code can read the
source notebooks (hidden tests), the gradebook and other students' work, and write anywhere the
grader can. Here each kernel gets its own sandbox (design.md §3, proven recipe):

* ``bwrap --unshare-all`` — no network, own PID/IPC/UTS namespaces, so it cannot see or signal
  the grader's processes; the root file system is read-only;
* the course root, the source folder, the repository's ``.git``, the gradebook and the home
  folders are replaced by empty tmpfs mounts (only the Python installation is bound back,
  read-only), so course files cannot be read;
* the only writable places are a private ``/tmp`` and the kernel's own scratch folder (its
  working directory and ``HOME``), deleted afterwards;
* interrupts (a cell over its time limit) travel as an ``interrupt_request`` message, because
  a signal to the sandbox's process group does not reach the kernel inside it;
* ``JPY_PARENT_PID=1`` switches off ipykernel's parent poller, which would misread the PID
  namespace as "parent gone"; ``--die-with-parent`` does that job instead;
* ``prlimit`` caps the address space (memory), the size of any file written and core dumps.

The kernel talks to the grader over jupyter_client's ``ipc`` transport (Unix sockets in the
scratch folder), because a kernel in its own network namespace cannot use TCP to the grader.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, Integer, List, Unicode

# ALLIANCE_BWRAP overrides the bubblewrap executable (the tests use it to simulate its absence).
BWRAP = os.environ.get("ALLIANCE_BWRAP") or shutil.which("bwrap") or "/usr/bin/bwrap"
PRLIMIT = shutil.which("prlimit") or "/usr/bin/prlimit"

# Where every kernel's sandbox starts, and so what the availability probe must be able to set
# up: all namespaces unshared, the root file system read-only, a fresh /dev and /proc, a private
# /tmp. bwrap_prefix() then hides the course files and binds the kernel's scratch folder.
SANDBOX_BASE = (
    "--unshare-all",
    "--die-with-parent",
    "--ro-bind",
    "/",
    "/",
    "--dev",
    "/dev",
    "--proc",
    "/proc",
    "--tmpfs",
    "/tmp",
)


def sandbox_available() -> tuple[bool, str]:
    """Whether bubblewrap works here; the message says why not (shown to the instructor)."""
    if not Path(BWRAP).exists():
        return False, "bubblewrap (bwrap) is not installed: apt-get install bubblewrap"
    if not Path(PRLIMIT).exists():
        return False, "prlimit is not installed: apt-get install util-linux"
    probe = [BWRAP, *SANDBOX_BASE, "--", "true"]
    try:
        done = subprocess.run(probe, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"bubblewrap cannot run here: {exc}"
    if done.returncode != 0:
        return False, f"bubblewrap cannot create a sandbox here: {done.stderr.strip()}"
    return True, "bubblewrap sandbox available"


def python_paths() -> list[str]:
    """Folders the kernel needs to see read-only: the venv and the Python it was made from."""
    paths = {sys.prefix, sys.base_prefix, str(Path(sys.executable).resolve().parent.parent)}
    try:
        import alliance

        paths.add(str(Path(alliance.__file__).resolve().parent))  # course code students import
    except ImportError:  # pragma: no cover - the package is always installed with this module
        pass
    return sorted(str(Path(p).resolve()) for p in paths)


def bwrap_prefix(
    *,
    scratch: Path,
    workdir: Path,
    hide: list[str],
    expose: list[str],
    memory_mb: int,
    fsize_mb: int,
) -> list[str]:
    """The command prefix that puts one kernel into its own sandbox."""
    cmd = [BWRAP, *SANDBOX_BASE]
    for folder in ("/root", "/home"):
        if Path(folder).is_dir():
            cmd += ["--tmpfs", folder]
    for path in hide:
        p = Path(path)
        if p.is_dir():
            cmd += ["--tmpfs", str(p)]
        elif p.exists():
            cmd += ["--ro-bind", "/dev/null", str(p)]
    for path in expose:
        if Path(path).exists():
            cmd += ["--ro-bind", path, path]
    cmd += ["--bind", str(scratch), str(scratch)]
    # Hidden folders are empty *and read-only*, so a write there fails loudly.
    for path in ["/root", "/home", *hide]:
        if Path(path).is_dir():
            cmd += ["--remount-ro", str(Path(path))]
    cmd += [
        "--chdir",
        str(workdir),
        "--setenv",
        "HOME",
        str(workdir),
        "--setenv",
        "TMPDIR",
        "/tmp",
        "--setenv",
        "JPY_PARENT_PID",
        "1",
        "--setenv",
        "MPLCONFIGDIR",
        str(scratch / "mpl"),
        "--",
    ]
    limits = ["--core=0", f"--fsize={fsize_mb * 1024 * 1024}"]
    if memory_mb > 0:
        limits.append(f"--as={memory_mb * 1024 * 1024}")
    return cmd + [PRLIMIT, *limits, "--"]


def _matplotlib_cache_files() -> list[Path]:
    """The grader's matplotlib font cache, copied into each sandbox so plots start fast."""
    try:
        import matplotlib

        cache = Path(matplotlib.get_cachedir())
    except Exception:
        return []
    return sorted(cache.glob("fontlist-*.json"))


class SandboxedKernelManager(AsyncKernelManager):
    """An ``AsyncKernelManager`` whose kernel runs in a fresh bubblewrap sandbox.

    Each instance owns one scratch folder (connection file, Unix sockets, the kernel's working
    directory) that is removed when the kernel's resources are cleaned up.
    """

    sandbox = Bool(True, help="Run the kernel inside bubblewrap.").tag(config=True)
    memory_mb = Integer(2048, help="Address-space limit of the kernel (MB, 0 = none).").tag(
        config=True
    )
    fsize_mb = Integer(64, help="Largest file the kernel may write (MB).").tag(config=True)
    hide_paths = List(Unicode(), help="Paths the kernel must not see.").tag(config=True)
    expose_paths = List(Unicode(), help="Paths bound back read-only.").tag(config=True)
    run_dir = Unicode("", help="Parent folder of the per-kernel scratch folders.").tag(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        parent = Path(self.run_dir or tempfile.gettempdir())
        parent.mkdir(parents=True, exist_ok=True)
        self.scratch = Path(tempfile.mkdtemp(prefix="k-", dir=parent))
        self.workdir = self.scratch / "work"
        self.workdir.mkdir()
        (self.scratch / "mpl").mkdir()
        for f in _matplotlib_cache_files():
            shutil.copy2(f, self.scratch / "mpl" / f.name)
        self.transport = "ipc"
        self.ip = str(self.scratch / "ipc")
        self.connection_file = str(self.scratch / f"kernel-{uuid.uuid4().hex[:8]}.json")

    @property
    def kernel_spec(self):
        # The kernel runs in its own PID namespace and session, out of reach of the process
        # group signal jupyter_client would send; ask the kernel to interrupt itself instead.
        spec = super().kernel_spec
        if spec is not None and self.sandbox:
            spec.interrupt_mode = "message"
        return spec

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        cmd = super().format_kernel_cmd(extra_arguments)
        if not self.sandbox:
            return cmd
        prefix = bwrap_prefix(
            scratch=self.scratch,
            workdir=self.workdir,
            hide=list(self.hide_paths),
            expose=list(self.expose_paths) or python_paths(),
            memory_mb=self.memory_mb,
            fsize_mb=self.fsize_mb,
        )
        return prefix + cmd

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
        # The kernel's own stdout/stderr (fd level) go to a capped log file in its scratch
        # folder, never to the grader's terminal.
        log = open(self.scratch / "kernel.log", "wb")  # noqa: SIM115 - handed to Popen
        kw["stdout"] = log
        kw["stderr"] = subprocess.STDOUT
        kw["cwd"] = str(self.workdir)
        try:
            await super()._async_launch_kernel(kernel_cmd, **kw)
        finally:
            log.close()

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            shutil.rmtree(self.scratch, ignore_errors=True)

    cleanup_resources = _async_cleanup_resources


def default_hidden_paths(course_root: Path, source_dir: Path, db_url: str) -> list[str]:
    """What student code must never read: course root, sources, gradebook, git history."""
    hide = {str(course_root.resolve()), str(source_dir.resolve())}
    if db_url.startswith("sqlite:///"):
        db = Path(db_url[len("sqlite:///") :]).resolve()
        hide.update(str(db.with_name(db.name + s)) for s in ("", "-journal", "-wal", "-shm"))
    for start in (course_root, source_dir):
        for folder in [start.resolve(), *start.resolve().parents]:
            if (folder / ".git").exists():
                hide.add(str(folder / ".git"))
                break
    return sorted(hide)


__all__ = [
    "SandboxedKernelManager",
    "bwrap_prefix",
    "default_hidden_paths",
    "python_paths",
    "sandbox_available",
]
