"""`brainweave plausibility "STATEMENT"`: a hypothesis against its counterfactual variants."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from brainweave.cli.common import settings_from
from brainweave.errors import BrainweaveError


def plausibility(
    ctx: typer.Context,
    statement: Annotated[
        str, typer.Argument(help="the hypothesis, one sentence", metavar="STATEMENT")
    ],
    context: Annotated[
        Path | None, typer.Option("--context", help="text file with the evidence to condition on")
    ] = None,
    model: Annotated[str | None, typer.Option(help="scorer model (default: settings)")] = None,
    max_variants: Annotated[int, typer.Option(help="counterfactual variants", min=1)] = 8,
    as_json: Annotated[bool, typer.Option("--json", help="print everything as JSON")] = False,
) -> None:
    """Score how plausible a statement is against altered versions of its result."""
    from brainweave.scoring.backends import make_scorer
    from brainweave.scoring.plausibility import describe, score_hypotheses

    if not statement.strip():
        raise BrainweaveError("the statement is empty", "give the hypothesis to score in quotes")
    evidence = None
    if context is not None:
        if not context.is_file():
            raise BrainweaveError(f"context file {context} does not exist", "pass a text file")
        evidence = context.read_text(encoding="utf-8")
    settings = settings_from(ctx, scorer={"model": model} if model else None)
    scorer = make_scorer(settings)
    (r,) = score_hypotheses([statement], evidence, scorer=scorer, max_variants=max_variants)
    if as_json:
        typer.echo(r.model_dump_json(indent=2))
        return
    if not r.scorable:
        typer.secho(f"not scorable: {r.reason}", fg=typer.colors.YELLOW)
        return
    assert r.score is not None and r.plausibility is not None
    typer.secho(f"plausibility {describe(r.plausibility, r.band, r.interval)}", bold=True)
    typer.echo(f"  what it is: {r.meaning}")
    typer.echo(f"  {r.quality}")
    typer.echo(f"  P(real among all {len(r.variants) + 1} candidates) {r.p_vs_all:.3f}")
    typer.echo(f"  calibration: {r.calibration}")
    typer.echo(
        f"  statement: perplexity {r.score.perplexity:.2f}, log-likelihood "
        f"{r.score.sum_logprob:.2f} over {r.score.n_tokens} tokens"
    )
    if r.memorised:
        typer.secho(
            f"  memorisation ratio {r.score.memorisation_ratio:.3f}: likely recited, not inferred",
            fg=typer.colors.YELLOW,
        )
    typer.echo(f"  {'gap':>7} {'p_real':>7} {'ppl':>8}  variant")
    for v in r.variants:
        typer.echo(
            f"  {v.gap:7.2f} {v.p_real:7.3f} {v.perplexity:8.2f}  [{v.kind}: "
            f"{v.original} -> {v.altered}] {v.text}"
        )
