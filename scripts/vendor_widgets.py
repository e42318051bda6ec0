"""Refresh the pinned widget JavaScript that the static book serves itself.

Why: by default the built book loads RequireJS, the ipywidgets html-manager and anywidget from
public CDNs, which breaks offline reading and leaks readers' visits to third parties. We serve
pinned copies instead. This script fetches exactly the versions in ``PINS`` from the npm registry
(``npm pack``), copies the files the book needs into ``_vendor/widgets/`` and rewrites
``_vendor/widgets/MANIFEST.json`` (versions, licences, sha256) so the refresh is reproducible and
reviewable. Run it with ``make vendor``; commit the result.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEST = ROOT / "_vendor" / "widgets"

# package -> (version, {source path inside the package: destination relative to DEST})
PINS: dict[str, tuple[str, dict[str, str]]] = {
    "requirejs": ("2.3.8", {"require.js": "require.js"}),
    "@jupyter-widgets/html-manager": (
        "1.0.15",
        {
            "dist/embed-amd.js": "embed-amd.js",
            "dist/*.woff2": ".",
            "dist/*.woff": ".",
            "dist/*.ttf": ".",
            "dist/*.eot": ".",
            "dist/*.svg": ".",
        },
    ),
    "anywidget": ("0.11.0", {"dist/index.js": "anywidget/index.js"}),
}
BSD3 = """BSD 3-Clause License (as declared in the package's package.json)

Copyright (c) {holder}
All rights reserved.

Redistribution and use in source and binary forms, with or without modification, are permitted
provided that the following conditions are met:
1. Redistributions of source code must retain the above copyright notice, this list of conditions
   and the following disclaimer.
2. Redistributions in binary form must reproduce the above copyright notice, this list of
   conditions and the following disclaimer in the documentation and/or other materials provided
   with the distribution.
3. Neither the name of the copyright holder nor the names of its contributors may be used to
   endorse or promote products derived from this software without specific prior written
   permission.

THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS" AND ANY EXPRESS OR
IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE IMPLIED WARRANTIES OF MERCHANTABILITY AND
FITNESS FOR A PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR
CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL
DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES; LOSS OF USE,
DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER
IN CONTRACT, STRICT LIABILITY, OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT
OF THE USE OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
"""
LICENCE_NAMES = ("LICENSE", "LICENSE.md", "LICENSE.txt", "LICENCE")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _author(meta: dict) -> str:
    author = meta.get("author", "")
    return author.get("name", "") if isinstance(author, dict) else str(author)


def _pack(name: str, version: str, workdir: Path) -> Path:
    out = (
        subprocess.run(
            ["npm", "pack", f"{name}@{version}", "--silent", "--pack-destination", str(workdir)],
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    target = workdir / name.replace("/", "__")
    with tarfile.open(workdir / out) as tar:
        tar.extractall(target, filter="data")
    return target / "package"


def main() -> int:
    if DEST.exists():
        for child in DEST.iterdir():
            if child.name != "widgets-config.js":  # ours, not vendored
                shutil.rmtree(child) if child.is_dir() else child.unlink()
    DEST.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, (version, files) in PINS.items():
            pkg = _pack(name, version, Path(tmp))
            meta = json.loads((pkg / "package.json").read_text())
            copied: dict[str, str] = {}
            for pattern, dest in files.items():
                for src in sorted(pkg.glob(pattern)):
                    target = DEST / (src.name if dest == "." else dest)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(src, target)
                    copied[str(target.relative_to(DEST))] = _sha256(target)
            licence_file = next((pkg / n for n in LICENCE_NAMES if (pkg / n).exists()), None)
            licence_text = licence_file.read_text() if licence_file else ""
            if not licence_text and name == "requirejs":
                # requirejs ships its MIT licence inside require.js's header comment.
                licence_text = (pkg / "require.js").read_text().split("*/", 1)[0] + "*/\n"
            lic_path = DEST / "licenses" / f"{name.replace('/', '__')}.txt"
            lic_path.parent.mkdir(exist_ok=True)
            if not licence_text and meta.get("license") == "BSD-3-Clause":
                licence_text = BSD3.format(holder=_author(meta) or name)
            for notice in pkg.glob("dist/*.LICENSE.txt"):  # licences of bundled third-party code
                licence_text += f"\n\n--- bundled third-party notices ({notice.name}) ---\n"
                licence_text += notice.read_text()
            lic_path.write_text(licence_text)
            manifest[name] = {
                "version": meta["version"],
                "license": meta.get("license"),
                "files": copied,
                "licence_text": str(lic_path.relative_to(DEST)),
            }
    (DEST / "MANIFEST.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    pins = ", ".join(f"{k}@{v['version']}" for k, v in manifest.items())
    print(f"vendored {pins} into {DEST}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
