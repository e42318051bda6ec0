"""The Formgrader route the instructor guide documents, proven in a real browser.

nbgrader 0.9 has no ``nbgrader formgrader`` command: the Formgrader is a Jupyter server
extension. This starts JupyterLab the way the guide says (from the course root, as root with
``--allow-root``) on 127.0.0.1, grades one written answer through the Formgrader page in headless
Chromium, and reads the grade back from nbgrader's gradebook. It also checks the guide's two
footnotes: root needs ``--allow-root``, and the web API wants the ``_xsrf`` cookie back as a
header when a script uses the browser's login instead of the server's token.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import open_page
from course_helpers import ASSIGNMENT, make_course, run_alliance, solved, submit

from alliance.course.classbook import read_assignment
from alliance.course.config import load_course

pytestmark = [pytest.mark.slow, pytest.mark.browser]
JUPYTER = str(Path(sys.executable).parent / "jupyter")
KEY = f"{ASSIGNMENT}/reflection"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def lab_command(port: int, token: str, allow_root: bool = True) -> list[str]:
    cmd = [JUPYTER, "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}"]
    cmd += [f"--IdentityProvider.token={token}", "--ServerApp.port_retries=0"]
    return cmd + (["--allow-root"] if allow_root else [])


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("formgrader")
    root = make_course(tmp / "course")
    submit(root, "ada", solved(root))
    run_alliance("autograde", ASSIGNMENT, "--course-dir", str(root))
    return root


@pytest.fixture(scope="module")
def server(graded, tmp_path_factory):
    port, token = free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path_factory.mktemp("runtime")))
    log = (tmp_path_factory.mktemp("log") / "jupyter.log").open("w")
    proc = subprocess.Popen(
        lab_command(port, token), cwd=graded, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except (urllib.error.URLError, ConnectionError):
                if proc.poll() is not None:
                    break
                time.sleep(0.5)
        else:
            pytest.fail("Jupyter did not start in 120 s")
        if proc.poll() is not None:
            log.flush()
            pytest.fail("Jupyter exited:\n" + Path(log.name).read_text()[-3000:])
        yield base, token
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.mark.skipif(os.geteuid() != 0, reason="the --allow-root footnote is about running as root")
def test_as_root_jupyter_needs_allow_root(graded):
    done = subprocess.run(
        lab_command(free_port(), "x", allow_root=False),
        cwd=graded,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0 and "--allow-root" in done.stdout + done.stderr


def test_grade_a_written_answer_in_the_formgrader(server, browser, graded):
    base, token = server
    course = load_course(graded)
    assert read_assignment(course, ASSIGNMENT).submissions["ada"].grades[KEY].needs_manual_grade
    page = open_page(browser)
    try:
        page.goto(f"{base}/formgrader?token={token}")
        page.wait_for_url("**/formgrader/manage_assignments")
        # Manual Grading -> the assignment -> the notebook -> the submission
        page.goto(f"{base}/formgrader/gradebook/{ASSIGNMENT}/{ASSIGNMENT}")
        page.get_by_role("link", name="Submission #1").click()
        score = page.locator(f"#{KEY.split('/')[1]}")
        score.wait_for()
        # the boxes save only once the page has loaded the grades and comments they belong to
        page.wait_for_function(
            "() => window.formgrader && formgrader.grades && formgrader.grades.loaded"
            " && formgrader.comments && formgrader.comments.loaded",
            timeout=60_000,
        )
        with page.expect_response(
            lambda r: "/formgrader/api/grade/" in r.url and r.request.method == "PUT"
        ) as saved:
            score.fill("1.5")
            page.locator("#reflection-comment").click()  # leaving the box saves it
        assert saved.value.ok
        with page.expect_response(
            lambda r: "/formgrader/api/comment/" in r.url and r.request.method == "PUT"
        ) as saved:
            page.locator("#reflection-comment").fill("Name the feeling, then ask.")
            score.click()
        assert saved.value.ok
        cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    finally:
        page.context.close()
    g = read_assignment(course, ASSIGNMENT).submissions["ada"].grades[KEY]
    assert (g.manual_score, g.needs_manual_grade) == (1.5, False)
    assert g.comment == "Name the feeling, then ask."
    check_xsrf_rule(base, token, cookies, course)


def check_xsrf_rule(base: str, token: str, cookies: dict, course) -> None:
    """With the browser's login cookie a script must echo ``_xsrf``; with the token it need not."""
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url, course.coursedir.course_id) as gb:
        grade_id = gb.find_grade("reflection", ASSIGNMENT, ASSIGNMENT, "ada").id
    url = f"{base}/formgrader/api/grade/{grade_id}"
    body = json.dumps({"manual_score": 2, "extra_credit": None}).encode()
    login = "; ".join(f"{k}={v}" for k, v in cookies.items() if k != "_xsrf")

    def put(headers: dict) -> int:
        req = urllib.request.Request(url, data=body, method="PUT", headers=headers)
        try:
            return urllib.request.urlopen(req, timeout=10).status
        except urllib.error.HTTPError as exc:
            return exc.code

    assert put({"Cookie": login}) == 403, "login cookie alone: refused"
    xsrf = cookies["_xsrf"]
    assert put({"Cookie": f"{login}; _xsrf={xsrf}", "X-XSRFToken": xsrf}) == 200
    assert put({"Authorization": f"token {token}"}) == 200, "the server's token needs no _xsrf"
