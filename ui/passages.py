"""The cited passages of a run, with their text and record metadata.

A run's record lists every retrieved passage (id, title, url, source, licence);
the text and the record's metadata (year, journal, DOI...) are read from the
passage store of the domain's live index, read-only, when the record does not
carry them. A passage the index no longer holds (rebuilt from other corpora)
keeps what the record says and has no text: the card then shows the finding
instead of a quote, and says so.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections import defaultdict
from pathlib import Path
from typing import Any

from brainweave.ui.runs import passages_by_id

log = logging.getLogger(__name__)


def _store_file(index_dir: Path, domain: str) -> Path | None:
    from brainweave.retrieval.store import PASSAGES_FILE, IndexStore

    try:
        build = IndexStore(index_dir)._current_build(domain)
    except Exception as err:  # a damaged pointer: no text, never a crash
        log.warning("no passage store for %s in %s: %s", domain, index_dir, err)
        return None
    if build is None:
        return None
    path = build / PASSAGES_FILE
    return path if path.is_file() else None


def lookup(index_dir: Path, domain: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    """Text and metadata of passages of one domain's live index, by passage id."""
    path = _store_file(index_dir, domain)
    if path is None or not ids:
        return {}
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as err:
        log.warning("cannot read %s: %s", path, err)
        return {}
    try:
        marks = ",".join("?" * len(ids))
        cur = con.execute(
            "SELECT p.passage_id, p.text, d.metadata FROM passages p "
            f"JOIN documents d ON d.doc_id = p.doc_id WHERE p.passage_id IN ({marks})",
            ids,
        )
        out = {}
        for pid, text, meta in cur:
            try:
                metadata = json.loads(meta) if meta else {}
            except ValueError:
                metadata = {}
            out[pid] = {"text": text, "metadata": metadata}
        return out
    except sqlite3.Error as err:
        log.warning("cannot read %s: %s", path, err)
        return {}
    finally:
        con.close()


def cited(run: dict[str, Any]) -> set[str]:
    """Every passage id a hypothesis or finding of the run cites."""
    ids = {p for h in run.get("hypotheses") or [] for p in h.get("passage_ids", [])}
    ids |= {p for f in run.get("findings") or [] for p in f.get("passage_ids", [])}
    return ids


def with_text(run: dict[str, Any], index_dir: Path) -> dict[str, dict[str, Any]]:
    """The run's retrieved passages by id, each with ``text`` and ``metadata`` where
    the record or the live index has them."""
    out = {pid: dict(p) for pid, p in passages_by_id(run).items()}
    wanted = cited(run)
    for pid in wanted:
        out.setdefault(pid, {"passage_id": pid})
    missing: dict[str, list[str]] = defaultdict(list)
    for pid, p in out.items():
        if not p.get("text") and pid in wanted:
            missing[p.get("domain") or _domain_of(run, pid)].append(pid)
    for domain, ids in missing.items():
        if not domain:
            continue
        for pid, extra in lookup(index_dir, domain, ids).items():
            out[pid] = {**out[pid], **{k: v for k, v in extra.items() if not out[pid].get(k)}}
    return out


def _domain_of(run: dict[str, Any], pid: str) -> str:
    for f in run.get("findings") or []:
        if pid in f.get("passage_ids", []):
            return str(f.get("domain", ""))
    return ""
