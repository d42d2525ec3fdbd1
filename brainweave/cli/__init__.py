"""The `brainweave` command line. Each command group lives in its own module."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from brainweave.errors import BrainweaveError

app = typer.Typer(
    name="brainweave",
    help="Cross-domain neuroscience hypotheses from genetics, neuroimaging and clinical evidence.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _global(
    ctx: typer.Context,
    config: Annotated[
        Path | None, typer.Option(help="TOML settings file (or BRAINWEAVE_CONFIG)")
    ] = None,
    profile: Annotated[
        str | None, typer.Option(help="settings profile: default or fast (or BRAINWEAVE_PROFILE)")
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="log progress details")] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    ctx.obj = {"config": config, "profile": profile}


def _register() -> None:
    from brainweave.cli import corpus, index, search

    app.add_typer(index.app, name="index")
    app.add_typer(corpus.app, name="corpus")
    app.command("search")(search.search)
    from brainweave.cli import bench, models, plausibility

    app.add_typer(bench.app, name="bench")
    app.add_typer(models.app, name="models")
    app.command("plausibility")(plausibility.plausibility)
    from brainweave.cli import agents, ask

    app.add_typer(agents.app, name="agents")
    app.command("ask")(ask.ask)
    from brainweave.cli import sweep

    app.command("sweep")(sweep.sweep)
    from brainweave.cli import ui

    app.command("ui")(ui.ui)


_register()


def main() -> None:
    """Run the CLI; a BrainweaveError becomes a clear message and exit code 1."""
    try:
        code = app(standalone_mode=False)
        # click returns a command's `typer.Exit(code)` instead of raising it here
        if isinstance(code, int) and code:
            sys.exit(code)
    except BrainweaveError as err:
        typer.secho(f"error: {err}", fg=typer.colors.RED, err=True)
        sys.exit(1)
    except (typer.Exit, SystemExit) as exc:
        code = getattr(exc, "exit_code", getattr(exc, "code", 0))
        if code == 130:
            _leave_interrupted()
        sys.exit(code)
    except typer.Abort:
        typer.echo("aborted", err=True)
        _leave_interrupted()
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        _leave_interrupted()
    except Exception as exc:
        # usage errors (bad option values, missing arguments) from click, or from the
        # copy of click that newer Typer releases carry: show them as click would
        show, code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if callable(show) and isinstance(code, int):
            show()
            sys.exit(code)
        raise


def _leave_interrupted() -> NoReturn:
    """Exit 130 after a Ctrl-C without tearing the interpreter down.

    The interrupted run's threads (LangGraph's node threads, a time-limited LLM call,
    their SQLite checkpointer) may still be going; what is finished is already on disk
    (a sweep's results are fsynced line by line). Finalising Python under those threads
    once crashed a Ctrl-C'd sweep in CI with SIGSEGV instead of exiting 130.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(130)
