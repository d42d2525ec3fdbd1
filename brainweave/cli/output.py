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


def gap() -> None:
    """A blank line on stdout between two tables (so redirected blocks stay apart)."""
    typer.echo("")


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


class Bar:
    """A progress bar on stderr: `rich` in a terminal; redirected, a line at each tenth
    ("label: 40/100 runs, 1 failed"). ``update(n)``, ``set_postfix(**what)`` and
    ``close()`` are tqdm's, so code written for tqdm takes it as it is."""

    def __init__(self, total: int, description: str, unit: str = "item", initial: int = 0):
        self.total, self.description, self.unit = total, description, unit
        self.done, self.postfix = initial, ""
        self._step = max(1, total // 10)
        console = _console(err=True)
        self._rich: Any = None
        if console.is_terminal:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._rich = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                TextColumn("{task.fields[postfix]}"),
                console=console,
                transient=False,
            )
            self._task = self._rich.add_task(
                description, total=total, completed=initial, postfix=""
            )
            self._rich.start()

    def update(self, n: int = 1) -> None:
        before, self.done = self.done, self.done + n
        if self._rich is not None:
            self._rich.update(self._task, completed=self.done)
        elif self.done // self._step != before // self._step or self.done >= self.total:
            typer.echo(self._line(), err=True)

    def set_postfix(self, **what: Any) -> None:
        self.postfix = ", ".join(f"{v} {k}" for k, v in what.items())
        if self._rich is not None:
            self._rich.update(self._task, postfix=self.postfix)

    def close(self) -> None:
        if self._rich is not None:
            self._rich.stop()
            self._rich = None

    def _line(self) -> str:
        tail = f", {self.postfix}" if self.postfix else ""
        return f"{self.description}: {min(self.done, self.total)}/{self.total} {self.unit}s{tail}"


@contextlib.contextmanager
def progress(total: int, description: str, unit: str = "item") -> Iterator[Callable[[int], Any]]:
    """:class:`Bar` as a context; yields ``advance(n)``."""
    bar = Bar(total, description, unit)
    try:
        yield bar.update
    finally:
        bar.close()
