"""The sandbox every student kernel runs in, and the start-up probe that proves it holds.

Why each part (design.md §3; issue 10):

* **Nothing but an allow-list is visible.** The sandbox's root is an empty tmpfs; bound into it,
  read-only, are the system's ``/usr`` (and the ``/bin``, ``/lib`` links), a few files of
  ``/etc``, the Python installation and the virtual environment, and the ``alliance`` package
  the notebooks import. Course files, the gradebook, other students' work, home folders, host
  Unix sockets and stray copies of the course elsewhere on the machine are simply not there.
* **An unprivileged user, no capabilities.** Started by root, bubblewrap keeps every capability
  inside the sandbox, and a student's ``umount``/``mount -o remount,rw`` then undid every mask.
  So when the grader is root, the sandbox's first program is ``setpriv``, which switches to the
  ``nobody`` user (65534) with an empty bounding set and ``no_new_privs`` before anything of the
  student's runs: the kernel can neither unmount nor remount, nor read a file that only root may
  read. (A grader that is not root runs bubblewrap unprivileged, in a user namespace.)
* **Bounded writable space.** The kernel's home (its working folder), ``/tmp`` and ``/dev/shm``
  are tmpfs mounts of a fixed size that vanish with the sandbox, whatever the student chmods.
  Its connection folder (connection file and sockets) is the only host folder it sees; the
  grader closes it for writing once the kernel is up.
* **Memory and processes per submission** come from a cgroup (:mod:`alliance.grading.cgroup`);
  ``prlimit`` adds a per-process address-space limit (a friendly ``MemoryError`` for one huge
  allocation), a file-size limit and no core dumps.
* **A clean environment**: ``--clearenv`` and an allow-list of variables, so nothing of the
  grader's environment (tokens, paths) reaches student code; no network; its own PID, IPC and
  UTS namespaces and session.

:func:`check` runs a real probe in exactly this sandbox at start-up — it tries to unmount,
remount, read a planted secret, reach a planted host socket, read the course and write outside
— and grading refuses to start unless every attempt failed.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# ALLIANCE_BWRAP overrides the bubblewrap executable (the tests use it to simulate its absence).
BWRAP = os.environ.get("ALLIANCE_BWRAP") or shutil.which("bwrap") or "/usr/bin/bwrap"
PRLIMIT = shutil.which("prlimit") or "/usr/bin/prlimit"
SETPRIV = shutil.which("setpriv") or "/usr/bin/setpriv"
NOBODY = 65534
#: temporary run folders are named after the grading process, so a crashed run's can be found
RUN_PREFIX = "alliance-grade-"
HOME = "/home/student"
MB = 1024 * 1024

#: Files and folders of /etc that programs in the sandbox may need; nothing else of /etc is seen.
ETC_ALLOWED = (
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "localtime",
    "fonts",
    "alternatives",
    "mime.types",
)
#: The environment the kernel gets (plus HOME, TMPDIR, MPLCONFIGDIR set per kernel).
ENV_ALLOWED = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "USER": "student",
    "LOGNAME": "student",
    # one thread per numerical library: two cores are shared by several kernels, and a thread
    # count that changes with imports would look like a student's background thread
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "PYTHONNOUSERSITE": "1",
    "NBGRADER_EXECUTION": "autograde",
    # ipykernel's parent poller would read the PID namespace as "parent gone";
    # --die-with-parent does that job
    "JPY_PARENT_PID": "1",
}


@dataclass(frozen=True)
class SandboxLimits:
    """What one submission may use. Memory and processes are per submission (cgroup) when the
    machine allows it, else per process; the tmpfs sizes and file size always hold."""

    memory_mb: int = 2048
    pids: int = 256
    home_mb: int = 64
    tmp_mb: int = 64
    shm_mb: int = 16
    fsize_mb: int = 64


def running_as_root() -> bool:
    return os.geteuid() == 0


def python_paths() -> list[str]:
    """Folders the kernel needs read-only: the venv, the Python it was made from, ``alliance``."""
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix}
    paths.add(str(Path(sys.executable).resolve().parent.parent))
    import alliance  # course code the notebooks import (an editable install points at src/)

    paths.add(str(Path(alliance.__file__).resolve().parent))
    resolved = sorted({str(Path(p).resolve()) for p in paths if p})
    # keep only outermost folders, and never the whole of /usr (bound as the system anyway)
    out: list[str] = []
    for p in resolved:
        if p in ("/", "/usr") or any(p.startswith(q.rstrip("/") + "/") for q in out):
            continue
        out = [q for q in out if not q.startswith(p.rstrip("/") + "/")] + [p]
    return sorted(out)


def _parents(path: str, made: set[str]) -> list[str]:
    """``--dir`` for every missing parent of ``path``, world-searchable (bwrap makes them 0700)."""
    args: list[str] = []
    parts = Path(path).parent.parts[1:]
    current = ""
    for part in parts:
        current += "/" + part
        if current in made or current in ("/usr", "/tmp", "/dev", "/proc"):
            continue
        made.add(current)
        args += ["--perms", "0755", "--dir", current]
    return args


def _system_binds(made: set[str]) -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        top = Path("/") / name
        if top.is_symlink():
            args += ["--symlink", os.readlink(top), str(top)]
        elif top.is_dir():
            args += ["--ro-bind", str(top), str(top)]
    args += ["--perms", "0755", "--dir", "/etc"]
    made.add("/etc")
    for name in ETC_ALLOWED:
        if (Path("/etc") / name).exists():
            args += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    return args


def _inside(path: str, folders: Sequence[str]) -> bool:
    return any(path == f or path.startswith(f.rstrip("/") + "/") for f in folders)


def write_identity(folder: Path) -> None:
    """A two-line passwd and group for the sandbox, so tools that look the user up find one."""
    (folder / "passwd").write_text(
        f"root:x:0:0:root:/root:/usr/sbin/nologin\n"
        f"student:x:{NOBODY}:{NOBODY}:student:{HOME}:/usr/sbin/nologin\n"
    )
    (folder / "group").write_text(f"root:x:0:\nstudent:x:{NOBODY}:\n")
    for name in ("passwd", "group"):
        os.chmod(folder / name, 0o644)


def bwrap_command(
    *,
    conn_dir: Path,
    expose: Sequence[str],
    mask: Sequence[str],
    limits: SandboxLimits,
    env: dict[str, str],
    per_process_memory: bool,
    per_process_pids: bool,
) -> list[str]:
    """The command prefix that puts one program into its own sandbox (see the module doc)."""
    root = running_as_root()
    cmd = [BWRAP, "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts"]
    cmd += ["--unshare-cgroup-try"]
    if not root:
        cmd += ["--unshare-user", "--disable-userns"]
    cmd += ["--die-with-parent", "--new-session", "--clearenv"]
    cmd += ["--proc", "/proc", "--dev", "/dev"]
    cmd += ["--size", str(limits.tmp_mb * MB), "--perms", "1777", "--tmpfs", "/tmp"]
    cmd += ["--size", str(limits.shm_mb * MB), "--perms", "1777", "--tmpfs", "/dev/shm"]
    made: set[str] = set()
    cmd += _system_binds(made)
    for path in expose:
        if Path(path).exists():
            cmd += _parents(path, made) + ["--ro-bind", path, path]
    for path in mask:  # course files that happen to lie inside an exposed folder
        if _inside(path, expose) and Path(path).exists():
            cmd += ["--tmpfs", path] if Path(path).is_dir() else ["--ro-bind", "/dev/null", path]
    conn = str(conn_dir)
    cmd += _parents(conn, made) + ["--bind", conn, conn]
    for name in ("passwd", "group"):
        if (conn_dir / name).is_file():
            cmd += ["--ro-bind", f"{conn}/{name}", f"/etc/{name}"]
    cmd += ["--size", str(limits.home_mb * MB), "--perms", "1777", "--tmpfs", HOME]
    cmd += ["--chdir", HOME]
    for key, value in {**ENV_ALLOWED, "HOME": HOME, "TMPDIR": "/tmp", **env}.items():
        cmd += ["--setenv", key, value]
    if root:
        # bwrap keeps these three only so setpriv can switch user; setpriv then drops all
        cmd += ["--cap-drop", "ALL"]
        for cap in ("CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP"):
            cmd += ["--cap-add", cap]
        cmd += ["--", SETPRIV, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
        cmd += ["--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]
    cmd += ["--", PRLIMIT, "--core=0", f"--fsize={limits.fsize_mb * MB}"]
    if per_process_memory and limits.memory_mb > 0:
        cmd.append(f"--as={limits.memory_mb * MB}")
    if per_process_pids:
        cmd.append(f"--nproc={limits.pids}")
    return cmd + ["--"]


# --------------------------------------------------------------------------- the probe
PROBE = r"""
import ctypes, json, os, socket, sys
args = json.loads(sys.argv[1])
out = {"uid": os.getuid(), "euid": os.geteuid()}
status = open("/proc/self/status").read()
out["cap_eff"] = [l.split()[1] for l in status.splitlines() if l.startswith("CapEff")][0]
out["no_new_privs"] = [l.split()[1] for l in status.splitlines() if l.startswith("NoNewPrivs")][0]
libc = ctypes.CDLL(None, use_errno=True)
out["umount_tmp"] = libc.umount2(b"/tmp", 2) == 0
out["umount_usr"] = libc.umount2(b"/usr", 2) == 0
out["remount_usr_rw"] = libc.mount(None, b"/usr", None, 32 | 4096, None) == 0
out["remount_root_rw"] = libc.mount(None, b"/", None, 32 | 4096, None) == 0
def readable(p):
    try:
        with open(p, "rb") as fh:
            return fh.read(64) != b""
    except OSError:
        return False
out["read_secrets"] = [p for p in args["secrets"] if readable(p)]
out["read_hidden"] = [p for p in args["hidden"] if os.path.exists(p) and readable(p)]
out["seen_hidden"] = [p for p in args["hidden"] if os.path.exists(p)]
def writable(p):
    try:
        with open(p, "w") as fh:
            fh.write("x")
        return True
    except OSError:
        return False
out["wrote"] = [p for p in args["writes"] if writable(p)]
reached = []
for p in args["sockets"]:
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(p)
        reached.append(p)
    except OSError:
        pass
    finally:
        s.close()
out["sockets"] = reached
out["env"] = sorted(k for k in os.environ if k in args["grader_env"])
print(json.dumps(out))
"""


@dataclass
class ProbeResult:
    ok: bool
    problems: list[str]
    details: dict


def probe(
    *,
    run_dir: Path,
    expose: Sequence[str],
    hidden: Sequence[str],
    limits: SandboxLimits,
    cgroup_support=None,
    command=None,
) -> ProbeResult:
    """Plant secrets and a host socket, run :data:`PROBE` in the kernels' sandbox, judge it.

    ``command`` builds the sandbox prefix (default :func:`bwrap_command`, what kernels get);
    the tests pass a weaker one to show that the judgement can fail.
    """
    work = Path(tempfile.mkdtemp(prefix="probe-", dir=run_dir))
    conn = work / "conn"
    conn.mkdir()
    token = secrets.token_hex(16)
    # a world-readable secret outside the sandbox's view, and a root-only one inside it
    outside = work / "secret-outside.txt"
    outside.write_text(token)
    os.chmod(outside, 0o644)
    inside = conn / "secret-root-only.txt"
    inside.write_text(token)
    os.chmod(inside, 0o600)
    write_identity(conn)
    if running_as_root():
        os.chown(conn, NOBODY, NOBODY)
    host_socket = work / "host.sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(host_socket))
    server.listen(1)
    marker = "ALLIANCE_PROBE_GRADER_SECRET"
    args = {
        "secrets": [str(outside), str(inside)],
        "hidden": [p for p in hidden if Path(p).exists()],
        "writes": [str(work / "written-by-probe.txt"), "/usr/alliance-probe", "/etc/probe"],
        "sockets": [str(host_socket)],
        "grader_env": [marker],
    }
    group = None
    cmd = (command or bwrap_command)(
        conn_dir=conn,
        expose=expose,
        mask=hidden,
        limits=limits,
        env={},
        per_process_memory=True,
        per_process_pids=cgroup_support is None or not cgroup_support.available,
    )
    cmd += [sys.executable, "-I", "-S", "-c", PROBE, json.dumps(args)]
    try:
        if cgroup_support is not None and cgroup_support.available:
            from alliance.grading.cgroup import KernelGroup

            group = KernelGroup(cgroup_support, limits.memory_mb, limits.pids)
            cmd = group.attach_command(cmd)
        env = dict(os.environ, **{marker: token})
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env)
    except (OSError, subprocess.TimeoutExpired) as exc:
        server.close()
        shutil.rmtree(work, ignore_errors=True)
        return ProbeResult(False, [f"the sandbox could not be started: {exc}"], {})
    finally:
        if group is not None:
            group.remove()
    server.close()
    try:
        details = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        shutil.rmtree(work, ignore_errors=True)
        why = (done.stderr or done.stdout).strip()[-600:]
        return ProbeResult(False, [f"the sandbox could not be started: {why}"], {})
    problems = []
    if running_as_root() and details["uid"] == 0:
        problems.append("student code would run as root")
    if int(details["cap_eff"], 16) != 0:
        problems.append(f"student code would keep capabilities (CapEff {details['cap_eff']})")
    if details["no_new_privs"] != "1":
        problems.append("student code could gain privileges (no_new_privs is off)")
    for key, what in (
        ("umount_tmp", "unmount /tmp"),
        ("umount_usr", "unmount /usr"),
        ("remount_usr_rw", "remount /usr read-write"),
        ("remount_root_rw", "remount / read-write"),
    ):
        if details[key]:
            problems.append(f"student code could {what}")
    for path in details["read_secrets"]:
        problems.append(f"student code could read a planted secret ({path})")
    for path in details["read_hidden"]:
        problems.append(f"student code could read {path}")
    for path in details["wrote"]:
        problems.append(f"student code could write {path}")
    if (work / "written-by-probe.txt").exists():
        problems.append("student code could write into the grader's folders")
    for path in details["sockets"]:
        problems.append(f"student code could reach the host socket {path}")
    if details["env"]:
        problems.append("student code could see the grader's environment")
    shutil.rmtree(work, ignore_errors=True)
    return ProbeResult(not problems, problems, details)


def tools_missing() -> str | None:
    """Why the sandbox cannot even be attempted here, or None."""
    if not Path(BWRAP).exists():
        return "bubblewrap (bwrap) is not installed: apt-get install bubblewrap"
    if not Path(PRLIMIT).exists():
        return "prlimit is not installed: apt-get install util-linux"
    if running_as_root() and not Path(SETPRIV).exists():
        return "setpriv is not installed (needed to drop root): apt-get install util-linux"
    return None


def course_paths(course_root: Path, source_dir: Path, db_url: str) -> list[str]:
    """What student code must never see: course root, sources, gradebook, git history.

    Not bound into the sandbox in the first place; listed so that the probe checks them, and so
    that any of them lying inside a bound folder (a course inside the virtualenv?) is masked.
    """
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


def die_with_parent() -> None:
    """In a child, before exec: be killed when the process that started it dies, however."""
    import ctypes
    import signal

    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG


def runs_base() -> Path:
    """Where run folders go: the temporary folder, unless its path is too long for the
    kernels' Unix sockets (108 bytes in all), then /tmp."""
    base = tempfile.gettempdir()
    return Path(base if len(base) <= 50 else "/tmp")


def new_run_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix=f"{RUN_PREFIX}{os.getpid()}-", dir=runs_base()))


def sweep_stale_runs() -> None:
    """Remove run folders whose grading process no longer exists (a crash, a kill -9)."""
    from alliance.grading.cgroup import process_alive

    for folder in runs_base().glob(f"{RUN_PREFIX}*-*"):
        pid = folder.name[len(RUN_PREFIX) :].split("-")[0]
        if pid.isdigit() and not process_alive(int(pid)) and folder.is_dir():
            remove_tree(folder)


def remove_tree(path: Path) -> None:
    """Remove a folder even when student code made parts of it unreadable (chmod 000)."""

    def fix(func, p, _exc):
        try:
            os.chmod(os.path.dirname(p), 0o700)
            os.chmod(p, 0o700)
        except OSError:
            pass
        try:
            func(p)
        except OSError:
            pass

    shutil.rmtree(path, onerror=fix)


__all__ = [
    "HOME",
    "course_paths",
    "SandboxLimits",
    "bwrap_command",
    "probe",
    "python_paths",
    "remove_tree",
    "tools_missing",
    "write_identity",
]
