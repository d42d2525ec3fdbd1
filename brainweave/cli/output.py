"""How the CLI shows things: `rich` tables and progress in a terminal, plain lines
when redirected.

Results go to stdout, everything else (notes, hints, progress) to stderr, so
``brainweave ... > file`` keeps only the results. When stdout is not a terminal,
tables are printed as tab-separated lines under a header, without colour or box
characters, which ``cut``, ``awk`` and pandas read as they are. Progress in a
terminal is a live `rich` display on stderr; redirected, it is one plain line per
finished stage, so a log still shows how far a run got.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import typer

OnUpdate = Callable[[str, dict[str, Any]], None]


def _console(err: bool = False) -> Any:
    from rich.console import Console

    # rich decides colour and width from the stream; FORCE_COLOR/NO_COLOR/COLUMNS apply
    return Console(stderr=err, highlight=False, soft_wrap=False)


def is_terminal(err: bool = False) -> bool:
    return bool(_console(err).is_terminal)


def table(
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    title: str | None = None,
    numeric: Sequence[str] = (),
) -> None:
    """A table on stdout: `rich` in a terminal, tab-separated lines otherwise."""
    console = _console()
    if not console.is_terminal:
        typer.echo("\t".join(columns))
        for row in rows:
            typer.echo("\t".join(" ".join(str(c).split()) for c in row))
        return
    from rich.table import Table

    t = Table(title=title, title_justify="left", header_style="bold")
    for c in columns:
        t.add_column(c, justify="right" if c in numeric else "left", overflow="fold")
    for row in rows:
        t.add_row(*(str(c) for c in row))
    console.print(t)


def heading(text: str) -> None:
    """A bold line on stdout (plain when redirected)."""
    typer.secho(text, bold=True)


def note(text: str) -> None:
    typer.secho(text, fg=typer.colors.CYAN, err=True)


def warn(text: str) -> None:
    typer.secho(f"warning: {text}", fg=typer.colors.YELLOW, err=True)


def hint(text: str) -> None:
    typer.secho(f"  -> {text}", dim=True, err=True)


@contextlib.contextmanager
def stages(label: str) -> Iterator[OnUpdate]:
    """A progress display for a graph run; yields the ``on_update`` callback.

    In a terminal: a spinner on stderr with the current stage and the time so far.
    Redirected: one line per finished step on stderr ("label: <what it did> (12.3 s)").
    """
    t0 = time.perf_counter()
    console = _console(err=True)

    def line(node: str, update: dict[str, Any]) -> str:
        return f"{_describe(node, update)} ({time.perf_counter() - t0:.1f} s)"

    if not console.is_terminal:

        def plain(node: str, update: dict[str, Any]) -> None:
            typer.echo(f"{label}: {line(node, update)}", err=True)

        yield plain
        return
    with console.status(f"{label}: planning", spinner="dots") as status:

        def live(node: str, update: dict[str, Any]) -> None:
            console.print(f"[dim]{label}:[/dim] {line(node, update)}", markup=True)
            status.update(f"{label}: {_next_stage(node)}")

        yield live


def _describe(node: str, update: dict[str, Any]) -> str:
    try:
        from brainweave.ui.jobs import describe

        return describe(node, update).text
    except Exception:  # the app's wording is a nicety; a node name will do
        return node


_NEXT = {
    "plan": "agents retrieving",
    "agent": "agents retrieving",
    "exchange": "agents exchanging findings",
    "synthesise": "scoring",
    "score": "ranking",
}


def _next_stage(node: str) -> str:
    return _NEXT.get(node, "working")


@contextlib.contextmanager
def progress(total: int, description: str, unit: str = "item") -> Iterator[Callable[[int], Any]]:
    """A progress bar on stderr in a terminal; redirected, a line at each tenth.

    Yields ``advance(n)``."""
    console = _console(err=True)
    if not console.is_terminal:
        done = 0
        step = max(1, total // 10)

        def plain(n: int = 1) -> None:
            nonlocal done
            before, done = done, done + n
            if done // step != before // step or done >= total:
                typer.echo(f"{description}: {min(done, total)}/{total} {unit}s", err=True)

        yield plain
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    ) as bar:
        task = bar.add_task(description, total=total)

        def advance(n: int = 1) -> None:
            bar.advance(task, n)

        yield advance
