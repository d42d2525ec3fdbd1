"""Read corpus sources into Documents, naming file and line for every bad record."""

from __future__ import annotations

import csv
import json
import logging
import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

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
    """Yield (location, record) pairs; a malformed record yields a CorpusError instead.

    Every format reads its file through :func:`open_text`, so bytes that are not
    UTF-8 are found here, in one place, and reported like any other bad record
    (file and line, skippable with ``--skip-bad``) instead of ending the read.
    """
    if source.format == "jsonl":
        records = _read_jsonl(path)
    elif source.format == "json-object":
        records = _read_json_object(path)
    elif source.format == "csv":
        records = _read_csv(path)
    else:  # pragma: no cover - guarded by the Source model
        raise CorpusError(f"unknown format {source.format!r} for source {source.name!r}")
    for where, rec in records:
        if not isinstance(rec, CorpusError):
            bad = _undecodable(rec)
            if bad is not None:
                rec = CorpusError(f"{where}: {bad}")
        yield where, rec


def open_text(path: Path, *, newline: str | None = None) -> TextIO:
    """A corpus file as text. Bytes that are not UTF-8 are kept as lone surrogates
    (``surrogateescape``) so the reader goes on and :func:`_undecodable` names the
    record that holds them; a UTF-8 byte-order mark is dropped."""
    return path.open(encoding="utf-8-sig", errors="surrogateescape", newline=newline)


_ESCAPED = re.compile("[\udc80-\udcff]")


def _undecodable(rec: Record) -> str | None:
    """Where a record holds bytes that are not UTF-8, in words; None when it holds none."""
    for key, value in rec.items():
        for text, what in ((key, "field name"), (value, f"field {key!r}")):
            if not isinstance(text, str):
                if isinstance(text, list | dict):
                    text = json.dumps(text, ensure_ascii=False)
                else:
                    continue
            m = _ESCAPED.search(text)
            if m:
                byte = ord(m.group()) - 0xDC00
                return (
                    f"{what} is not UTF-8 text (byte 0x{byte:02X} at character {m.start() + 1}); "
                    "re-save the file as UTF-8, e.g. `iconv -f latin1 -t utf-8`"
                )
    return None


def _read_jsonl(path: Path) -> Iterator[tuple[str, Record | CorpusError]]:
    with open_text(path) as fh:
        for lineno, line in enumerate(fh, start=1):
            where = f"{path}:{lineno}"
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as err:
                yield where, CorpusError(f"{where}: malformed JSON: {_json_problem(line, err)}")
                continue
            if not isinstance(rec, dict):
                yield (
                    where,
                    CorpusError(f"{where}: expected a JSON object, got {type(rec).__name__}"),
                )
                continue
            yield where, _missing_to_none(rec)


def _json_problem(line: str, err: json.JSONDecodeError) -> str:
    """json's message with the column where the user's mistake is: a string left open
    is reported by json at the line's end ("Invalid control character"), far from
    its opening quote."""
    if err.msg.startswith("Invalid control character") and line[err.pos :].strip() == "":
        opened = _open_quote(line[: err.pos])
        if opened is not None:
            return f"a string opened at column {opened + 1} is never closed"
    return f"{err.msg} (column {err.colno})"


def _open_quote(text: str) -> int | None:
    """The index of the quote that opens a string still open at the end of ``text``."""
    start, escaped = None, False
    for i, ch in enumerate(text):
        if start is not None and escaped:
            escaped = False
        elif start is not None and ch == "\\":
            escaped = True
        elif ch == '"':
            start = i if start is None else None
    return start


def _missing_to_none(rec: Record) -> Record:
    """Exports from pandas write a missing value as NaN; treat it as absent."""
    return {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in rec.items()}


def _read_json_object(path: Path) -> Iterator[tuple[str, Record | CorpusError]]:
    try:
        with open_text(path) as fh:
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
    """Rows of a CSV file with a header. Quoting is strict: an unterminated quote
    would otherwise swallow the rest of the file into one field."""
    with open_text(path, newline="") as fh:
        reader = csv.DictReader(fh, strict=True)
        try:
            header = reader.fieldnames
        except csv.Error as err:
            raise CorpusError(f"{path}:1: malformed CSV header: {err}") from err
        if not header:
            return
        while True:
            first = reader.line_num + 1  # the line the next record starts on
            try:
                rec = next(reader)
            except StopIteration:
                return
            except csv.Error as err:
                where = f"{path}:{first}"
                if "unexpected end of data" in str(err):
                    yield (
                        where,
                        CorpusError(
                            f"{where}: malformed CSV: a quoted field opened here is never "
                            "closed (the file ends inside it)"
                        ),
                    )
                    return
                yield where, CorpusError(f"{where}: malformed CSV: {err}")
                continue
            where = f"{path}:{first}"
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
    records = 0
    for where, rec in read_records(source, path):
        records += 1
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
    if not records:
        log.warning(
            "%s: the file holds no records: source %r adds nothing to the %s index",
            path,
            source.name,
            source.domain,
        )


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
