"""The wheel installs everything under the one `brainweave` namespace."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_wheel_maps_the_folders_under_brainweave(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(REPO),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    [wheel] = tmp_path.glob("brainweave-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.startswith("brainweave-")}
    assert tops == {"brainweave"}  # no top-level `agents`, `ui`, `retrieval`...
    for module in (
        "brainweave/retrieval/store.py",
        "brainweave/retrieval/adapters/genetics.py",
        "brainweave/corpora/sources.toml",
        "brainweave/agents/__init__.py",
        "brainweave/graphs/__init__.py",
        "brainweave/ui/__init__.py",
        "brainweave/ui/app.py",
        "brainweave/ui/views/review.py",
        "brainweave/cli/__init__.py",
    ):
        assert module in names
    assert not any(n.endswith(".jsonl") or n.endswith(".faiss") for n in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "brainweave = brainweave.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
