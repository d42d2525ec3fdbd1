"""`brainweave corpus ...`: list the corpus sources, add or remove a user's own."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any

import typer

from brainweave.cli import output
from brainweave.cli.common import Command, settings_from
from brainweave.errors import ConfigError, CorpusError

app = typer.Typer(
    help="List corpus sources; add your own JSONL/CSV corpus.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@app.command("list")
def list_sources(
    ctx: typer.Context,
    data: Annotated[Path | None, typer.Option(help="directory holding the corpora")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Each domain's sources with document and passage counts and licences."""
    from brainweave.corpora import all_sources, domains
    from brainweave.retrieval.store import IndexStore

    settings = settings_from(ctx, data_dir=data)
    if not settings.resolved_data_dir.is_dir():
        output.warn(
            f"the data directory {settings.resolved_data_dir} does not exist: "
            "the built-in sources' files are looked for there"
        )
        output.hint("pass --data DIR (for example ../shared/data) or set BRAINWEAVE_DATA_DIR")
    sources = all_sources(settings.user_sources_file)
    store = IndexStore(settings.index_dir)
    rows: list[dict[str, Any]] = []
    manifests: dict[str, dict[str, Any] | None] = {}
    for d in domains(sources):
        st = store.status(d)
        manifests[d] = st.manifest
        built = {s["source"]: s for s in (st.manifest or {}).get("sources", [])}
        per_source = (st.manifest or {}).get("passages_per_source", {})
        for s in (s for s in sources if s.domain == d):
            path = s.path(settings.resolved_data_dir)
            if data is None and s.name in built:  # where the index was built from
                path = Path(built[s.name]["path"])
            rows.append(
                {
                    "domain": d,
                    "source": s.name,
                    "file": str(path),
                    "present": path.is_file(),
                    "documents": built.get(s.name, {}).get("documents"),
                    "passages": per_source.get(s.name),
                    "index": st.state,
                    "license": s.license,
                    "upstream": s.upstream,
                    "builtin": s.builtin,
                }
            )
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    if output.is_terminal():
        output.table(
            ["domain", "source", "documents", "passages", "index", "licence"],
            [
                [
                    r["domain"],
                    r["source"] + ("" if r["present"] else " [file missing]"),
                    "-" if r["documents"] is None else f"{r['documents']:,}",
                    "-" if r["passages"] is None else f"{r['passages']:,}",
                    r["index"],
                    r["license"],
                ]
                for r in rows
            ],
            numeric=("documents", "passages"),
        )
    else:
        _plain_list(rows, domains(sources))
    for d in domains(sources):
        capped = capped_note(manifests[d])
        if capped:
            output.note(f"{d}: {capped}")
    if output.is_terminal():  # piped output stays the sources' rows
        _echo_vocabularies()
    typer.echo(f"data directory: {settings.resolved_data_dir}")


def capped_note(manifest: dict[str, Any] | None) -> str | None:
    """Words for an index built from only the first N records of each source."""
    if not manifest:
        return None
    cap = ((manifest.get("depends_on") or {}).get("chunking") or {}).get("max_docs_per_source")
    if not cap:
        return None
    return (
        f"the index covers only the first {cap:,} records of each source (built with "
        "--max-docs); rebuild without --max-docs for the whole corpus"
    )


def _plain_list(rows: list[dict[str, Any]], all_domains: list[str]) -> None:
    for d in all_domains:
        st_rows = [r for r in rows if r["domain"] == d]
        if not st_rows:
            continue
        typer.secho(f"{d} (index: {st_rows[0]['index']})", bold=True)
        for r in st_rows:
            counts = (
                f"{r['documents']:,} documents, {r['passages']:,} passages"
                if r["documents"] is not None and r["passages"] is not None
                else "not indexed"
            )
            where = "" if r["present"] else "  [file missing]"
            typer.echo(f"  {r['source']}: {counts}{where}")
            typer.echo(f"    licence: {r['license']}")


def _echo_vocabularies() -> None:
    """The knowledge layer's vocabularies (corpora/vocabularies.toml), with versions."""
    from brainweave.corpora import builtin_vocabularies

    output.table(
        ["vocabulary", "kind", "version", "licence"],
        [[v.name, v.kind, v.version, v.license] for v in builtin_vocabularies()],
    )


@app.command("add", cls=Command)
def add(
    ctx: typer.Context,
    domain: Annotated[
        str, typer.Argument(help="an existing domain or a new one", metavar="DOMAIN")
    ],
    file: Annotated[
        Path, typer.Argument(help="a JSONL or CSV file, one record per line/row", metavar="FILE")
    ],
    name: Annotated[str | None, typer.Option(help="source name (default: file stem)")] = None,
    id_field: Annotated[str, typer.Option(help="field holding a unique record id")] = "id",
    text_field: Annotated[str, typer.Option(help="field holding the text to index")] = "text",
    title_field: Annotated[str | None, typer.Option(help="field holding a title")] = None,
    url_field: Annotated[str | None, typer.Option(help="field holding a link")] = None,
    metadata_field: Annotated[
        list[str] | None, typer.Option(help="field kept as metadata (repeatable)")
    ] = None,
    license: Annotated[str, typer.Option(help="the corpus licence")] = "unspecified",
    fmt: Annotated[
        str | None, typer.Option("--format", help="jsonl or csv (default: by suffix)")
    ] = None,
    skip_bad: Annotated[
        bool, typer.Option(help="skip malformed records (counted) instead of stopping")
    ] = False,
) -> None:
    """Add your own JSONL/CSV corpus to a domain, no code needed.

    The whole file is read now, so a bad field map or record fails here (with its
    file and line), not at build time.
    """
    from pydantic import ValidationError

    from brainweave.corpora import FieldMap, Source, all_sources
    from brainweave.retrieval.ingest import SourceReport, iter_documents

    settings = settings_from(ctx)
    file = file.expanduser().resolve()
    if not file.is_file():
        raise ConfigError(f"corpus file {file} does not exist")
    fmt = fmt or ("csv" if file.suffix.lower() == ".csv" else "jsonl")
    if fmt != "jsonl" and fmt != "csv":
        raise ConfigError(f"unknown format {fmt!r}", "use jsonl or csv")
    from brainweave.corpora import _SLUG

    source_name = (name or file.stem).lower().replace(" ", "_")
    for what, value, flag in (("source name", source_name, "--name"), ("domain", domain, None)):
        if not _SLUG.match(value):
            fixed = _slug(value)
            raise ConfigError(
                f"{what} {value!r} must be lower-case letters, digits, '-' or '_', "
                "starting with a letter",
                f"use {fixed!r}" + (f" (pass {flag} {fixed})" if flag else ""),
            )
    try:
        source = Source(
            name=source_name,
            domain=domain,
            file=str(file),
            adapter="generic",
            format=fmt,
            license=license,
            builtin=False,
            fields=FieldMap(
                id=id_field,
                text=text_field,
                title=title_field,
                url=url_field,
                metadata=metadata_field or [],
            ),
        )
    except ValidationError as err:
        e = err.errors()[0]
        raise ConfigError(
            f"invalid source: {'.'.join(map(str, e['loc']))}: {e['msg']}", "see --help"
        ) from None
    existing = all_sources(settings.user_sources_file)
    if any(s.name == source.name for s in existing):
        raise ConfigError(f"a source named {source.name!r} exists already", "pass --name")
    # read the whole file now, so a bad field map or line fails here, not at build time
    report = SourceReport(source.name, domain, str(file), "")
    count = sum(1 for _ in iter_documents(source, Path("/"), skip_bad=skip_bad, report=report))
    if not count:
        skipped = ", ".join(f"{n} {why}" for why, n in report.skipped.items())
        empty = "only a header line, no records" if fmt == "csv" else "the file holds no records"
        raise CorpusError(
            f"{file}{':1' if fmt == 'csv' and not skipped else ''}: no documents to add"
            + (f" (skipped: {skipped})" if skipped else f" ({empty})")
            + (f"; {len(report.bad)} malformed records skipped" if report.bad else ""),
            f"check that each record has the fields --id-field {id_field} and "
            f"--text-field {text_field}",
        )
    settings.user_sources_file.parent.mkdir(parents=True, exist_ok=True)
    with settings.user_sources_file.open("a", encoding="utf-8") as fh:
        fh.write(_toml_entry(source.model_dump(exclude={"builtin"}, exclude_none=True)))
    typer.echo(f"added source {source.name!r} to domain {domain!r}: {count:,} documents")
    if report.bad:
        typer.echo(f"  skipped {len(report.bad):,} malformed records (--skip-bad)")
    typer.echo(
        f"build its index with `brainweave index build --domain {domain} "
        f"--data {settings.resolved_data_dir}`"
    )


@app.command("remove", cls=Command)
def remove(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="source name", metavar="NAME")]
) -> None:
    """Remove one of your own sources (built-in sources stay)."""
    from brainweave.corpora import user_sources

    settings = settings_from(ctx)
    mine = user_sources(settings.user_sources_file)
    if not any(s.name == name for s in mine):
        raise ConfigError(
            f"no user source named {name!r}", "`brainweave corpus list` shows the sources"
        )
    text = "".join(
        _toml_entry(s.model_dump(exclude={"builtin"}, exclude_none=True))
        for s in mine
        if s.name != name
    )
    settings.user_sources_file.write_text(text, encoding="utf-8")
    typer.echo(f"removed source {name!r}")


def _slug(value: str) -> str:
    """A valid name close to ``value``: 'My Drugs.v2' -> 'my_drugs_v2'."""
    out = re.sub(r"[^a-z0-9_-]+", "_", value.lower()).strip("_-")
    return out if out[:1].isalpha() else f"s_{out}" if out else "my_source"


def _toml_entry(values: dict[str, Any]) -> str:
    """One [[source]] table; JSON string/array syntax is valid TOML for these values."""
    fields = values.pop("fields", None)
    lines = ["", "[[source]]"]
    lines += [f"{k} = {json.dumps(v)}" for k, v in values.items()]
    if fields:
        lines.append("[source.fields]")
        lines += [f"{k} = {json.dumps(v)}" for k, v in fields.items() if v is not None]
    return "\n".join(lines) + "\n"
