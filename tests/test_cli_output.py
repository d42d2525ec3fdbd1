"""What the CLI prints, in a terminal (`rich`, forced) and redirected (plain lines):
snapshots of both, so a change to either is a deliberate one. Refresh with
BRAINWEAVE_UPDATE_SNAPSHOTS=1 after such a change and read the diff."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from brainweave.cli import app, output

SNAPSHOTS = Path(__file__).parent / "snapshots"


def _invoke(args: list[str], home: Path, *, terminal: bool, monkeypatch: pytest.MonkeyPatch):
    from rich.console import Console

    def console(err: bool = False) -> Console:
        if terminal:
            return Console(stderr=err, force_terminal=True, color_system=None, width=100)
        return Console(stderr=err, force_terminal=False, width=100)

    monkeypatch.setattr(output, "_console", console)
    monkeypatch.setenv("BRAINWEAVE_HOME", str(home))
    monkeypatch.setenv("BRAINWEAVE_PROFILE", "fast")
    environ = dict(os.environ)  # the CLI quiets libraries through the environment
    try:
        result = CliRunner().invoke(app, args, catch_exceptions=False)
    finally:
        os.environ.clear()
        os.environ.update(environ)
    assert result.exit_code == 0, result.output
    return result


def _check(name: str, text: str, home: Path) -> None:
    # rich pads a title to the table's width: trailing blanks depend on the path's length
    text = "\n".join(line.rstrip() for line in text.replace(str(home), "<HOME>").splitlines())
    path = SNAPSHOTS / name
    if os.environ.get("BRAINWEAVE_UPDATE_SNAPSHOTS") or not path.exists():
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def _runs_home(home: Path) -> Path:
    for i, (q, n) in enumerate(
        [("APOE and hippocampal atrophy?", 3), ("Dopamine, reward and Parkinson disease?", 0)]
    ):
        rec = home / "runs" / f"2026010{i + 1}-120000-abc00{i}" / "provenance.json"
        rec.parent.mkdir(parents=True)
        doc = {
            "run_id": rec.parent.name,
            "question": q,
            "hypotheses": [{}] * n,
            "provenance": {"started_at": f"2026-01-0{i + 1}T12:00:00+00:00"},
        }
        rec.write_text(json.dumps(doc))
    return home


@pytest.mark.parametrize("terminal", [True, False], ids=["terminal", "redirected"])
def test_runs_list_snapshot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, terminal: bool):
    home = _runs_home(tmp_path / "home")
    r = _invoke(["runs", "list"], home, terminal=terminal, monkeypatch=monkeypatch)
    _check(f"cli_runs_list_{'terminal' if terminal else 'redirected'}.txt", r.stdout, home)
    if terminal:
        assert "┃" in r.stdout or "│" in r.stdout  # a rich table
    else:
        assert "\x1b[" not in r.stdout and "│" not in r.stdout  # plain, tab-separated
        rows = [line.split("\t") for line in r.stdout.splitlines()]
        assert rows[0] == ["run", "question", "started", "state", "hypotheses"]
        assert [row[4] for row in rows[1:]] == ["0", "3"]


@pytest.mark.parametrize("terminal", [True, False], ids=["terminal", "redirected"])
def test_corpus_list_snapshot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, terminal: bool):
    home = tmp_path / "home"
    r = _invoke(["corpus", "list"], home, terminal=terminal, monkeypatch=monkeypatch)
    _check(f"cli_corpus_list_{'terminal' if terminal else 'redirected'}.txt", r.stdout, home)
    # the data directory does not exist: said, on stderr
    assert "does not exist" in r.stderr and "--data" in r.stderr


@pytest.mark.parametrize(
    "command",
    [["ask"], ["search"], ["sweep"], ["index", "build"], ["runs", "list"], ["runs", "resume"]],
    ids=lambda c: "-".join(c),
)
def test_help_has_examples_and_no_oddities(command: list[str]) -> None:
    r = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "120"})
    assert r.exit_code == 0
    text = re.sub(r"\x1b\[[0-9;]*m", "", r.output)
    assert "Examples" in text
    for odd in ("<bool>", "--k -k", "{question}", "[default: None]"):
        assert odd not in text, (odd, text)


def test_library_noise_is_off_unless_verbose(tmp_path: Path) -> None:
    """transformers' FutureWarnings and "Loading weights" bars stay out of normal
    output; `-v` leaves them on (checked in a fresh interpreter: the switches are
    process-wide)."""
    import subprocess
    import sys

    code = (
        "import os, sys, warnings; from typer.testing import CliRunner; "
        "from brainweave.cli import app; "
        "CliRunner().invoke(app, sys.argv[1:] + ['runs', 'list']); "
        "warnings.warn('deprecated thing', FutureWarning); "
        # what transformers and huggingface_hub read when they are imported
        "print('bars', os.environ.get('HF_HUB_DISABLE_PROGRESS_BARS'), "
        "os.environ.get('TRANSFORMERS_VERBOSITY'))"
    )
    env = {**os.environ, "BRAINWEAVE_HOME": str(tmp_path)}
    for k in ("TRANSFORMERS_VERBOSITY", "HF_HUB_DISABLE_PROGRESS_BARS", "PYTHONWARNINGS"):
        env.pop(k, None)
    quiet = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    loud = subprocess.run(
        [sys.executable, "-c", code, "-v"], capture_output=True, text=True, env=env
    )
    assert "bars 1 error" in quiet.stdout and "deprecated thing" not in quiet.stderr
    assert "bars None None" in loud.stdout and "deprecated thing" in loud.stderr


@pytest.mark.parametrize("terminal", [True, False], ids=["terminal", "redirected"])
def test_bench_brainbench_snapshot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, terminal: bool):
    """12 real BrainBench items through the fast profile's lexical scorer: the result as
    tables with 95% intervals on stdout; the progress on stderr (a line per item when
    redirected, as 12 items make tenths of one item)."""
    from tests.conftest import DATA_DIR

    csv_path = DATA_DIR / "brainbench" / "BrainBench_Human_v0.1.csv"
    home = tmp_path / "home"
    args = ["bench", "brainbench", "--testcases", str(csv_path), "--limit", "12"]
    r = _invoke(args, home, terminal=terminal, monkeypatch=monkeypatch)
    _check(f"cli_bench_{'terminal' if terminal else 'redirected'}.txt", r.stdout, home)
    assert "kept for the review app's BrainBench page" in r.stderr, "notes go to stderr"
    if terminal:
        assert "┃" in r.stdout or "│" in r.stdout
    else:
        assert "\x1b[" not in r.stdout and "│" not in r.stdout
        blocks = [b.splitlines() for b in r.stdout.strip().split("\n\n")]
        assert [b[0].split("\t")[0] for b in blocks] == ["model", "journal section", "quintile"]
        overall = dict(zip(blocks[0][0].split("\t"), blocks[0][1].split("\t"), strict=True))
        assert overall["items"] == "12" and "–" in overall["95% interval"]
        assert "BrainBench: 12/12 items" in r.stderr.splitlines()


@pytest.fixture(scope="module")
def sweep_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.sweep_fixtures import build_fast_home

    return build_fast_home(tmp_path_factory.mktemp("sweep-out") / "home")


@pytest.mark.parametrize("terminal", [True, False], ids=["terminal", "redirected"])
def test_sweep_snapshot(
    sweep_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, terminal: bool
):
    """A real two-run sweep (fast profile): its summary as tables on stdout, the bar on
    stderr (a line per finished run when redirected). The snapshot has its digits
    masked (how many hypotheses the pipeline finds is not this test's business); the
    numbers are checked against the sweep's own files."""
    import yaml

    from tests.sweep_fixtures import QUESTIONS, spec_dict

    spec = tmp_path / "sweep.yaml"
    spec.write_text(yaml.safe_dump(spec_dict(sweep_home, QUESTIONS[:1], rounds=[0, 1])))
    out = tmp_path / "out"
    r = _invoke(["sweep", str(spec), "--out", str(out)], sweep_home, terminal=terminal,
                monkeypatch=monkeypatch)  # fmt: skip
    masked = re.sub(r"\d", "#", r.stdout)
    _check(f"cli_sweep_{'terminal' if terminal else 'redirected'}.txt", masked, sweep_home)
    assert f"results in {out}" in r.stderr
    import pandas as pd

    n_hyps = len(pd.read_parquet(out / "hypotheses.parquet"))
    assert re.search(rf"\b2\b.*\b2\b.*\b0\b.*\b{n_hyps}\b", r.stdout), r.stdout
    if not terminal:
        first = r.stdout.splitlines()[:2]
        assert first[0].split("\t") == ["runs", "done", "failed", "hypotheses"]
        assert first[1].split("\t")[:3] == ["2", "2", "0"]
        assert [ln for ln in r.stderr.splitlines() if ln.startswith("sweep (")] == [
            "sweep (serial, 1 worker): 1/2 runs",
            "sweep (serial, 1 worker): 2/2 runs",
        ]
