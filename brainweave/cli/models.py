"""`brainweave models list`: the scorer's packaged models and their cache state."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from brainweave.cli.common import settings_from

app = typer.Typer(
    help="The causal LMs the scorer can use.", no_args_is_help=True, rich_markup_mode=None
)


@app.command("list")
def list_models(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Show the packaged model aliases, where each comes from and whether it is cached."""
    from brainweave.scoring.models import ALIASES, alias_status, resolve_cache_dir

    settings = settings_from(ctx)
    cache = resolve_cache_dir(settings.scorer.cache_dir)
    from brainweave.scoring.backend_models import backend_models

    rows = [alias_status(a, cache) for a in ALIASES.values()]
    backends = backend_models(settings, rows)
    if as_json:
        out = {"cache_dir": str(cache), "models": rows, "backends": backends}
        typer.echo(json.dumps(out, indent=2))
        return
    for r in rows:
        default = " (default)" if r["alias"] == settings.scorer.model else ""
        state = (
            ("cached" if r["cached"] else "not cached yet") if r["installed"] else "not installed"
        )
        typer.secho(f"{r['alias']}{default}", bold=True)
        typer.echo(f"  {r['source']}; licence: {r['license']}")
        typer.echo(f"  {state}" + ("" if r["installed"] else f" - {r['install']}"))
    provider = getattr(settings.scorer, "provider", "transformers")
    typer.secho("backends (scorer.provider)", bold=True)
    for b in backends:
        mark = " (current)" if b["provider"] == provider else ""
        models = ", ".join(b["models"]) or "-"
        typer.echo(f"  {b['provider']}{mark}: {models}")
        typer.echo(f"    {b['note']}")
    typer.echo(f"cache: {cache}")
    typer.echo("any Hugging Face id, local directory or .gguf file works as --model too")
