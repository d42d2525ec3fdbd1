"""`brainweave bench brainbench`: the BrainBench evaluation of a scorer model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from brainweave.cli.common import settings_from
from brainweave.errors import ConfigError

app = typer.Typer(
    help="Benchmarks of the perplexity scorer.", no_args_is_help=True, rich_markup_mode=None
)


@app.command("brainbench")
def brainbench(
    ctx: typer.Context,
    testcases: Annotated[
        Path, typer.Option(help="BrainBench CSV (e.g. BrainBench_Human_v0.1.csv)")
    ],
    model: Annotated[
        str | None, typer.Option(help="alias, Hugging Face id or local path (default: settings)")
    ] = None,
    limit: Annotated[int | None, typer.Option(help="only the first N items", min=1)] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="write the results here")] = None,
    plot: Annotated[
        Path | None, typer.Option(help="calibration PNG (default: next to --json)")
    ] = None,
    dtype: Annotated[str | None, typer.Option(help="fp32 (exact) or bf16 (approximate)")] = None,
    straightforward: Annotated[
        bool, typer.Option(help="one full forward pass per text, no prefix sharing")
    ] = False,
    backend: Annotated[
        str | None,
        typer.Option(
            help="scorer backend: transformers (fp32/bf16), llamacpp (the GGUF as quantized) "
            "or openai-logprobs (a server at scorer.base_url); default: settings"
        ),
    ] = None,
    base_url: Annotated[
        str | None, typer.Option(help="openai-logprobs: the server's /v1 URL")
    ] = None,
) -> None:
    """Score each item's two abstracts; the lower perplexity is the model's choice."""
    from brainweave.scoring.backends import BACKENDS, make_scorer
    from brainweave.scoring.brainbench import (
        evaluate,
        format_table,
        load_testcases,
        plot_calibration,
    )

    if dtype not in (None, "fp32", "bf16"):
        raise ConfigError(f"unknown dtype {dtype!r}", "choose fp32 or bf16")
    if backend is not None and backend not in BACKENDS:
        raise ConfigError(f"unknown scorer backend {backend!r}", f"choose {', '.join(BACKENDS)}")
    over = {"provider": backend, "model": model, "dtype": dtype, "base_url": base_url}
    scorer_over = {k: v for k, v in over.items() if v}
    settings = settings_from(ctx, scorer=scorer_over or None)
    cases = load_testcases(testcases)[:limit]
    scorer = make_scorer(settings)
    with _progress(len(cases)) as bar:
        result = evaluate(scorer, cases, fast=not straightforward, progress=bar.update)
    typer.echo(format_table(result))
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(result.model_dump_json(indent=2), encoding="utf-8")
        typer.echo(f"results in {json_out}")
    png = plot or (json_out.with_suffix(".png") if json_out else None)
    if png:
        plot_calibration(result, png)
        typer.echo(f"calibration plot in {png}")
    kept = keep_for_app(result, settings.home)
    typer.echo(f"kept for the review app's BrainBench page: {kept}")


def keep_for_app(result: Any, home: Path) -> Path:
    """A copy of the result and its calibration plot in ``HOME/bench/<model>.json``
    and ``.png``, where the review app's BrainBench page looks for them."""
    from brainweave.scoring.brainbench import plot_calibration
    from brainweave.ui.bench import paths_for

    js, png = paths_for(home, result.model)
    js.parent.mkdir(parents=True, exist_ok=True)
    js.write_text(result.model_dump_json(indent=2), encoding="utf-8")
    plot_calibration(result, png)
    return js


def _progress(total: int) -> Any:
    """A `rich` bar in a terminal, a line per tenth of the items when redirected;
    ``.update(n)`` advances it (as tqdm's does, which ``evaluate`` was written for)."""
    import contextlib
    import types

    from brainweave.cli import output

    @contextlib.contextmanager
    def bar() -> Any:
        with output.progress(total, "BrainBench", unit="item") as advance:
            yield types.SimpleNamespace(update=advance)

    return bar()
