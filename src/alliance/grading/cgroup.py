"""One control group per submission: memory and process limits that hold across all its processes.

Why: ``prlimit`` limits each process on its own, so a notebook that starts three children gets
three times the memory limit (measured: 3.96 GB against "2048 MB"), and it cannot limit the number
of processes of one submission at all (the kernel runs as a shared unprivileged user). A cgroup
counts everything the submission starts, including the pages it writes to its tmpfs folders.

The grader creates the group as a child of its *own* cgroup (so whatever limits the machine puts
on the grader still apply), moves the sandbox's first process into it before anything runs
(:func:`attach_command`), and removes it, killing whatever is left, when the kernel is done.
Both cgroup v1 (separate ``memory`` and ``pids`` hierarchies) and v2 (one unified tree, when the
grader's cgroup delegates the ``memory`` and ``pids`` controllers) are supported. When neither
can be had (not root, no delegation), :func:`support` says why, the orchestrator says so once,
and the per-process ``prlimit`` limits remain.
"""

from __future__ import annotations

import itertools
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
_counter = itertools.count()


@dataclass(frozen=True)
class Support:
    """Where per-submission groups can be created, or why they cannot."""

    version: int  # 1 or 2; 0 when unavailable
    memory_parent: Path | None = None
    pids_parent: Path | None = None
    reason: str = ""

    @property
    def available(self) -> bool:
        return self.version > 0

    def to_json(self) -> dict:
        return {
            "version": self.version,
            "memory_parent": str(self.memory_parent) if self.memory_parent else None,
            "pids_parent": str(self.pids_parent) if self.pids_parent else None,
            "reason": self.reason,
        }

    @classmethod
    def from_json(cls, data: dict) -> Support:
        paths = {
            k: Path(data[k]) if data.get(k) else None for k in ("memory_parent", "pids_parent")
        }
        return cls(int(data["version"]), reason=data.get("reason", ""), **paths)


def _own_paths() -> dict[str, str]:
    """This process's cgroup per controller ("" for the v2 unified tree)."""
    out: dict[str, str] = {}
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return out
    for line in lines:
        _, controllers, path = line.split(":", 2)
        for name in controllers.split(",") if controllers else [""]:
            out[name] = path
    return out


def _v2_mount() -> Path | None:
    for candidate in (CGROUP_ROOT, CGROUP_ROOT / "unified"):
        if (candidate / "cgroup.controllers").is_file():
            return candidate
    return None


def support() -> Support:
    """Find writable memory and pids controllers (v1 first: where both exist, v2 is a stub)."""
    if os.geteuid() != 0:
        return Support(0, reason="cgroups need root here (the grader is not root)")
    own = _own_paths()
    mem_v1 = CGROUP_ROOT / "memory"
    pids_v1 = CGROUP_ROOT / "pids"
    if "memory" in own and "pids" in own and mem_v1.is_dir() and pids_v1.is_dir():
        mem = mem_v1 / own["memory"].lstrip("/")
        pids = pids_v1 / own["pids"].lstrip("/")
        if os.access(mem, os.W_OK) and os.access(pids, os.W_OK):
            return Support(1, mem, pids)
        return Support(0, reason=f"the cgroup v1 folders {mem} and {pids} are not writable")
    mount = _v2_mount()
    if mount is None or "" not in own:
        return Support(0, reason="no cgroup v1 memory/pids controllers and no cgroup v2 tree")
    parent = mount / own[""].lstrip("/")
    try:
        enabled = (parent / "cgroup.subtree_control").read_text().split()
        if not {"memory", "pids"} <= set(enabled):
            available = (parent / "cgroup.controllers").read_text().split()
            if not {"memory", "pids"} <= set(available):
                return Support(0, reason=f"cgroup v2 at {parent} does not offer memory and pids")
            (parent / "cgroup.subtree_control").write_text("+memory +pids")
    except OSError as exc:
        return Support(0, reason=f"cannot delegate memory and pids in cgroup v2 at {parent}: {exc}")
    return Support(2, parent, parent)


def process_alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie no longer does: an orphan may wait long to be reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def _procs(folder: Path) -> list[int]:
    try:
        return [int(p) for p in (folder / "cgroup.procs").read_text().split()]
    except (OSError, ValueError):
        return []


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class KernelGroup:
    """The cgroup(s) of one sandboxed kernel: created with limits, read, killed and removed."""

    def __init__(self, sup: Support, memory_mb: int, pids_max: int, tag: str = "k") -> None:
        self.support = sup
        # the creating process's pid comes first: sweep() and sweep_stale() find groups by it
        name = f"alliance-{os.getpid()}-{tag}{next(_counter)}"
        assert sup.memory_parent is not None and sup.pids_parent is not None
        self.dirs = sorted({sup.memory_parent / name, sup.pids_parent / name})
        self.memory_dir = sup.memory_parent / name
        self.pids_dir = sup.pids_parent / name
        for d in self.dirs:
            d.mkdir()
        try:
            self._limit(memory_mb, pids_max)
        except OSError:
            self.remove()
            raise

    def _limit(self, memory_mb: int, pids_max: int) -> None:
        if self.support.version == 1:
            if memory_mb > 0:
                limit = str(memory_mb * 1024 * 1024)
                (self.memory_dir / "memory.limit_in_bytes").write_text(limit)
                swap = self.memory_dir / "memory.memsw.limit_in_bytes"
                if swap.exists():  # no swapping past the limit either
                    swap.write_text(limit)
            (self.pids_dir / "pids.max").write_text(str(pids_max))
        else:
            if memory_mb > 0:
                (self.memory_dir / "memory.max").write_text(str(memory_mb * 1024 * 1024))
                swap = self.memory_dir / "memory.swap.max"
                if swap.exists():
                    swap.write_text("0")
            (self.pids_dir / "pids.max").write_text(str(pids_max))

    def attach_command(self, cmd: list[str]) -> list[str]:
        """``cmd`` started by a shell that first moves itself into the group, then execs it.

        Everything the command starts inherits the group; nothing runs outside it first.
        """
        script = 'for d; do [ "$d" = -- ] && break; echo $$ > "$d/cgroup.procs" || exit 97; done'
        script += '; while [ "$1" != -- ]; do shift; done; shift; exec "$@"'
        return ["/bin/sh", "-c", script, "alliance-cgroup", *map(str, self.dirs), "--", *cmd]

    def pids(self) -> set[int]:
        return {pid for d in self.dirs for pid in _procs(d)}

    def oom_kills(self) -> int:
        """How many processes the kernel killed at this group's memory limit."""
        name = "memory.oom_control" if self.support.version == 1 else "memory.events"
        try:
            for line in (self.memory_dir / name).read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    return int(value)
        except (OSError, ValueError):
            pass
        return 0

    def hit_memory_limit(self) -> bool:
        if self.oom_kills():
            return True
        name = "memory.failcnt" if self.support.version == 1 else "memory.events"
        try:
            text = (self.memory_dir / name).read_text()
        except OSError:
            return False
        if self.support.version == 1:
            return int(text.strip() or 0) > 0
        return any(ln.startswith("max ") and ln.split()[1] != "0" for ln in text.splitlines())

    def kill(self, keep: set[int] | None = None) -> int:
        """SIGKILL every process in the group (but ``keep``); returns how many were signalled."""
        n = 0
        for pid in self.pids() - (keep or set()):
            try:
                os.kill(pid, signal.SIGKILL)
                n += 1
            except ProcessLookupError:
                pass
        return n

    def remove(self) -> None:
        """Kill what is left and remove the group, groups inside it first (retried briefly
        while processes exit)."""
        for _ in range(50):
            self.kill()
            left = []
            for top in self.dirs:
                nested = sorted(top.glob("**/alliance-*"), key=lambda p: -len(p.parts))
                for d in [*nested, top]:
                    for pid in _procs(d):
                        _kill(pid)
                    try:
                        d.rmdir()
                    except FileNotFoundError:
                        pass
                    except OSError:
                        left.append(d)
            if not left:
                return
            time.sleep(0.02)


def sweep(worker_pid: int) -> None:
    """Remove the groups a (dead) worker left behind, killing what is still in them."""
    sup = support()
    if not sup.available:
        return
    parents = {sup.memory_parent, sup.pids_parent}
    for parent in parents:
        assert parent is not None
        for d in parent.glob(f"alliance-{worker_pid}-*"):
            group = KernelGroup.__new__(KernelGroup)
            group.support, group.dirs = sup, [d]
            group.memory_dir = group.pids_dir = d
            group.remove()


def sweep_stale() -> None:
    """Remove groups left by grading processes that no longer exist (an earlier crash)."""
    sup = support()
    if not sup.available:
        return
    for parent in {sup.memory_parent, sup.pids_parent}:
        assert parent is not None
        for d in parent.glob("alliance-*-*"):
            pid = d.name.split("-")[1]
            if pid.isdigit() and not process_alive(int(pid)):
                sweep(int(pid))
