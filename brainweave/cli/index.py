"""`brainweave index ...`: build, reuse and inspect the per-domain FAISS indexes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from brainweave.cli.common import settings_from

app = typer.Typer(help="Build and inspect the per-domain FAISS indexes.", no_args_is_help=True)


@app.command("build")
def build(
    ctx: typer.Context,
    data: Annotated[
        Path | None, typer.Option(help="directory holding corpora/<domain>/<file>")
    ] = None,
    domain: Annotated[
        list[str] | None, typer.Option("--domain", "-d", help="domain to build (repeatable)")
    ] = None,
    skip_bad: Annotated[
        bool, typer.Option(help="skip malformed records (counted) instead of stopping")
    ] = False,
    force: Annotated[bool, typer.Option(help="rebuild even when nothing changed")] = False,
    max_docs: Annotated[
        int | None, typer.Option(help="ingest only the first N documents of each source")
    ] = None,
) -> None:
    """Build the index of each domain, or reuse it when corpus and embedder are unchanged."""
    from brainweave.retrieval import build_indexes

    index_overrides = {"max_docs_per_source": max_docs} if max_docs else None
    settings = settings_from(ctx, data_dir=data, index=index_overrides)
    results = build_indexes(settings, domain, skip_bad=skip_bad, force=force, progress=_tty())
    for r in results:
        m = r.manifest
        bad = sum(s["bad_records"] for s in m["sources"])
        skipped = sum(sum(s["skipped"].values()) for s in m["sources"])
        line = (
            f"{r.domain}: {r.action} ({r.reason}) - {m['documents']:,} documents, "
            f"{m['count']:,} passages, {m['index_type']}, embedder {m['embedder']['name']}"
        )
        if r.action != "reused":
            line += f", {r.seconds:.1f} s"
        typer.echo(line)
        if skipped:
            typer.echo(
                f"  skipped {skipped:,} records with nothing to index: "
                + ", ".join(f"{s['source']}: {s['skipped']}" for s in m["sources"] if s["skipped"])
            )
        if bad:
            typer.echo(f"  skipped {bad:,} malformed records (--skip-bad)")
    typer.echo(f"indexes in {settings.index_dir}")


@app.command("status")
def status(ctx: typer.Context) -> None:
    """Show each domain's index: built, missing or corrupt."""
    from brainweave.retrieval.service import known_domains
    from brainweave.retrieval.store import IndexStore

    settings = settings_from(ctx)
    store = IndexStore(settings.index_dir)
    for d in known_domains(settings):
        st = store.status(d)
        if st.manifest:
            m = st.manifest
            typer.echo(
                f"{d}: ok - {m['count']:,} passages, {m['index_type']}, "
                f"built {m['built_at']}, embedder {m['embedder']['name']}"
            )
        else:
            typer.echo(f"{d}: {st.state} - {st.detail}")
    typer.echo(f"indexes in {settings.index_dir}")


def _tty() -> bool:
    import sys

    return sys.stderr.isatty()
