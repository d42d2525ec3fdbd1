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
    # click's plain help: no `<bool>` beside flags, examples kept as written
    rich_markup_mode=None,
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
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose", "-v", help="log progress details, and the libraries' own warnings"
        ),
    ] = False,
) -> None:
    _log_to_stderr(logging.INFO if verbose else logging.WARNING)
    if not verbose:
        quiet_libraries()
    ctx.obj = {"config": config, "profile": profile}


_HANDLER: logging.Handler | None = None


def _log_to_stderr(level: int) -> None:
    """Log records to the current stderr (one handler, replaced per invocation, so a
    test that runs several commands in one process sees each one's messages)."""
    global _HANDLER
    root = logging.getLogger()
    if _HANDLER is not None:
        root.removeHandler(_HANDLER)
    _HANDLER = logging.StreamHandler(sys.stderr)
    _HANDLER.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(_HANDLER)
    root.setLevel(level)


# loggers of libraries that report at WARNING what is no news to a brainweave user
_NOISY = ("transformers", "sentence_transformers", "huggingface_hub", "torch", "faiss", "httpx")


def quiet_libraries() -> None:
    """Keep the libraries' warnings and loading bars out of normal output (``-v`` shows
    them): transformers' FutureWarnings and "Loading weights" bars, hub download bars.

    Set in the environment too, so spawned sweep workers are as quiet."""
    import warnings

    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("PYTHONWARNINGS", "ignore::FutureWarning,ignore::DeprecationWarning")
    for category in (FutureWarning, DeprecationWarning):
        warnings.filterwarnings("ignore", category=category)
    warnings.filterwarnings("ignore", category=UserWarning, module=r"(torch|transformers)\b")
    for name in _NOISY:
        logging.getLogger(name).setLevel(logging.ERROR)
    if "transformers" in sys.modules:  # already imported: its own switches
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()


def _register() -> None:
    from brainweave.cli import corpus, entities, index, search
    from brainweave.cli.common import Command

    app.add_typer(index.app, name="index")
    app.add_typer(corpus.app, name="corpus")
    app.command("search", epilog=search.EXAMPLES, cls=Command)(search.search)
    app.command("entities", cls=Command)(entities.entities)
    from brainweave.cli import bench, models, plausibility, scorer

    app.add_typer(bench.app, name="bench")
    app.add_typer(models.app, name="models")
    app.add_typer(scorer.app, name="scorer")
    app.command("plausibility", cls=Command)(plausibility.plausibility)
    from brainweave.cli import agents, ask, runs

    app.add_typer(agents.app, name="agents")
    app.command("ask", epilog=ask.EXAMPLES, cls=Command)(ask.ask)
    app.add_typer(runs.app, name="runs")
    from brainweave.cli import sweep

    app.command("sweep", epilog=sweep.EXAMPLES, cls=Command)(sweep.sweep)
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
