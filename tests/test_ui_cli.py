"""`brainweave ui` starts Streamlit on the app file, bound to localhost, with the
global options passed on as environment; `bench brainbench` keeps its result
where the app's BrainBench page finds it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from brainweave.cli import app
from brainweave.cli import ui as ui_cli
from brainweave.cli.bench import keep_for_app
from brainweave.scoring.brainbench import BrainBenchResult, ItemResult
from brainweave.ui.bench import latest_for


def test_command_binds_localhost_and_passes_settings_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[list[str], dict[str, str]]] = []

    def fake_call(cmd: list[str], env: dict[str, str]) -> int:
        calls.append((cmd, env))
        return 0

    monkeypatch.setattr(ui_cli.subprocess, "call", fake_call)
    cfg = tmp_path / "bw.toml"
    cfg.write_text("[agents]\nrounds = 2\n")
    res = CliRunner().invoke(app, ["--profile", "fast", "--config", str(cfg), "ui"])
    assert res.exit_code == 0, res.output
    ((cmd, env),) = calls
    assert cmd[1:4] == ["-m", "streamlit", "run"]
    assert Path(cmd[4]) == Path(__file__).resolve().parents[1] / "ui" / "app.py"
    assert cmd[cmd.index("--server.address") + 1] == "127.0.0.1"
    assert cmd[cmd.index("--server.port") + 1] == "8501"
    assert env["BRAINWEAVE_PROFILE"] == "fast" and env["BRAINWEAVE_CONFIG"] == str(cfg)
    assert env["BRAINWEAVE_HOME"] == str(tmp_path / "home")
    res = CliRunner().invoke(app, ["ui", "--host", "0.0.0.0", "--port", "9000"])
    cmd = calls[-1][0]
    assert cmd[cmd.index("--server.address") + 1] == "0.0.0.0"
    assert cmd[cmd.index("--server.port") + 1] == "9000"


def test_bad_settings_fail_before_streamlit_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*a: Any, **k: Any) -> int:
        raise AssertionError("streamlit must not start")

    monkeypatch.setattr(ui_cli.subprocess, "call", boom)
    res = CliRunner().invoke(app, ["--profile", "nope", "ui"])
    assert res.exit_code != 0 and "unknown settings profile" in str(res.exception)


def test_bench_keeps_its_result_for_the_app(tmp_path: Path) -> None:
    items = [
        ItemResult(doi=f"d{i}", section="s", ppl=(1.0 + i, 2.0), label=i % 2, choice=0)
        for i in range(10)
    ]
    result = BrainBenchResult(
        model="smollm2-135m-instruct",
        n=10,
        accuracy=0.5,
        ties=0,
        per_section={"s": 0.5},
        items=items,
    )
    js = keep_for_app(result, tmp_path)
    rec = latest_for(tmp_path, "smollm2-135m-instruct")
    assert rec is not None and rec.json_path == str(js) and rec.accuracy == 0.5
    assert rec.png_path and Path(rec.png_path).stat().st_size > 1000
