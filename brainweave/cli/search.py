"""`brainweave search DOMAIN QUERY`: passages from one domain's index, best first."""

from __future__ import annotations

import json
import textwrap
from typing import Annotated

import typer

from brainweave.cli import output
from brainweave.cli.common import examples, settings_from
from brainweave.cli.corpus import capped_note
from brainweave.errors import BrainweaveError

EXAMPLES = examples(
    'brainweave search clinical "transcranial direct current stimulation" -k 3',
    'brainweave search genetics "APOE" --json',
    'brainweave search clinical "restless legs" --mode hybrid --expand',
)

JSON_FIELDS = ("passage_id", "doc_id", "domain", "title", "text", "url", "score")


def search(
    ctx: typer.Context,
    domain: Annotated[
        str, typer.Argument(help="genetics, neuroimaging, clinical, or your own", metavar="DOMAIN")
    ],
    query: Annotated[str, typer.Argument(help="what to look for", metavar="QUERY")],
    k: Annotated[int, typer.Option("-k", help="number of passages", min=1)] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="print a JSON list of hits")] = False,
    mode: Annotated[
        str | None,
        typer.Option(help="dense, bm25 or hybrid (default: settings search.mode)"),
    ] = None,
    source: Annotated[
        list[str] | None, typer.Option(help="only passages of this corpus source (repeatable)")
    ] = None,
    year: Annotated[
        int | None, typer.Option(help="only records of this year (where they have one)")
    ] = None,
    expand: Annotated[
        bool | None,
        typer.Option(
            "--expand/--no-expand",
            help="add the other names of the entities the query mentions (a gene's symbol "
            "and name, HPO and region synonyms) to BM25 (default: settings search.expand)",
        ),
    ] = None,
) -> None:
    """Search one domain's index; the best passages first."""
    from brainweave.graphs.services import default_services
    from brainweave.retrieval import Retriever
    from brainweave.retrieval.service import MODES, check_domain, check_sources

    if not query.strip():
        raise BrainweaveError("the query is empty", "type what you are looking for")
    settings = settings_from(ctx)
    check_domain(settings, domain)
    if mode is not None and mode not in MODES:
        raise BrainweaveError(f"unknown search mode {mode!r}", f"choose one of: {', '.join(MODES)}")
    if source:
        check_sources(settings, domain, source)
    if expand is not None:
        search_settings = settings.search.model_copy(update={"expand": expand})
        settings = settings.model_copy(update={"search": search_settings})
    knowledge = None
    if settings.search.expand:
        knowledge = default_services().knowledge(settings.resolved_data_dir)
    retriever = Retriever(settings, knowledge=knowledge)
    hits = retriever.search(domain, query, k, mode=mode or None, sources=source or None, year=year)
    capped = capped_note(retriever.index(domain).manifest)
    if capped:
        output.note(f"{domain}: {capped}")
    if as_json:
        typer.echo(json.dumps([{f: getattr(h, f) for f in JSON_FIELDS} for h in hits], indent=2))
        return
    for rank, h in enumerate(hits, start=1):
        typer.secho(f"{rank}. [{h.score:.3f}] {h.title}", bold=True)
        typer.echo(f"   {h.passage_id}" + (f"  {h.url}" if h.url else ""))
        typer.echo(textwrap.indent(textwrap.fill(textwrap.shorten(h.text, 400), 96), "   "))
