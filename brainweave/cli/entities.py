"""`brainweave entities QUERY`: what an entity resolves to and where the corpora name it."""

from __future__ import annotations

import difflib
import json
from typing import Annotated, Any

import typer

from brainweave.cli.common import settings_from
from brainweave.errors import BrainweaveError


def resolve(kn: Any, query: str) -> list[str]:
    """Entity ids a query names: an id, a name or synonym, else what the matcher finds."""
    q = query.strip()
    if q in kn.entities:
        return [q]
    by_name = kn.by_name.get(q.lower())
    if by_name:
        return list(dict.fromkeys(by_name))[:1] if len(by_name) == 1 else _best(kn, q, by_name)
    found = [m for m in kn.find(q) if not m.negated]
    if found:
        longest = max(found, key=lambda m: m.end - m.start)
        return [longest.entity_id]
    return []


def _best(kn: Any, q: str, ids: list[str]) -> list[str]:
    """One name for several entities: the one the matcher picks first, then the rest."""
    picked = [m.entity_id for m in kn.find(q) if m.start == 0 and m.end == len(q)]
    return list(dict.fromkeys([*picked, *ids]))


def suggestions(kn: Any, query: str, n: int = 5) -> list[str]:
    q = query.strip().lower()
    names = [k for k in kn.by_name if k[:2] == q[:2]] or list(kn.by_name)
    return difflib.get_close_matches(q, names, n=n, cutoff=0.6)


def describe(kn: Any, store: Any, domains: list[str], entity_id: str, limit: int) -> dict[str, Any]:
    from brainweave.knowledge import graph

    e = kn.entities[entity_id]
    out: dict[str, Any] = {
        "id": e.id,
        "kind": e.kind,
        "name": e.name,
        "synonyms": e.synonyms[:20],
        "source": e.source,
        "version": e.version,
        "parents": [{"id": p, "name": _name(kn, p)} for p in e.parents],
        "domains": {},
    }
    edges = [x for x in graph.curated_edges(entity_id) if x.a in kn.entities and x.b in kn.entities]
    out["curated_edges"] = {
        "source": graph.CURATED_SOURCE,
        "count": len(edges),
        "examples": [
            {
                "a": x.a,
                "a_name": _name(kn, x.a),
                "b": x.b,
                "b_name": _name(kn, x.b),
                "via": x.via or None,
                "via_name": _name(kn, x.via) if x.via else None,
            }
            for x in edges[:limit]
        ],
    }
    for d in domains:
        eg = store.evidence_graph(d)
        out["domains"][d] = {
            "passages_mentioning": eg.doc_frequency(entity_id),
            "passages_in_index": eg.passages(),
            "passages": eg.passages_mentioning(entity_id, limit),
            "co_mentioned": [
                {"id": other, "name": _name(kn, other), "passages": n}
                for other, n in eg.co_mentions(entity_id, limit)
            ],
        }
    return out


def _name(kn: Any, entity_id: str) -> str:
    e = kn.entities.get(entity_id)
    return e.name if e is not None else entity_id


def entities(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="an entity id (NCBIGene:348), name or synonym")],
    domain: Annotated[str | None, typer.Option("--domain", help="only this domain's index")] = None,
    limit: Annotated[
        int, typer.Option("--limit", help="passages and co-mentions shown", min=1)
    ] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """What an entity resolves to, how often each domain's passages name it, which
    passages, and what they name with it."""
    from brainweave import knowledge
    from brainweave.retrieval.store import IndexStore

    if not query.strip():
        raise BrainweaveError("the query is empty", "name a gene, region, phenotype or disease")
    settings = settings_from(ctx)
    data = settings.resolved_data_dir
    kn = knowledge.load(data if data.is_dir() else None)
    ids = resolve(kn, query)
    if not ids:
        near = suggestions(kn, query)
        raise BrainweaveError(
            f"no entity of the vocabularies is called {query!r}",
            ("did you mean: " + ", ".join(repr(n) for n in near) + "?")
            if near
            else "try a gene symbol, an HPO term, a disease or a brain region",
        )
    store = IndexStore(settings.index_dir)
    built = store.domains()
    if domain is not None:
        if domain not in built:
            raise BrainweaveError(
                f"no index for domain {domain!r}"
                + (f" (built: {', '.join(built)})" if built else ""),
                f"run `brainweave index build --domain {domain}`",
            )
        built = [domain]
    results = [describe(kn, store, built, i, limit) for i in ids[:3]]
    if as_json:
        typer.echo(json.dumps(results if len(results) > 1 else results[0], indent=2))
        return
    for r in results:
        typer.secho(f"{r['name']}  [{r['id']}, {r['kind']}]", bold=True)
        typer.echo(f"  source: {r['source']} ({r['version']})")
        if r["synonyms"]:
            typer.echo("  synonyms: " + "; ".join(r["synonyms"][:8]))
        if r["parents"]:
            typer.echo("  is a: " + "; ".join(p["name"] for p in r["parents"][:5]))
        ce = r["curated_edges"]
        if ce["count"]:
            typer.echo(f"  {ce['source']}: {ce['count']} curated edges, e.g.")
            for x in ce["examples"][:3]:
                via = f" (via {x['via_name']})" if x["via_name"] else ""
                typer.echo(f"    {x['a_name']} -- {x['b_name']}{via}")
        if not built:
            typer.echo("  no index built: run `brainweave index build` to see mentions")
        for d, info in r["domains"].items():
            n, total = info["passages_mentioning"], info["passages_in_index"]
            typer.secho(f"  {d}: {n:,} of {total:,} passages", bold=True)
            for pid in info["passages"]:
                typer.echo(f"    {pid}")
            if info["co_mentioned"]:
                typer.echo(
                    "    named with: "
                    + ", ".join(f"{c['name']} ({c['passages']})" for c in info["co_mentioned"])
                )
