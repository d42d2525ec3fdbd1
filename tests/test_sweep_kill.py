"""Interrupt a real `brainweave sweep` process (kill -9, Ctrl-C, a full disk) part-way,
rerun the same command, and check that every run is there exactly once."""

from __future__ import annotations

import contextlib
import json
import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from brainweave.sweeps.runner import plan
from tests.sweep_fixtures import build_fast_home, many_questions, spec_dict, write_spec

N = 30


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_fast_home(tmp_path_factory.mktemp("sweepkill") / "home")


@pytest.fixture
def spec(home: Path, tmp_path: Path) -> Path:
    return write_spec(tmp_path / "spec.yaml", spec_dict(home, many_questions(N), rounds=[1]))


def start(
    spec: Path, out: Path, *extra: str, preexec: Callable[[], None] | None = None
) -> subprocess.Popen[bytes]:
    def as_a_terminal_job() -> None:
        # a job started from a terminal takes Ctrl-C; a test runner started in the
        # background (`cmd &`) may ignore SIGINT, and its children would inherit that
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        if preexec is not None:
            preexec()

    cmd = [sys.executable, "-m", "brainweave", "sweep", str(spec), "--out", str(out)]
    return subprocess.Popen(
        [*cmd, "--no-progress", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, as a shell job would be
        preexec_fn=as_a_terminal_job,
    )


def wait_for_lines(out: Path, n: int, proc: subprocess.Popen[bytes], limit_s: float = 90) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        path = out / "runs.jsonl"
        if path.exists() and path.read_bytes().count(b"\n") >= n:
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    raise AssertionError(f"fewer than {n} runs finished in {limit_s} s")


def finish(proc: subprocess.Popen[bytes]) -> tuple[int, str]:
    try:
        _, err = proc.communicate(timeout=120)
    finally:
        with contextlib.suppress(ProcessLookupError):  # stragglers of our own group
            os.killpg(proc.pid, signal.SIGKILL)
    return proc.returncode, err.decode()


def check_complete(spec: Path, out: Path) -> None:
    raw = (out / "runs.jsonl").read_bytes()
    assert raw.endswith(b"\n")
    records = [json.loads(line) for line in raw.splitlines()]  # every line parses
    ids = [r["run_id"] for r in records]
    assert len(ids) == len(set(ids)), "a run was written twice"
    assert set(ids) == {t.run_id for t in plan(spec)}, "a run is missing"
    assert all(r["status"] == "ok" and r["hypotheses"] is not None for r in records)
    import pandas as pd

    table = pd.read_parquet(out / "hypotheses.parquet")
    assert set(table["run_id"]) <= set(ids)
    assert len(table) == sum(len(r["hypotheses"]) for r in records)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_kill_9_then_rerun_finishes_exactly_once(spec: Path, tmp_path: Path, workers: str) -> None:
    out = tmp_path / "out"
    proc = start(spec, out, "--workers", workers)
    wait_for_lines(out, 3, proc)
    os.kill(proc.pid, signal.SIGKILL)  # the sweep process only, as `kill -9 PID` does
    code, _ = finish(proc)
    assert code == -signal.SIGKILL
    done = (out / "runs.jsonl").read_bytes().count(b"\n")
    assert 3 <= done < N, "killed part-way"
    # what a kill in the middle of a write leaves: half a line
    with open(out / "runs.jsonl", "ab") as fh:
        fh.write(b'{"run_id": "sw-torn", "status": "ok", "hypo')
    code, err = finish(start(spec, out, "--workers", workers))
    assert code == 0, err
    assert "torn last line" in err
    check_complete(spec, out)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_ctrl_c_stops_cleanly_and_rerun_finishes(spec: Path, tmp_path: Path, workers: str) -> None:
    out = tmp_path / "out"
    proc = start(spec, out, "--workers", workers)
    wait_for_lines(out, 3, proc)
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C reaches the whole foreground group
    code, err = finish(proc)
    assert code == 130, err
    assert "rerun the same command" in err
    assert "Traceback" not in err
    raw = (out / "runs.jsonl").read_bytes()
    assert raw.endswith(b"\n") and 3 <= raw.count(b"\n") < N
    assert (out / "hypotheses.parquet").exists()  # written on the way out
    code, err = finish(start(spec, out))
    assert code == 0, err
    check_complete(spec, out)


def test_full_disk_stops_with_a_clear_error_and_rerun_finishes(spec: Path, tmp_path: Path) -> None:
    """A file-size limit stands in for a full disk: writes past it fail (EFBIG), whether
    they are the runs' checkpoints (the runs fail and are recorded) or the results
    (the sweep stops). Either way the rerun finishes the sweep."""
    out = tmp_path / "out"
    limit = 200_000

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    code, err = finish(start(spec, out, preexec=limited))
    assert code == 1, err
    assert "rerun the same command" in err, err
    raw = (out / "runs.jsonl").read_bytes()
    assert not raw or raw.endswith(b"\n")
    assert raw.count(b"\n") < N
    code, err = finish(start(spec, out))
    assert code == 0, err
    check_complete(spec, out)
