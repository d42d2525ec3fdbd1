"""`brainweave sweep SPEC.yaml --out DIR`: questions x a grid of settings, resumable."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from brainweave.cli import output
from brainweave.cli.common import examples

EXAMPLES = examples(
    "brainweave sweep sweep.yaml --out runs/apoe",
    "brainweave sweep sweep.yaml --out runs/apoe --workers 2",
    "brainweave sweep sweep.yaml --out runs/apoe --executor ray",
)


def sweep(
    ctx: typer.Context,
    spec: Annotated[
        Path, typer.Argument(help="the sweep spec (YAML: questions, grid)", metavar="SPEC")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="output directory (resumable)")],
    workers: Annotated[
        int | None,
        typer.Option(help="worker processes (local) or Ray actors (default 1; Ray: its CPUs)"),
    ] = None,
    executor: Annotated[
        str, typer.Option(help="'local' (this machine) or 'ray' (a Ray cluster)")
    ] = "local",
    ray_address: Annotated[
        str | None,
        typer.Option(help="Ray cluster address (default: start a local Ray for this sweep)"),
    ] = None,
    accept: Annotated[
        float, typer.Option(help="plausibility from which a hypothesis looks accepted")
    ] = 0.7,
    progress: Annotated[bool, typer.Option(help="show a progress bar")] = True,
    force: Annotated[
        bool,
        typer.Option(help="write into a non-empty --out that is not a sweep's directory"),
    ] = False,
) -> None:
    """Run every question against every setting of the grid; rerun to resume."""
    from brainweave.sweeps.runner import sweep as run_sweep

    def _bar(total: int, initial: int, label: str) -> output.Bar:
        return output.Bar(total, label, unit="run", initial=initial)

    obj = ctx.find_root().obj or {}
    try:
        hyps = run_sweep(
            spec,
            out,
            workers=workers,
            executor=executor,
            ray_address=ray_address,
            progress=_bar if progress else False,
            accept=accept,
            profile=obj.get("profile"),
            config_file=obj.get("config"),
            force=force,
        )
    except KeyboardInterrupt:
        typer.secho(
            f"interrupted: the finished runs are in {out}; "
            "rerun the same command to finish the rest",
            fg=typer.colors.YELLOW,
            err=True,
        )
        raise typer.Exit(130) from None
    s = hyps.attrs["summary"]
    output.table(
        ["runs", "done", "failed", "hypotheses"],
        [[str(s["runs"]), str(s["done"]), str(s["failed"]), str(s["hypotheses"])]],
        title=f"sweep {s.get('name') or spec.stem}",
        numeric=["runs", "done", "failed", "hypotheses"],
    )
    if s["domain_pairs"]:
        output.gap()
        output.table(
            ["domain pair", "accepted-looking hypotheses"],
            [[pair, str(info["hypotheses"])] for pair, info in s["domain_pairs"].items()],
            title=f"hypotheses with plausibility >= {accept:g}, by domain pair",
            numeric=["accepted-looking hypotheses"],
        )
    output.note(f"results in {out}: runs.jsonl, hypotheses.parquet, summary.md, plausibility.png")
    if s["failed"]:
        typer.secho(
            f"{s['failed']} run(s) failed (errors in {out / 'failures.jsonl'}); "
            "rerun the same command to retry them",
            fg=typer.colors.YELLOW,
            err=True,
        )
        raise typer.Exit(1)
