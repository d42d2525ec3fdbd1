"""`brainweave ui` starts Streamlit on the app file, bound to localhost, with the
global options passed on as environment; `bench brainbench` keeps its result
where the app's BrainBench page finds it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
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

    def fake_exec(path: str, cmd: list[str], env: dict[str, str]) -> None:
        assert path == cmd[0]
        calls.append((cmd, env))

    monkeypatch.setattr(ui_cli.os, "execve", fake_exec)
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

    monkeypatch.setattr(ui_cli.os, "execve", boom)
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _group(pgid: int) -> list[int]:
    """Live processes (not zombies) in a process group."""
    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            out.append(int(d.name))
    return out


def test_sigterm_stops_the_server(tmp_path: Path) -> None:
    """A supervisor stops `brainweave ui` with SIGTERM: the server stops with it, its port
    is free and no process of it is left (issue 16, item 9)."""
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("BRAINWEAVE_")},
        "BRAINWEAVE_HOME": str(tmp_path / "home"),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "brainweave", "--profile", "fast", "ui", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own group: whatever it leaves is findable
    )
    try:
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/_stcore/health", timeout=2
                ) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            assert proc.poll() is None and time.time() < deadline, "the app did not start"
            time.sleep(0.3)
        proc.send_signal(signal.SIGTERM)  # to the command's pid only, as a supervisor does
        proc.wait(20)
        deadline = time.time() + 10
        while _group(proc.pid) and time.time() < deadline:
            time.sleep(0.2)
        assert _group(proc.pid) == [], "a process of `brainweave ui` outlived it"
        with socket.socket() as s:  # no one listens on the port any more
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", port))
            s.listen()
    finally:
        for pid in _group(proc.pid):
            os.kill(pid, signal.SIGKILL)
