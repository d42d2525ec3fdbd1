"""`sweep --out DIR`: a sweep writes only into a new, empty or sweep's own directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from brainweave.sweeps.outdir import MARKER, OutDirError, check, claim


def test_a_new_or_empty_directory_is_claimed_and_then_its_own(tmp_path: Path) -> None:
    assert claim(tmp_path / "new") == "new"
    assert (tmp_path / "new" / MARKER).is_file()
    assert claim(tmp_path / "new") == "own"
    (tmp_path / "empty").mkdir()
    assert claim(tmp_path / "empty") == "new"


def test_a_foreign_directory_is_refused_unless_forced(tmp_path: Path) -> None:
    (tmp_path / "summary.md").write_text("mine\n")
    with pytest.raises(OutDirError, match="not a sweep's directory") as err:
        claim(tmp_path)
    assert "--force" in str(err.value)
    assert not (tmp_path / MARKER).exists()  # nothing written
    assert claim(tmp_path, force=True) == "forced"
    assert claim(tmp_path) == "own"


def test_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(OutDirError, match="is a file"):
        check(tmp_path / "f", force=True)


def _older_sweep(out: Path, runs: bytes) -> None:
    out.mkdir()
    plan = {"name": "x", "spec": {}, "runs": [{"run_id": "r1", "setting_id": "s"}]}
    (out / "sweep.json").write_text(json.dumps(plan))
    (out / "runs.jsonl").write_bytes(runs)
    (out / "summary.md").write_text("# x\n")


def test_an_older_sweep_directory_is_adopted(tmp_path: Path) -> None:
    line = json.dumps({"run_id": "r1", "status": "ok", "setting_id": "s"}).encode()
    _older_sweep(tmp_path / "old", line + b"\n" + b'{"run_id": "r2", "sta')  # torn last line
    assert claim(tmp_path / "old") == "adopted"
    assert claim(tmp_path / "old") == "own"


def test_a_directory_with_a_foreign_runs_file_is_not_adopted(tmp_path: Path) -> None:
    _older_sweep(tmp_path / "old", b'{"id": 1}\n{"id": 2}\n')
    with pytest.raises(OutDirError):
        claim(tmp_path / "old")
