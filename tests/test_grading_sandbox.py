"""The start-up probe: it passes for the kernels' sandbox and fails for a weak one.

Why both: a probe that always passes would make "autograde refuses to grade when the sandbox does
not hold" an empty promise. The weak sandbox is the recipe used before issue 10 — bubblewrap
started by root with the whole root bound read-only and course files masked — which a student's
``umount``/``mount -o remount,rw`` undid. Both run for real, as root.
"""

from __future__ import annotations

import os
from pathlib import Path

from alliance.grading import cgroup, sandbox


def _old_recipe(*, conn_dir, expose, mask, limits, env, **_):
    """The sandbox of before: the host's root read-only, course paths masked, root inside."""
    cmd = [sandbox.BWRAP, "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/"]
    cmd += ["--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
    for path in expose:  # a checkout under /tmp (as CI may clone it) keeps its Python visible
        if path.startswith("/tmp/"):
            cmd += ["--ro-bind", path, path]
    for path in mask:
        if Path(path).is_dir():
            cmd += ["--tmpfs", path]
    cmd += ["--bind", str(conn_dir), str(conn_dir), "--"]
    return cmd


def _probe(tmp_path, **kw):
    course = tmp_path / "course"
    course.mkdir()
    (course / "gradebook.db").write_text("grades")
    return sandbox.probe(
        run_dir=tmp_path,
        expose=sandbox.python_paths(),
        hidden=[str(course), str(course / "gradebook.db")],
        limits=sandbox.SandboxLimits(),
        cgroup_support=cgroup.support(),
        **kw,
    )


def test_the_kernels_sandbox_passes_the_probe(tmp_path):
    result = _probe(tmp_path)
    assert result.ok, result.problems
    details = result.details
    if os.geteuid() == 0:
        assert details["uid"] == 65534 and details["cap_eff"] == "0000000000000000"
    assert details["no_new_privs"] == "1"
    assert not details["umount_tmp"] and not details["remount_root_rw"]
    assert details["read_secrets"] == [] and details["sockets"] == []


def test_a_weak_sandbox_fails_the_probe(tmp_path):
    """(As root, as the suite runs in CI; a non-root run cannot undo the old recipe's masks.)"""
    result = _probe(tmp_path, command=_old_recipe)
    assert not result.ok
    text = "\n".join(result.problems)
    assert "planted secret" in text
    if os.geteuid() != 0:
        return
    assert "student code would run as root" in text
    assert "could unmount /tmp" in text
    assert "planted secret" in text
    assert "host socket" in text
