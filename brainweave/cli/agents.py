"""`brainweave agents list`: every agent, where it came from, and its index status."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from brainweave.cli.common import settings_from

app = typer.Typer(
    help="The domain agents: built-in and plugins.", no_args_is_help=True, rich_markup_mode=None
)


@app.command("list")
def list_agents(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Each agent: name, origin (built-in or plugin), domain and index status."""
    from brainweave.agents.registry import AgentLoadError, AgentRegistry
    from brainweave.retrieval.store import IndexStore

    settings = settings_from(ctx)
    registry = AgentRegistry()
    store = IndexStore(settings.index_dir)
    rows: list[dict[str, Any]] = []
    for name, spec in registry.specs.items():
        row: dict[str, Any] = {"name": name, "origin": spec.origin, "target": spec.target}
        try:
            agent = registry.get(name)
        except AgentLoadError as err:
            row.update(domain=None, description=None, index="n/a", error=err.message)
        else:
            st = store.status(agent.domain)
            row.update(
                domain=agent.domain,
                description=agent.description,
                index=st.state,
                index_detail=st.detail,
                error=None,
            )
        rows.append(row)
    if as_json:
        typer.echo(
            json.dumps(
                {"agents": rows, "issues": [i.model_dump() for i in registry.issues]}, indent=2
            )
        )
        return
    for r in rows:
        if r["error"]:
            typer.secho(f"{r['name']}  [{r['origin']}]  FAILED: {r['error']}", fg=typer.colors.RED)
            continue
        colour = typer.colors.GREEN if r["index"] == "ok" else typer.colors.YELLOW
        typer.secho(f"{r['name']}", bold=True, nl=False)
        typer.echo(f"  [{r['origin']}]  domain {r['domain']}  ", nl=False)
        typer.secho(f"index: {r['index']}", fg=colour, nl=False)
        typer.echo(f" ({r['index_detail']})")
    for issue in registry.issues:
        typer.secho(f"warning: {issue.message}", fg=typer.colors.YELLOW, err=True)
