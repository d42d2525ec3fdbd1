"""Read corpus sources into Documents, naming file and line for every bad record."""

from __future__ import annotations

import csv
import json
import logging
import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from brainweave.corpora import Source
from brainweave.errors import CorpusError
from brainweave.io import sha256_file
from brainweave.retrieval.adapters import Record, SkipRecord, get_adapter
from brainweave.retrieval.documents import Document

log = logging.getLogger(__name__)


@dataclass
class SourceReport:
    """What ingesting one source did: documents made, records skipped and why."""

    source: str
    domain: str
    path: str
    sha256: str
    documents: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    bad: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "domain": self.domain,
            "path": self.path,
            "sha256": self.sha256,
            "documents": self.documents,
            "skipped": dict(self.skipped),
            "bad_records": len(self.bad),
        }


def source_path(source: Source, data_dir: Path) -> Path:
    """The source's file, or a CorpusError saying where it was expected."""
    path = source.path(data_dir)
    if not path.is_file():
        raise CorpusError(
            f"corpus file for source {source.name!r} not found: {path}",
            f"point --data (or BRAINWEAVE_DATA_DIR) at the directory holding {source.file}",
        )
    return path


def read_records(source: Source, path: Path) -> Iterator[tuple[str, Record | CorpusError]]:
    """Yield (location, record) pairs; a malformed record yields a CorpusError instead."""
    if source.format == "jsonl":
        yield from _read_jsonl(path)
    elif source.format == "json-object":
        yield from _read_json_object(path)
    elif source.format == "csv":
        yield from _read_csv(path)
    else:  # pragma: no cover - guarded by the Source model
        raise CorpusError(f"unknown format {source.format!r} for source {source.name!r}")


def _read_jsonl(path: Path) -> Iterator[tuple[str, Record | CorpusError]]:
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            where = f"{path}:{lineno}"
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as err:
                yield where, CorpusError(f"{where}: malformed JSON: {err.msg} (column {err.colno})")
                continue
            if not isinstance(rec, dict):
                yield (
                    where,
                    CorpusError(f"{where}: expected a JSON object, got {type(rec).__name__}"),
                )
                continue
            yield where, _missing_to_none(rec)


def _missing_to_none(rec: Record) -> Record:
    """Exports from pandas write a missing value as NaN; treat it as absent."""
    return {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in rec.items()}


def _read_json_object(path: Path) -> Iterator[tuple[str, Record | CorpusError]]:
    try:
        with path.open(encoding="utf-8") as fh:
            data = json.load(fh)
    except json.JSONDecodeError as err:
        raise CorpusError(
            f"{path}:{err.lineno}: malformed JSON: {err.msg} (column {err.colno})",
            "the file must be one JSON object keyed by record id; fix or replace it",
        ) from err
    if not isinstance(data, dict):
        raise CorpusError(f"{path}: expected one JSON object keyed by record id")
    for key, rec in data.items():
        where = f"{path}: record {key!r}"
        if not isinstance(rec, dict):
            yield where, CorpusError(f"{where}: expected a JSON object")
            continue
        yield where, _missing_to_none({"_key": key, **rec})


def _read_csv(path: Path) -> Iterator[tuple[str, Record | CorpusError]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        for rec in reader:
            where = f"{path}:{reader.line_num}"
            if None in rec:
                yield where, CorpusError(f"{where}: more fields than the header has")
                continue
            yield where, dict(rec)


def iter_documents(
    source: Source,
    data_dir: Path,
    *,
    skip_bad: bool = False,
    max_docs: int | None = None,
    report: SourceReport | None = None,
) -> Iterator[Document]:
    """The source's Documents. A malformed record raises CorpusError naming file and
    line, unless ``skip_bad``, which logs, counts it in ``report.bad`` and goes on."""
    path = source_path(source, data_dir)
    adapt = get_adapter(source.adapter)
    if report is None:
        report = SourceReport(source.name, source.domain, str(path), sha256_file(path))
    for where, rec in read_records(source, path):
        if max_docs is not None and report.documents >= max_docs:
            return
        if isinstance(rec, CorpusError):
            _bad(rec, report, skip_bad)
            continue
        try:
            doc = adapt(rec, source)
        except SkipRecord as skip:
            report.skipped[str(skip)] += 1
            continue
        except KeyError as err:
            _bad(CorpusError(f"{where}: record has no field {err}"), report, skip_bad)
            continue
        except (TypeError, ValueError, AttributeError) as err:
            _bad(
                CorpusError(f"{where}: record does not fit adapter {source.adapter!r}: {err}"),
                report,
                skip_bad,
            )
            continue
        report.documents += 1
        yield doc


def _bad(err: CorpusError, report: SourceReport, skip_bad: bool) -> None:
    if not skip_bad:
        raise CorpusError(err.message, "fix the record, or pass --skip-bad to skip and count it")
    log.warning("skipped: %s", err.message)
    report.bad.append(err.message)


def check_pinned(source: Source, sha256: str) -> None:
    """Warn when a built-in source file differs from the version the manifest pins."""
    if source.sha256 and source.sha256 != sha256:
        log.warning(
            "%s: file checksum %s differs from the manifest's %s; ingesting it anyway",
            source.name,
            sha256[:12],
            source.sha256[:12],
        )
