"""`brainweave bench brainbench`: the BrainBench evaluation of a scorer model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from brainweave.cli import output
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
    from brainweave.scoring.brainbench import evaluate, load_testcases, plot_calibration

    if dtype not in (None, "fp32", "bf16"):
        raise ConfigError(f"unknown dtype {dtype!r}", "choose fp32 or bf16")
    if backend is not None and backend not in BACKENDS:
        raise ConfigError(f"unknown scorer backend {backend!r}", f"choose {', '.join(BACKENDS)}")
    over = {"provider": backend, "model": model, "dtype": dtype, "base_url": base_url}
    scorer_over = {k: v for k, v in over.items() if v}
    settings = settings_from(ctx, scorer=scorer_over or None)
    cases = load_testcases(testcases)[:limit]
    scorer = make_scorer(settings)
    bar = output.Bar(len(cases), "BrainBench", unit="item")
    try:
        result = evaluate(scorer, cases, fast=not straightforward, progress=bar.update)
    finally:
        bar.close()
    show(result)
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(result.model_dump_json(indent=2), encoding="utf-8")
        output.note(f"results in {json_out}")
    png = plot or (json_out.with_suffix(".png") if json_out else None)
    if png:
        plot_calibration(result, png)
        output.note(f"calibration plot in {png}")
    kept = keep_for_app(result, settings.home)
    output.note(f"kept for the review app's BrainBench page: {kept}")


def show(result: Any) -> None:
    """The result as three tables (overall with its 95% interval, per journal section,
    per confidence quintile); tab-separated blocks when redirected."""
    from brainweave.scoring.brainbench import confidence_bins
    from brainweave.ui.bench import wilson

    def pct(k: float, n: int) -> tuple[str, str]:
        ci = wilson(k, n)
        return f"{k / n:.1%}" if n else "–", f"{ci[0]:.1%}–{ci[1]:.1%}" if ci else "–"

    n_correct = int(result.correct().sum())
    acc, ci = pct(n_correct, result.n)
    output.table(
        ["model", "items", "correct", "accuracy", "95% interval", "ties (wrong)"],
        [[result.model, str(result.n), str(n_correct), acc, ci, str(result.ties)]],
        title="BrainBench (human experts: 63.4%)",
        numeric=["items", "correct", "accuracy", "ties (wrong)"],
    )
    counts: dict[str, int] = {}
    for it in result.items:
        counts[it.section] = counts.get(it.section, 0) + 1
    output.gap()
    output.table(
        ["journal section", "n", "accuracy", "95% interval"],
        [
            [sec, str(counts[sec]), *pct(a * counts[sec], counts[sec])]
            for sec, a in result.per_section.items()
        ],
        title="per journal section",
        numeric=["n", "accuracy"],
    )
    output.gap()
    output.table(
        ["quintile", "n", "accuracy", "95% interval", "|ppl gap| range"],
        [
            [
                f"Q{b.quintile}",
                str(b.n),
                *pct(b.accuracy * b.n, b.n),
                f"{b.gap_min:.3g}–{b.gap_max:.3g}",
            ]
            for b in confidence_bins(result)
        ],
        title="per confidence quintile (|perplexity gap|)",
        numeric=["n", "accuracy"],
    )


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
