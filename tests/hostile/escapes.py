"""Escapes and resource attacks a hostile notebook tries from inside its kernel (issue 10).

Each function returns the source of one code cell; the cell first defines a correct answer (so
the student's own work is still graded) and then attacks, printing ``RESULT <name> <value>``
lines the tests read back from the autograded notebook. Host-side effects (files written, the
course config changed, sockets reached) are checked by the tests from outside.
"""

from __future__ import annotations

TALLY = """
def tally(codes):
    counts = {}
    for code in codes:
        counts[code] = counts.get(code, 0) + 1
    return counts
"""


def _cell(body: str) -> str:
    return TALLY + "\n" + body.strip() + "\n"


def mounts() -> str:
    """Undo the sandbox: unmount /tmp, remount / and /usr read-write (worked as root before)."""
    return _cell(
        """
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
print("RESULT umount_tmp", libc.umount2(b"/tmp", 2) == 0)
print("RESULT remount_root", libc.mount(None, b"/", None, 32 | 4096, None) == 0)
print("RESULT remount_usr", libc.mount(None, b"/usr", None, 32 | 4096, None) == 0)
print("RESULT uid", os.getuid())
status = open("/proc/self/status").read().splitlines()
print("RESULT capeff", [l.split()[1] for l in status if l.startswith("CapEff")][0])
"""
    )


def reads(paths: list[str]) -> str:
    """Read course files, other students' work, planted secrets; list what can be seen."""
    return _cell(
        f"""
import os
got = []
for p in {paths!r}:
    try:
        with open(p, "rb") as fh:
            got.append(p if fh.read(16) else "")
    except OSError:
        pass
print("RESULT read", len([g for g in got if g]))
print("RESULT visible", sorted(os.listdir("/")))
"""
    )


def writes(paths: list[str]) -> str:
    """Plant a line in the course config (run later by nbgrader) and files on the host."""
    return _cell(
        f"""
n = 0
for p in {paths!r}:
    try:
        with open(p, "a") as fh:
            fh.write("\\nimport os; os.system('touch /tmp/pwned')\\n")
        n += 1
    except OSError:
        pass
print("RESULT wrote", n)
"""
    )


def host_socket(path: str) -> str:
    return _cell(
        f"""
import socket
s = socket.socket(socket.AF_UNIX)
try:
    s.connect({path!r})
    print("RESULT socket", True)
except OSError:
    print("RESULT socket", False)
"""
    )


def environment(marker: str) -> str:
    return _cell(
        f"""
import os
print("RESULT env_secret", {marker!r} in os.environ)
print("RESULT env_keys", len(os.environ))
"""
    )


def other_kernels() -> str:
    """Look for other students' kernels (the pre-started next one) and their sockets."""
    return _cell(
        """
import glob, os, sys
conn = [a for a in sys.argv if a.endswith(".json")]
mine = os.path.dirname(conn[0]) if conn else ""
found = [p for p in glob.glob("/tmp/alliance-grade-*/**/kernel-*.json", recursive=True)
         + glob.glob(os.path.dirname(mine) + "/*/kernel-*.json") if os.path.dirname(p) != mine]
print("RESULT other_kernels", len(found))
try:
    open(os.path.join(mine, "dropped.txt"), "w").write("x")
    print("RESULT conn_write", True)
except OSError:
    print("RESULT conn_write", False)
"""
    )


def fork_bomb() -> str:
    return _cell(
        """
import os, time
n = 0
for _ in range(2000):
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        time.sleep(60)
        os._exit(0)
    n += 1
print("RESULT forked", n)
"""
    )


def memory_children(each_mb: int, children: int) -> str:
    """Several children that each stay under the per-process limit but not together."""
    return _cell(
        f"""
import subprocess, sys, time
code = (
    "b = bytearray({each_mb} * 1024 * 1024)\\nfor i in range(0, len(b), 4096): b[i] = 1\\n"
    "import time; time.sleep(30)"
)
procs = [subprocess.Popen([sys.executable, "-c", code]) for _ in range({children})]
time.sleep(8)
print("RESULT alive", sum(p.poll() is None for p in procs))
for p in procs:
    p.kill()
"""
    )


def fill(folder: str, name: str) -> str:
    """Write 1 MB chunks into ``folder`` until the file system says no; print MB written."""
    return _cell(
        f"""
import os
mb = 0
try:
    with open(os.path.join({folder!r}, "fill.bin"), "wb") as fh:
        chunk = b"x" * 1024 * 1024
        for _ in range(4096):
            fh.write(chunk)
            fh.flush()
            mb += 1
except OSError:
    pass
print("RESULT {name}", mb)
"""
    )


def chmod_trap() -> str:
    """Make the working folder hard to clean up: files and folders without permissions."""
    return _cell(
        """
import os
os.makedirs("trap/deeper", exist_ok=True)
open("trap/deeper/file", "w").write("x")
os.chmod("trap/deeper/file", 0)
os.chmod("trap/deeper", 0)
os.chmod("trap", 0)
print("RESULT chmod", True)
"""
    )


def output_flood() -> str:
    """Every output type at once, far over the caps: errors, displays, updates, results."""
    return _cell(
        """
from IPython.display import display, update_display
big = "y" * (3 * 1024 * 1024)
h = display({"text/plain": "start"}, raw=True, display_id="flood")
for i in range(20):
    update_display({"text/plain": big}, raw=True, display_id="flood")
    display({"text/plain": big}, raw=True)
    print(big)
raise ValueError(big * 4)
"""
    )


NAME_NEWLINE = "new\nline"
NAME_ESCAPE = "\x1b[2Jcleared"
NAME_DASH = "-rf"
