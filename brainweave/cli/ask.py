"""`brainweave ask QUESTION`: ranked, scored cross-domain hypotheses for one question."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Annotated

import typer

from brainweave.cli.common import settings_from


def ask(
    ctx: typer.Context,
    question: Annotated[str, typer.Argument(help="the research question")],
    agents: Annotated[
        str | None, typer.Option(help="comma-separated agent names (default: all)")
    ] = None,
    rounds: Annotated[int | None, typer.Option(help="exchange rounds, 0 to 5 (default 1)")] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="write the full result as JSON to this file")
    ] = None,
    top: Annotated[int, typer.Option(help="hypotheses to print")] = 5,
) -> None:
    """Ask the domain agents a question; print ranked cross-domain hypotheses."""
    from brainweave.graphs.run import ask as run_ask

    settings = settings_from(ctx)
    result = run_ask(question, agents=agents, rounds=rounds, settings=settings)
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(result.to_json(), indent=2), encoding="utf-8")
    passages = {p["passage_id"]: p for p in result.provenance.get("retrieved", [])}
    for issue in result.issues:
        typer.secho(
            f"note: {issue.agent} ({issue.stage}): {issue.message}",
            fg=typer.colors.YELLOW,
            err=True,
        )
    typer.secho(
        f"run {result.run_id}: {len(result.findings)} findings, "
        f"{len(result.hypotheses)} hypotheses",
        bold=True,
    )
    if result.dropped:
        typer.echo("dropped: " + ", ".join(f"{n} {why}" for why, n in result.dropped.items()))
    if not result.hypotheses:
        typer.echo("no cross-domain hypothesis: the findings share no gene, region or condition")
    for h in result.hypotheses[:top]:
        sc = h.scores
        p = "n/a" if sc.plausibility is None else f"{sc.plausibility:.3f}"
        typer.secho(f"\n{h.rank}. plausibility {p}  [{' + '.join(h.domains)}]", bold=True)
        typer.echo(textwrap.indent(textwrap.fill(h.statement, 96), "   "))
        if h.bridge:
            typer.echo(f"   bridge: {', '.join(h.bridge)}")
        if sc.perplexity is not None:
            flag = "  (memorised?)" if sc.memorised else ""
            typer.echo(f"   perplexity {sc.perplexity:.2f}{flag}")
        elif sc.reason:
            typer.echo(f"   not scored: {sc.reason}")
        for pid in h.passage_ids:
            ps = passages.get(pid, {})
            typer.echo(f"   - {pid}" + (f"  {ps['url']}" if ps.get("url") else ""))
        for cf in sc.counterfactuals[:4]:
            ppl = "" if cf.perplexity is None else f"perplexity {cf.perplexity:.2f}"
            change = f"{cf.original} -> {cf.altered}" if cf.original else cf.text
            typer.echo(f"   vs ({cf.kind}) {change}: {ppl}")
    if json_out is not None:
        typer.echo(f"\nwrote {json_out}")
    typer.echo(f"provenance: {result.provenance.get('record')}")
