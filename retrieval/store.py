"""The per-domain index store: build or reuse, verify, load, search.

Layout under the index directory::

    <domain>/CURRENT                 name of the live build (replaced atomically)
    <domain>/builds/<build id>/      index.faiss, passages.sqlite, manifest.json

A build is written into a fresh directory and only then made live by replacing
CURRENT, so an interrupted build never leaves a half index that search would
load. The manifest records everything the index depends on (corpus checksums,
adapter version, chunking, embedder weights) and the checksums of its own files;
an index whose files do not match its manifest is reported as corrupt.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shlex
import shutil
import sqlite3
import time
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from brainweave.corpora import Source
from brainweave.errors import ConfigError, CorpusError, IndexCorruptError, IndexMissingError
from brainweave.io import FileHashes, sha256_file, write_atomic
from brainweave.retrieval import faiss_index, lexical
from brainweave.retrieval.adapters import ADAPTER_VERSION
from brainweave.retrieval.chunking import chunk_document, embedding_text
from brainweave.retrieval.documents import Document, Hit, Passage
from brainweave.retrieval.embedder import Embedder
from brainweave.retrieval.ingest import SourceReport, check_pinned, iter_documents
from brainweave.retrieval.ingest import source_path as _source_path
from brainweave.settings import IndexSettings

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
INDEX_FILE = "index.faiss"
PASSAGES_FILE = "passages.sqlite"
MANIFEST_FILE = "manifest.json"


def build_command(domain: str, data_dir: Path | None = None) -> str:
    """The command that (re)builds a domain's index; with ``--data`` when the data
    directory is known, so the hint can be pasted as it is."""
    cmd = f"brainweave index build --domain {domain}"
    return cmd + (f" --data {shlex.quote(str(data_dir))}" if data_dir else "")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ManifestEmbedder(_Strict):
    name: str = Field(min_length=1)
    sha256: str = Field(min_length=1)
    precision: Literal["fp32", "bf16"]


class ManifestSource(BaseModel):
    model_config = ConfigDict(extra="allow")

    source: str
    documents: int = Field(ge=0)
    bad_records: int = Field(0, ge=0)
    skipped: dict[str, int] = Field(default_factory=dict)


class Manifest(BaseModel):
    """The schema every manifest.json must satisfy before anything reads it.

    ``extra="allow"`` at the top level only: later builds may add sections (they are
    covered by ``digest`` all the same); the fields below are what loading, search,
    reuse and the CLI rely on, so a manifest missing or mistyping one is corrupt.
    """

    model_config = ConfigDict(extra="allow")

    format_version: Literal[1]
    domain: str
    built_at: str
    build_id: str
    depends_on: dict[str, Any]
    sources: list[ManifestSource]
    documents: int = Field(ge=1)
    count: int = Field(ge=1)
    passages_per_source: dict[str, int]
    dimension: int = Field(ge=1)
    embedder: ManifestEmbedder
    index_type: Literal["flat-ip", "hnsw-ip"]
    index_params: dict[str, int]
    files: dict[str, str]
    digest: str | None = Field(
        None, description="sha256 of the rest of the manifest (absent in older builds)"
    )


def manifest_digest(manifest: dict[str, Any]) -> str:
    """sha256 over the manifest without its digest: catches any edit to it."""
    body = {k: v for k, v in manifest.items() if k != "digest"}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode("utf-8")).hexdigest()


@dataclass
class BuildResult:
    domain: str
    action: Literal["built", "rebuilt", "reused"]
    reason: str
    manifest: dict[str, Any]
    seconds: float


@dataclass
class IndexStatus:
    domain: str
    state: Literal["missing", "ok", "corrupt"]
    detail: str
    manifest: dict[str, Any] | None = None


class IndexStore:
    """All domain indexes under one directory."""

    def __init__(
        self, root: Path, hashes: FileHashes | None = None, *, data_dir: Path | None = None
    ) -> None:
        self.root = root
        # an index's files are hashed once per process, again only when they change
        self.hashes = hashes or FileHashes()
        self.data_dir = data_dir  # named in rebuild hints when known

    # ----- where things are -------------------------------------------------
    def _domain_dir(self, domain: str) -> Path:
        return self.root / domain

    def _current_build(self, domain: str) -> Path | None:
        """The build CURRENT names (checked by :meth:`_verify`, which refuses a
        name that leads outside this domain's builds)."""
        pointer = self._domain_dir(domain) / "CURRENT"
        if not pointer.is_file():
            return None
        return self._domain_dir(domain) / "builds" / pointer.read_text().strip()

    def current_id(self, domain: str) -> str | None:
        """The live build's id (what CURRENT says), or None: cheap to poll."""
        try:
            return (self._domain_dir(domain) / "CURRENT").read_text().strip() or None
        except OSError:
            return None

    # ----- status and verification -------------------------------------------
    def status(self, domain: str) -> IndexStatus:
        build = self._current_build(domain)
        if build is None:
            return IndexStatus(
                domain, "missing", f"not built: run `{build_command(domain, self.data_dir)}`"
            )
        try:
            manifest = self._verify(domain, build)
        except IndexCorruptError as err:
            return IndexStatus(domain, "corrupt", err.message)
        return IndexStatus(domain, "ok", f"{manifest['count']} passages", manifest)

    def _verify(self, domain: str, build: Path) -> dict[str, Any]:
        """The build's manifest, validated by :class:`Manifest` and checked against
        the build's place and files; any mismatch is an IndexCorruptError whose hint
        is the command that rebuilds the index."""

        def corrupt(why: str) -> IndexCorruptError:
            return IndexCorruptError(
                f"the {domain} index at {build} is corrupt or half-written: {why}",
                f"rebuild it with `{build_command(domain, self.data_dir)}`",
            )

        builds = (self._domain_dir(domain) / "builds").resolve()
        build_name = build.name
        if (
            build.parent != self._domain_dir(domain) / "builds"
            or not build_name
            or build_name.startswith(".")
            or build.resolve().parent != builds
        ):
            raise corrupt(
                f"CURRENT names {build_name!r}, which is not a build of the {domain} index"
            )
        try:
            raw = json.loads((build / MANIFEST_FILE).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise corrupt("manifest.json is missing") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            msg = getattr(err, "msg", None) or str(err)
            raise corrupt(f"manifest.json is not valid JSON ({msg})") from None
        except OSError as err:
            raise corrupt(f"manifest.json cannot be read ({err.strerror or err})") from None
        if isinstance(raw, dict) and raw.get("format_version") != FORMAT_VERSION:
            raise corrupt(f"manifest format {raw.get('format_version')!r} is not {FORMAT_VERSION}")
        try:
            manifest = Manifest.model_validate(raw)
        except ValidationError as err:
            raise corrupt(f"manifest.json does not fit the schema ({_first(err)})") from None
        if manifest.digest is not None and manifest.digest != manifest_digest(raw):
            raise corrupt("manifest.json was changed after the build (its digest does not match)")
        if manifest.domain != domain:
            raise corrupt(f"its manifest is for domain {manifest.domain!r}")
        if manifest.build_id != build_name:
            raise corrupt(f"its manifest is for build {manifest.build_id!r}")
        for name, expected in manifest.files.items():
            path = build / name
            if not path.is_file():
                raise corrupt(f"{name} is missing")
            if self.hashes.sha256(path) != expected:
                raise corrupt(f"{name} does not match the checksum in its manifest")
        if not {INDEX_FILE, PASSAGES_FILE} <= set(manifest.files):
            raise corrupt("the manifest does not list the index's files")
        return dict(raw)

    def manifest(self, domain: str) -> dict[str, Any]:
        return self.open(domain).manifest

    # ----- build -----------------------------------------------------------------
    def build(
        self,
        domain: str,
        sources: list[Source],
        data_dir: Path,
        embedder: Embedder,
        settings: IndexSettings,
        *,
        skip_bad: bool = False,
        force: bool = False,
        progress: bool = False,
    ) -> BuildResult:
        """Build the domain's index, or reuse it when nothing it depends on changed.

        One build per domain at a time: a second process waits for the first."""
        lock_path = self._domain_dir(domain) / ".build.lock"
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        with lock_path.open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            started = time.perf_counter()
            domain_sources = [s for s in sources if s.domain == domain]
            if not domain_sources:
                raise ConfigError(f"no corpus source feeds domain {domain!r}")
            paths = {s.name: _source_path(s, data_dir) for s in domain_sources}
            checksums = {name: self.hashes.sha256(p) for name, p in paths.items()}
            for s in domain_sources:
                check_pinned(s, checksums[s.name])
            wanted = _dependencies(domain_sources, checksums, embedder, settings)
            wanted["vocabularies"] = _vocabulary_versions(data_dir)

            status = self.status(domain)
            reason = "no index yet"
            if status.state == "ok" and status.manifest is not None:
                changed = _changes(status.manifest["depends_on"], wanted)
                if not changed and not force:
                    return BuildResult(
                        domain,
                        "reused",
                        "corpus and embedder unchanged",
                        status.manifest,
                        time.perf_counter() - started,
                    )
                reason = "forced" if not changed else "changed: " + ", ".join(changed)
            elif status.state == "corrupt":
                log.warning("%s", status.detail)
                reason = f"previous index was corrupt ({status.detail.split(': ', 1)[-1]})"

            reports = [
                SourceReport(s.name, domain, str(paths[s.name]), checksums[s.name])
                for s in domain_sources
            ]
            docs: list[Document] = []
            seen: set[str] = set()
            for s, report in zip(domain_sources, reports, strict=True):
                for doc in iter_documents(
                    s,
                    data_dir,
                    skip_bad=skip_bad,
                    max_docs=settings.max_docs_per_source,
                    report=report,
                ):
                    if doc.id in seen:  # a source that repeats a record: keep the first
                        report.skipped["duplicate id"] += 1
                        report.documents -= 1
                        continue
                    seen.add(doc.id)
                    docs.append(doc)
            if not docs:
                raise CorpusError(f"domain {domain!r} has no documents to index")
            passages = _chunk_all(docs, embedder, settings)
            knowledge, annotated, ann_timings = _annotate(passages, data_dir)
            log.info("%s: %d documents -> %d passages; embedding", domain, len(docs), len(passages))
            t_embed = time.perf_counter()
            vectors = embedder.embed(
                [embedding_text(p.title, p.text) for p in passages], progress=progress
            )
            embed_seconds = time.perf_counter() - t_embed
            index_type = faiss_index.choose_index_type(len(passages), settings.exact_max)
            t_index = time.perf_counter()
            index = faiss_index.build_index(vectors, index_type, settings)
            index_seconds = time.perf_counter() - t_index

            manifest: dict[str, Any] = {
                "format_version": FORMAT_VERSION,
                "domain": domain,
                "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "depends_on": wanted,
                "sources": [r.as_dict() for r in reports],
                "documents": len(docs),
                "count": len(passages),
                "passages_per_source": dict(Counter(p.source for p in passages)),
                "dimension": int(vectors.shape[1]),
                "embedder": {
                    "name": embedder.name,
                    "sha256": wanted["embedder"]["sha256"],
                    "precision": getattr(embedder, "precision", "fp32"),
                },
                "index_type": index_type,
                "index_params": (
                    {
                        "m": settings.hnsw_m,
                        "ef_construction": settings.hnsw_ef_construction,
                        "ef_search": settings.hnsw_ef_search,
                    }
                    if index_type == "hnsw-ip"
                    else {}
                ),
                "timings_s": {
                    "embed": round(embed_seconds, 3),
                    "index": round(index_seconds, 3),
                    **ann_timings,
                },
            }
            self._write(domain, index, docs, passages, manifest, started, (knowledge, annotated))
            action: Literal["built", "rebuilt"] = (
                "built" if status.state == "missing" else "rebuilt"
            )
            return BuildResult(domain, action, reason, manifest, time.perf_counter() - started)

    def _write(
        self,
        domain: str,
        index: Any,
        docs: list[Document],
        passages: list[Passage],
        manifest: dict[str, Any],
        started: float,
        annotated: tuple[Any, list[Any]] | None = None,
    ) -> None:
        builds = self._domain_dir(domain) / "builds"
        builds.mkdir(parents=True, exist_ok=True)
        build_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
        tmp = builds / f".tmp-{build_id}"
        tmp.mkdir()
        try:
            faiss_index.write_index(index, tmp / INDEX_FILE)
            _write_passages(tmp / PASSAGES_FILE, docs, passages)
            if annotated is not None:
                manifest["entities"] = _write_mentions(tmp / PASSAGES_FILE, *annotated)
            t_lexical = time.perf_counter()  # BM25 (FTS5) inside passages.sqlite
            manifest["lexical"] = lexical.build(tmp / PASSAGES_FILE)
            manifest["timings_s"]["bm25"] = round(time.perf_counter() - t_lexical, 3)
            manifest["files"] = {
                name: sha256_file(tmp / name) for name in (INDEX_FILE, PASSAGES_FILE)
            }
            manifest["build_id"] = build_id
            manifest["build_seconds"] = round(time.perf_counter() - started, 3)
            manifest["digest"] = manifest_digest(manifest)  # last: it covers the rest
            write_atomic(tmp / MANIFEST_FILE, json.dumps(manifest, indent=2))
            os.replace(tmp, builds / build_id)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        previous = self._current_build(domain)
        write_atomic(self._domain_dir(domain) / "CURRENT", build_id)
        # Drop older builds and leftovers of interrupted ones; keep the previous build,
        # which a process that loaded it before this swap may still be reading.
        keep = {build_id, previous.name if previous else None}
        for old in builds.iterdir():
            if old.name not in keep:
                shutil.rmtree(old, ignore_errors=True)

    # ----- load and search ---------------------------------------------------------
    def open(self, domain: str, *, ef_search: int | None = None) -> DomainIndex:
        build = self._current_build(domain)
        if build is None:
            known = self.domains()
            hint = f"run `{build_command(domain, self.data_dir)}`"
            raise IndexMissingError(
                f"no index for domain {domain!r} in {self.root}"
                + (f" (built: {', '.join(known)})" if known else ""),
                hint,
            )
        manifest = self._verify(domain, build)
        index = faiss_index.read_index(build / INDEX_FILE, ef_search=ef_search)
        kind = "hnsw-ip" if hasattr(index, "hnsw") else "flat-ip"
        for what, found, said in (
            ("vectors", index.ntotal, manifest["count"]),
            ("dimensions", index.d, manifest["dimension"]),
            ("index type", kind, manifest["index_type"]),
        ):
            if found != said:
                raise IndexCorruptError(
                    f"the {domain} index at {build} has {what} {found}, its manifest says {said}",
                    f"rebuild it with `{build_command(domain, self.data_dir)}`",
                )
        return DomainIndex(domain, manifest, index, build / PASSAGES_FILE, build.name)

    def evidence_graph(self, domain: str) -> Any:
        """The domain's entity mentions and statistics (``brainweave.knowledge.graph``)."""
        from brainweave.knowledge.graph import EvidenceGraph

        st = self.status(domain)
        build = self._current_build(domain)
        if st.state == "missing" or build is None:
            raise IndexMissingError(
                f"no index for domain {domain!r} in {self.root}", f"run `{build_command(domain)}`"
            )
        if st.state == "corrupt":
            raise IndexCorruptError(st.detail, f"rebuild it with `{build_command(domain)}`")
        return EvidenceGraph(domain, build / PASSAGES_FILE)

    def domains(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if (p / "CURRENT").is_file())


class DomainIndex:
    """One loaded domain index: vectors in FAISS, passages in SQLite."""

    def __init__(
        self,
        domain: str,
        manifest: dict[str, Any],
        index: Any,
        db_path: Path,
        build_id: str | None = None,
    ) -> None:
        self.domain = domain
        self.manifest = manifest
        self.index = index
        self._db_path = db_path
        self.build_id = build_id or manifest.get("build_id")

    @property
    def count(self) -> int:
        return int(self.manifest["count"])

    def check_embedder(self, embedder: Embedder) -> None:
        built_with = self.manifest["embedder"]
        if embedder.name != built_with["name"] or embedder.fingerprint() != built_with["sha256"]:
            raise ConfigError(
                f"the {self.domain} index was built with embedder {built_with['name']!r}, "
                f"but the settings use {embedder.name!r}",
                f"rebuild with `{build_command(self.domain)}` or set the embedder back",
            )

    def search_vectors(self, queries: np.ndarray, k: int) -> list[list[Hit]]:
        k = min(k, self.count)
        scores, rows = self.index.search(np.ascontiguousarray(queries, dtype=np.float32), k)
        wanted = sorted({int(r) for r in rows.ravel() if r >= 0})
        records = self._rows(wanted)
        out = []
        for qs, qr in zip(scores, rows, strict=True):
            out.append(
                [
                    Hit(score=float(s), **records[int(r)])
                    for s, r in zip(qs, qr, strict=True)
                    if r >= 0
                ]
            )
        return out

    def _rows(self, rows: Iterable[int]) -> dict[int, dict[str, Any]]:
        rows = list(rows)
        if not rows:
            return {}
        con = sqlite3.connect(f"file:{self._db_path}?mode=ro", uri=True)
        try:
            marks = ",".join("?" * len(rows))
            cur = con.execute(
                "SELECT p.row, p.passage_id, p.doc_id, d.source, d.title, p.text, d.url, "
                "d.license, d.metadata FROM passages p JOIN documents d ON d.doc_id = p.doc_id "
                f"WHERE p.row IN ({marks})",
                rows,
            )
            return {
                row: {
                    "passage_id": pid,
                    "doc_id": doc_id,
                    "domain": self.domain,
                    "source": source,
                    "title": title,
                    "text": text,
                    "url": url,
                    "license": lic,
                    "metadata": json.loads(meta),
                }
                for row, pid, doc_id, source, title, text, url, lic, meta in cur
            }
        finally:
            con.close()

    def passages(self, passage_ids: Iterable[str]) -> list[dict[str, Any]]:
        """Stored passages by id (for provenance and citation checks)."""
        ids = list(passage_ids)
        if not ids:
            return []
        con = sqlite3.connect(f"file:{self._db_path}?mode=ro", uri=True)
        try:
            marks = ",".join("?" * len(ids))
            cur = con.execute(f"SELECT row FROM passages WHERE passage_id IN ({marks})", ids)
            rows = [r for (r,) in cur]
        finally:
            con.close()
        return list(self._rows(rows).values())


def _first(err: ValidationError) -> str:
    e = err.errors()[0]
    loc = ".".join(str(x) for x in e["loc"]) or "the top level"
    more = f" and {err.error_count() - 1} more" if err.error_count() > 1 else ""
    return f"{loc}: {e['msg']}{more}"


def _chunk_all(docs: list[Document], embedder: Embedder, settings: IndexSettings) -> list[Passage]:
    window = min(settings.chunk_tokens, embedder.window)
    passages: list[Passage] = []
    batch = 512
    for i in range(0, len(docs), batch):
        part = docs[i : i + batch]
        text_offsets = embedder.token_offsets([d.text for d in part])
        title_offsets = embedder.token_offsets([d.title for d in part])
        for doc, offs, toffs in zip(part, text_offsets, title_offsets, strict=True):
            passages.extend(chunk_document(doc, offs, len(toffs), window, settings.chunk_overlap))
    return passages


def _dependencies(
    sources: list[Source], checksums: dict[str, str], embedder: Embedder, settings: IndexSettings
) -> dict[str, Any]:
    """Everything the index's content depends on; any change means a rebuild."""
    return {
        "sources": {
            s.name: {
                "sha256": checksums[s.name],
                "adapter": s.adapter,
                "fields": s.fields.model_dump() if s.fields else None,
            }
            for s in sources
        },
        "adapter_version": ADAPTER_VERSION,
        "chunking": {
            "chunk_tokens": settings.chunk_tokens,
            "chunk_overlap": settings.chunk_overlap,
            "max_docs_per_source": settings.max_docs_per_source,
        },
        "embedder": {"name": embedder.name, "sha256": embedder.fingerprint()},
        "index": {
            "exact_max": settings.exact_max,
            "hnsw_m": settings.hnsw_m,
            "hnsw_ef_construction": settings.hnsw_ef_construction,
        },
        "lexical": lexical.params(),
    }


def _changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    changed = []
    old_sources, new_sources = old.get("sources", {}), new["sources"]
    for name in sorted(set(old_sources) | set(new_sources)):
        if name not in old_sources:
            changed.append(f"source {name} added")
        elif name not in new_sources:
            changed.append(f"source {name} removed")
        elif old_sources[name] != new_sources[name]:
            changed.append(f"source {name} changed")
    for key in ("adapter_version", "chunking", "embedder", "index", "lexical", "vocabularies"):
        if old.get(key) != new.get(key):
            changed.append(key.replace("_", " "))
    return changed


def _write_passages(path: Path, docs: list[Document], passages: list[Passage]) -> None:
    con = sqlite3.connect(path)
    try:
        con.executescript(
            """
            CREATE TABLE documents (
                doc_id TEXT PRIMARY KEY, source TEXT NOT NULL, title TEXT NOT NULL,
                url TEXT, license TEXT NOT NULL, metadata TEXT NOT NULL
            );
            CREATE TABLE passages (
                row INTEGER PRIMARY KEY, passage_id TEXT NOT NULL UNIQUE,
                doc_id TEXT NOT NULL REFERENCES documents(doc_id), chunk INTEGER NOT NULL,
                text TEXT NOT NULL
            );
            """
        )
        con.executemany(
            "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?)",
            ((d.id, d.source, d.title, d.url, d.license, json.dumps(d.metadata)) for d in docs),
        )
        con.executemany(
            "INSERT INTO passages VALUES (?, ?, ?, ?, ?)",
            ((i, p.id, p.doc_id, p.chunk, p.text) for i, p in enumerate(passages)),
        )
        con.commit()
    except sqlite3.IntegrityError as err:
        raise CorpusError(
            f"duplicate document or passage id while indexing: {err}",
            "each record of a source needs its own id",
        ) from err
    finally:
        con.close()


# ----- the knowledge layer's build-time hook: every passage's entity mentions ---------
def _vocabulary_versions(data_dir: Path) -> dict[str, Any]:
    """The vocabularies' versions (a change means a rebuild, as a corpus change does)."""
    from brainweave import knowledge

    return knowledge.vocabulary_versions(data_dir)


def _annotate(passages: list[Passage], data_dir: Path) -> tuple[Any, list[Any], dict[str, float]]:
    """The knowledge layer for ``data_dir``, each passage's mentions (title and text), and
    the seconds spent loading the vocabularies (once per process) and annotating."""
    from brainweave import knowledge
    from brainweave.knowledge import graph

    t0 = time.perf_counter()
    kn = knowledge.load(data_dir)
    t1 = time.perf_counter()
    annotated = graph.annotate(kn, ((p.title, p.text) for p in passages))
    t2 = time.perf_counter()
    return kn, annotated, {"vocabularies": round(t1 - t0, 3), "annotate": round(t2 - t1, 3)}


def _write_mentions(db_path: Path, kn: Any, annotated: list[Any]) -> dict[str, Any]:
    """Mentions, entity document frequencies and co-mention counts into the passage store;
    the vocabularies' versions and counts for the manifest."""
    from brainweave.knowledge import graph

    summary = graph.write(db_path, kn, annotated)
    summary["vocabularies"] = {i.name: i.version for i in kn.infos}
    return summary
