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
    rows = [alias_status(a, cache) for a in ALIASES.values()]
    if as_json:
        typer.echo(json.dumps({"cache_dir": str(cache), "models": rows}, indent=2))
        return
    for r in rows:
        default = " (default)" if r["alias"] == settings.scorer.model else ""
        state = (
            ("cached" if r["cached"] else "not cached yet") if r["installed"] else "not installed"
        )
        typer.secho(f"{r['alias']}{default}", bold=True)
        typer.echo(f"  {r['source']}; licence: {r['license']}")
        typer.echo(f"  {state}" + ("" if r["installed"] else f" - {r['install']}"))
    typer.echo(f"cache: {cache}")
    typer.echo("any Hugging Face id, local directory or .gguf file works as --model too")
