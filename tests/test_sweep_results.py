"""The sweep's output files: whole lines only, torn lines cut off, failed writes cut back."""

from __future__ import annotations

import json
import resource
import signal
from pathlib import Path

import pytest

from brainweave.io import write_atomic
from brainweave.sweeps.results import (
    RUNS,
    JsonlAppender,
    ResultStore,
    SweepWriteError,
    iter_runs,
    recover_jsonl,
)


def test_a_torn_last_line_is_cut_off(tmp_path: Path) -> None:
    path = tmp_path / RUNS
    path.write_bytes(b'{"run_id": "a"}\n{"run_id": "b"}\n{"run_id": "c", "hypo')
    assert [r["run_id"] for r in recover_jsonl(path)] == ["a", "b"]
    assert path.read_bytes() == b'{"run_id": "a"}\n{"run_id": "b"}\n'
    assert [r["run_id"] for r in recover_jsonl(path)] == ["a", "b"]  # idempotent


def test_readers_skip_an_unterminated_line(tmp_path: Path) -> None:
    (tmp_path / RUNS).write_bytes(b'{"run_id": "a"}\n{"run_id": "b"')
    assert [r["run_id"] for r in iter_runs(tmp_path)] == ["a"]


def test_appends_are_whole_lines(tmp_path: Path) -> None:
    app = JsonlAppender(tmp_path / RUNS)
    for i in range(3):
        app.append({"run_id": str(i), "text": "line\nbreak é"})
    app.close()
    lines = (tmp_path / RUNS).read_bytes().split(b"\n")
    assert lines[-1] == b"" and [json.loads(x)["run_id"] for x in lines[:-1]] == ["0", "1", "2"]


def test_a_write_that_fails_part_way_is_cut_back(tmp_path: Path) -> None:
    """A full disk, simulated with a file-size limit: the write stops part-way, the
    appender cuts the partial line off and raises a SweepWriteError."""
    path = tmp_path / RUNS
    app = JsonlAppender(path)
    app.append({"run_id": "a"})
    size = path.stat().st_size
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    old = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (size + 100, hard))
    try:
        with pytest.raises(SweepWriteError, match="could not write"):
            app.append({"run_id": "b", "pad": "x" * 1000})
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, old)
    app.append({"run_id": "c"})
    app.close()
    assert [r["run_id"] for r in recover_jsonl(path)] == ["a", "c"]
    assert path.read_bytes().endswith(b"\n")


def test_write_atomic_replaces_whole(tmp_path: Path) -> None:
    target = tmp_path / "x.json"
    write_atomic(target, b"one")
    write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]
    assert target.stat().st_mode & 0o777 == 0o644


def test_one_writer_per_directory(tmp_path: Path) -> None:
    from brainweave.errors import BrainweaveError

    with ResultStore(tmp_path / "out"), pytest.raises(BrainweaveError, match="another sweep"):
        ResultStore(tmp_path / "out")
    ResultStore(tmp_path / "out").close()  # free again once the first is closed


def test_plot_labels_keep_only_what_varies() -> None:
    from brainweave.sweeps.summary import split_labels

    labels = ["agents=all rounds=0 k=3", "agents=all rounds=1 k=3"]
    assert split_labels(labels) == (["rounds=0", "rounds=1"], "agents=all k=3")
    assert split_labels(["agents=all"]) == (["default"], "agents=all")
