"""`brainweave ui`: start the Streamlit review app, bound to localhost by default.

The command becomes ``streamlit run`` (the process is replaced with ``exec``), so
the pid a supervisor or a shell started is the server's: SIGTERM, SIGINT or
SIGHUP sent to ``brainweave ui`` reach Streamlit itself and stop it, and no
server is left behind reparented to init. The global ``--profile`` and
``--config`` reach it through the environment (BRAINWEAVE_PROFILE,
BRAINWEAVE_CONFIG), as does BRAINWEAVE_HOME, so it reads the same settings as
every other command.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from brainweave.cli.common import settings_from
from brainweave.errors import BrainweaveError


def app_path() -> Path:
    """The app's script, found without importing it (importing runs the app)."""
    spec = importlib.util.find_spec("brainweave.ui.app")
    if spec is None or spec.origin is None:
        raise BrainweaveError("the review app is not installed", "reinstall brainweave")
    return Path(spec.origin)


def streamlit_command(host: str, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app_path()),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "minimal",
        # the app shows its own errors with a next step; anything it missed shows no traceback
        "--client.showErrorDetails",
        "type",
    ]


def app_env(obj: dict[str, Any], home: Path) -> dict[str, str]:
    """The environment of the app process: ours plus the global options as variables."""
    env = dict(os.environ)
    if obj.get("profile"):
        env["BRAINWEAVE_PROFILE"] = str(obj["profile"])
    if obj.get("config"):
        env["BRAINWEAVE_CONFIG"] = str(Path(obj["config"]).resolve())
    env["BRAINWEAVE_HOME"] = str(home)
    return env


def ui(
    ctx: typer.Context,
    host: Annotated[
        str, typer.Option(help="address to bind; 0.0.0.0 exposes the app to the network")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on", min=1, max=65535)] = 8501,
) -> None:
    """Start the review app (Streamlit): ask, watch the agents, review hypotheses."""
    settings = settings_from(ctx)  # bad settings fail here, with their message
    obj = ctx.find_root().obj or {}
    cmd = streamlit_command(host, port)
    typer.echo(f"brainweave review app on http://{host}:{port} (Ctrl-C stops it)")
    typer.echo(f"decisions are kept in {settings.home / 'reviews.sqlite'}")
    env = app_env(obj, settings.home)
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execve(cmd[0], cmd, env)  # returns only on failure
    except OSError as err:
        raise BrainweaveError(
            f"cannot start Streamlit ({cmd[0]}): {err}", "reinstall brainweave in this environment"
        ) from err
