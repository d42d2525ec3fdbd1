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
