"""In a real JupyterLab with a real kernel, the reader's path syncs from the widget to Python.

Why: in the static book the widget has no kernel; in JupyterLab / Notebook 7 the course promises
``widget.path`` and ``widget.transcript()``. This starts JupyterLab on 127.0.0.1, runs a notebook
that shows a vignette, clicks two choices in headless Chromium, and asks the kernel what it got.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BIN = Path(sys.executable).parent
BASIC = Path(__file__).parent / "fixtures" / "vignettes" / "fixture-basic.yaml"
TOKEN = "vignette-test"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("lab")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_code_cell(
            f"from alliance.vignettes import VignetteWidget\nw = VignetteWidget({str(BASIC)!r})\nw"
        ),
        nbformat.v4.new_code_cell(
            'print("PATH", w.path, w.code, w.playthrough().outcome, w.transcript()[-1][1])'
        ),
        nbformat.v4.new_code_cell("w.path = [1]"),
    ]
    nbformat.write(nb, root / "play.ipynb")
    port = _free_port()
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "JUPYTER_RUNTIME_DIR": str(root / "runtime"),
        "JUPYTER_CONFIG_DIR": str(root / "config"),
    }
    log = (root / "lab.log").open("w")
    proc = subprocess.Popen(
        [
            str(BIN / "jupyter"), "lab", "--no-browser", "--allow-root",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
            f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={root}",
            "--LabApp.expose_app_in_browser=True", f"--LabApp.workspaces_dir={root / 'ws'}",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.news_url=None",
        ],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=2)
                break
            except OSError:
                if proc.poll() is not None:
                    break
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not start:\n" + (root / "lab.log").read_text()[-3000:])
        if proc.poll() is not None:
            pytest.fail("JupyterLab exited:\n" + (root / "lab.log").read_text()[-3000:])
        yield f"{base}/lab/tree/play.ipynb?token={TOKEN}"
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def _run_cell(page, index: int) -> None:
    page.evaluate(
        """(i) => { const nb = window.jupyterapp.shell.currentWidget;
                    nb.content.activeCellIndex = i;
                    return window.jupyterapp.commands.execute('notebook:run-cell'); }""",
        index,
    )


def test_path_syncs_both_ways_in_jupyterlab(browser, lab_url: str) -> None:
    page = browser.new_page()
    try:
        page.goto(lab_url)
        page.wait_for_function(
            "() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
            " const k = w && w.sessionContext && w.sessionContext.session"
            " && w.sessionContext.session.kernel; return k && k.status === 'idle'; }",
            timeout=90_000,
        )
        _run_cell(page, 0)
        widget = page.locator(".alliance-vignette")
        widget.locator(".av-choice").first.wait_for(timeout=60_000)
        widget.locator(".av-choice").nth(2).click()
        widget.locator(".av-choice").nth(0).click()
        assert widget.locator(".av-code-input").input_value() == "fixture-basic:3-1"
        _run_cell(page, 1)
        expected = "PATH [2, 0] fixture-basic:3-1 repaired Okay. Maybe we can slow down a bit."
        page.wait_for_function(
            "(t) => [...document.querySelectorAll('.jp-OutputArea-output')]"
            ".some(e => e.textContent.includes(t))",
            arg=expected,
            timeout=30_000,
        )
        _run_cell(page, 2)  # Python sets the path: the widget follows
        page.wait_for_function(
            "() => document.querySelector('.alliance-vignette .av-code-input').value"
            " === 'fixture-basic:2'",
            timeout=30_000,
        )
        assert widget.locator(".av-client-line").text_content() == "Mr Haddad: No. Sorry."
    finally:
        page.close()
