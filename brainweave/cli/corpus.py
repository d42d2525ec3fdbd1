"""`brainweave corpus ...`: list the corpus sources, add or remove a user's own."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from brainweave.cli.common import settings_from
from brainweave.errors import ConfigError

app = typer.Typer(help="List corpus sources; add your own JSONL/CSV corpus.", no_args_is_help=True)


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
    sources = all_sources(settings.user_sources_file)
    store = IndexStore(settings.index_dir)
    rows: list[dict[str, Any]] = []
    for d in domains(sources):
        st = store.status(d)
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
    for d in domains(sources):
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
    typer.echo(f"data directory: {settings.resolved_data_dir}")


@app.command("add")
def add(
    ctx: typer.Context,
    domain: Annotated[str, typer.Argument(help="an existing domain or a new one")],
    file: Annotated[Path, typer.Argument(help="a JSONL or CSV file, one record per line/row")],
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
) -> None:
    """Add your own JSONL/CSV corpus to a domain, no code needed."""
    from brainweave.corpora import FieldMap, Source, all_sources
    from brainweave.retrieval.ingest import iter_documents

    settings = settings_from(ctx)
    file = file.expanduser().resolve()
    if not file.is_file():
        raise ConfigError(f"corpus file {file} does not exist")
    fmt = fmt or ("csv" if file.suffix.lower() == ".csv" else "jsonl")
    if fmt != "jsonl" and fmt != "csv":
        raise ConfigError(f"unknown format {fmt!r}", "use jsonl or csv")
    source = Source(
        name=(name or file.stem).lower().replace(" ", "_"),
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
    existing = all_sources(settings.user_sources_file)
    if any(s.name == source.name for s in existing):
        raise ConfigError(f"a source named {source.name!r} exists already", "pass --name")
    # read the whole file now, so a bad field map or line fails here, not at build time
    count = sum(1 for _ in iter_documents(source, Path("/")))
    settings.user_sources_file.parent.mkdir(parents=True, exist_ok=True)
    with settings.user_sources_file.open("a", encoding="utf-8") as fh:
        fh.write(_toml_entry(source.model_dump(exclude={"builtin"}, exclude_none=True)))
    typer.echo(f"added source {source.name!r} to domain {domain!r}: {count:,} documents")
    typer.echo(f"build its index with `brainweave index build --domain {domain}`")


@app.command("remove")
def remove(ctx: typer.Context, name: Annotated[str, typer.Argument(help="source name")]) -> None:
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


def _toml_entry(values: dict[str, Any]) -> str:
    """One [[source]] table; JSON string/array syntax is valid TOML for these values."""
    fields = values.pop("fields", None)
    lines = ["", "[[source]]"]
    lines += [f"{k} = {json.dumps(v)}" for k, v in values.items()]
    if fields:
        lines.append("[source.fields]")
        lines += [f"{k} = {json.dumps(v)}" for k, v in fields.items() if v is not None]
    return "\n".join(lines) + "\n"
