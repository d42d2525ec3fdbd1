"""`brainweave index ...`: build, reuse and inspect the per-domain FAISS indexes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from brainweave.cli import output
from brainweave.cli.common import examples, settings_from

app = typer.Typer(
    help="Build and inspect the per-domain FAISS indexes.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

BUILD_EXAMPLES = examples(
    "brainweave index build --data ../shared/data",
    "brainweave index build --data ../shared/data --domain clinical --force",
    "brainweave --profile fast index build --data ../shared/data --max-docs 200",
)


@app.command("build", epilog=BUILD_EXAMPLES)
def build(
    ctx: typer.Context,
    data: Annotated[
        Path | None,
        typer.Option(help="directory holding corpora/<domain>/<file>", metavar="DIR"),
    ] = None,
    domain: Annotated[
        list[str] | None,
        typer.Option("--domain", "-d", help="domain to build (repeatable; default: all)"),
    ] = None,
    skip_bad: Annotated[
        bool, typer.Option(help="skip malformed records (counted) instead of stopping")
    ] = False,
    force: Annotated[
        bool, typer.Option(help="rebuild even when nothing changed (repairs a corrupt index)")
    ] = False,
    max_docs: Annotated[
        int | None,
        typer.Option(help="ingest only the first N documents of each source", min=1, metavar="N"),
    ] = None,
) -> None:
    """Build the index of each domain, or reuse it when corpus and embedder are unchanged."""
    from brainweave.retrieval import build_indexes
    from brainweave.retrieval.embedder import load_embedder
    from brainweave.retrieval.service import check_domain, known_domains

    index_overrides = {"max_docs_per_source": max_docs} if max_docs else None
    settings = settings_from(ctx, data_dir=data, index=index_overrides)
    targets = list(domain or known_domains(settings))
    for d in targets:
        check_domain(settings, d)
    _check_data_dir(settings, targets)
    embedder = None
    results = []
    tty = output.is_terminal(err=True)
    for d in targets:
        output.note(f"{d}: checking the corpus and the index")
        if embedder is None:
            embedder = load_embedder(settings.embedder)
        [r] = build_indexes(
            settings, [d], skip_bad=skip_bad, force=force, progress=tty, embedder=embedder
        )
        results.append(r)
        if not output.is_terminal():
            _print_plain(r)
    if output.is_terminal():
        output.table(
            ["domain", "action", "documents", "passages", "index", "embedder", "seconds"],
            [
                [
                    r.domain,
                    f"{r.action} ({r.reason})",
                    f"{r.manifest['documents']:,}",
                    f"{r.manifest['count']:,}",
                    r.manifest["index_type"],
                    r.manifest["embedder"]["name"],
                    "" if r.action == "reused" else f"{r.seconds:.1f}",
                ]
                for r in results
            ],
            numeric=("documents", "passages", "seconds"),
        )
        for r in results:
            _print_skips(r.domain + ": ", r.manifest)
    if max_docs:
        output.note(f"each index covers only the first {max_docs:,} records of each source")
    typer.echo(f"indexes in {settings.index_dir}")


def _check_data_dir(settings: Any, targets: list[str]) -> None:
    """Fail before loading the embedder when the corpora cannot be found."""
    from brainweave.corpora import all_sources
    from brainweave.errors import ConfigError

    data_dir = settings.resolved_data_dir
    needs = any(
        s.domain in targets and not Path(s.file).expanduser().is_absolute()
        for s in all_sources(settings.user_sources_file)
    )
    if needs and not data_dir.is_dir():
        raise ConfigError(
            f"data directory {data_dir} does not exist",
            "pass the directory holding corpora/<domain>/<file>, e.g. "
            "`brainweave index build --data ../shared/data` (or set BRAINWEAVE_DATA_DIR)",
        )


def _print_plain(r: Any) -> None:
    m = r.manifest
    line = (
        f"{r.domain}: {r.action} ({r.reason}) - {m['documents']:,} documents, "
        f"{m['count']:,} passages, {m['index_type']}, embedder {m['embedder']['name']}"
    )
    if r.action != "reused":
        line += f", {r.seconds:.1f} s"
    typer.echo(line)
    _print_skips("", m)


def _print_skips(prefix: str, m: dict[str, Any]) -> None:
    bad = sum(s["bad_records"] for s in m["sources"])
    skipped = sum(sum(s["skipped"].values()) for s in m["sources"])
    if skipped:
        typer.echo(
            f"  {prefix}skipped {skipped:,} records with nothing to index: "
            + ", ".join(f"{s['source']}: {s['skipped']}" for s in m["sources"] if s["skipped"])
        )
    if bad:
        typer.echo(f"  {prefix}skipped {bad:,} malformed records (--skip-bad)")


@app.command("status")
def status(ctx: typer.Context) -> None:
    """Show each domain's index: built, missing or corrupt (with the command that fixes it)."""
    from brainweave.cli.corpus import capped_note
    from brainweave.retrieval.service import known_domains
    from brainweave.retrieval.store import IndexStore, build_command

    settings = settings_from(ctx)
    store = IndexStore(settings.index_dir, data_dir=settings.resolved_data_dir)
    rows = []
    for d in known_domains(settings):
        st = store.status(d)
        if st.manifest:
            m = st.manifest
            capped = capped_note(m)
            rows.append(
                (
                    d,
                    "ok",
                    f"{m['count']:,} passages, {m['index_type']}, built {m['built_at']}, "
                    f"embedder {m['embedder']['name']}"
                    + (f" ({capped.split(' (')[0]})" if capped else ""),
                )
            )
        elif st.state == "corrupt":
            fix = build_command(d, settings.resolved_data_dir)
            rows.append((d, st.state, f"{st.detail}; rebuild it with `{fix}`"))
        else:
            rows.append((d, st.state, st.detail))
    if output.is_terminal():
        output.table(["domain", "state", "detail"], rows)
    else:
        for d, state, detail in rows:
            typer.echo(f"{d}: {state} - {detail}")
    typer.echo(f"indexes in {settings.index_dir}")
