"""The hypotheses of a run as a list to work through: sorted, filtered, searched.

Plain functions over the run record, so the app's controls and the tests agree
on what "sorted by plausibility" or "unreviewed" mean.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from brainweave.ui.card import entity_name, novelty, score

SORTS = ["rank", "plausibility, high first", "plausibility, low first", "domains"]
NOVELTY_SORT = "novelty, bridged first"
ALL = "all"


def pair(h: Mapping[str, Any]) -> str:
    """The domains a hypothesis bridges, as one label ('clinical + genetics')."""
    return " + ".join(sorted(h.get("domains") or []))


def sorts(hyps: list[dict[str, Any]]) -> list[str]:
    """The sort orders this run offers (novelty only when its hypotheses carry it)."""
    return SORTS + ([NOVELTY_SORT] if any(novelty(h) for h in hyps) else [])


def pairs(hyps: list[dict[str, Any]]) -> list[str]:
    return sorted({pair(h) for h in hyps})


def entities(run: Mapping[str, Any], hyps: list[dict[str, Any]]) -> list[str]:
    """Entity names a reviewer can filter on: bridges, and the cited findings' entities."""
    findings = {f["id"]: f for f in run.get("findings") or []}
    names: set[str] = set()
    for h in hyps:
        names.update(entity_name(str(b)) for b in h.get("bridge") or [])
        for fid in h.get("finding_ids", []):
            names.update(entity_name(str(e)) for e in findings.get(fid, {}).get("entities") or [])
    return sorted(names, key=str.lower)


def _names(run: Mapping[str, Any], h: Mapping[str, Any]) -> set[str]:
    findings = {f["id"]: f for f in run.get("findings") or []}
    out = {entity_name(str(b)).lower() for b in h.get("bridge") or []}
    for fid in h.get("finding_ids", []):
        out.update(entity_name(str(e)).lower() for e in findings.get(fid, {}).get("entities") or [])
    return out


def haystack(
    run: Mapping[str, Any],
    h: Mapping[str, Any],
    passages: Mapping[str, Mapping[str, Any]],
    edited: str | None = None,
) -> str:
    """What a search looks in: the statement (and its edit), the cited findings'
    claims, the cited passages' titles and text."""
    findings = {f["id"]: f for f in run.get("findings") or []}
    parts = [h.get("statement", ""), edited or ""]
    parts += [findings.get(fid, {}).get("claim", "") for fid in h.get("finding_ids", [])]
    for pid in h.get("passage_ids", []):
        p = passages.get(pid) or {}
        parts += [str(p.get("title") or ""), str(p.get("text") or "")]
    return " ".join(parts).lower()


def _novelty_key(h: Mapping[str, Any]) -> int:
    n = novelty(dict(h))
    if n is None:
        return 2
    return 0 if n.label.lower().startswith("bridg") else 1


def _p(h: Mapping[str, Any]) -> float:
    p = score(h, "plausibility")
    return float(p) if p is not None else -1.0


def select(
    run: Mapping[str, Any],
    *,
    sort: str = "rank",
    domain_pair: str = ALL,
    entity: str = ALL,
    unreviewed: bool = False,
    query: str = "",
    reviewed: set[str] | None = None,
    edits: Mapping[str, str] | None = None,
    passages: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """The hypotheses to show, in order. ``reviewed``: ids with a decision; ``edits``:
    edited statements by id (searched too); unscored hypotheses sort last."""
    hyps = list(run.get("hypotheses") or [])
    reviewed = reviewed or set()
    terms = query.lower().split()
    out = []
    for h in hyps:
        if domain_pair != ALL and pair(h) != domain_pair:
            continue
        if entity != ALL and entity.lower() not in _names(run, h):
            continue
        if unreviewed and h["id"] in reviewed:
            continue
        if terms:
            text = haystack(run, h, passages or {}, (edits or {}).get(h["id"]))
            if not all(t in text for t in terms):
                continue
        out.append(h)
    rank = {h["id"]: (h.get("rank") if h.get("rank") is not None else 10**6) for h in hyps}
    if sort == "plausibility, high first":
        out.sort(key=lambda h: (-_p(h) if _p(h) >= 0 else 2.0, rank[h["id"]]))
    elif sort == "plausibility, low first":
        out.sort(key=lambda h: (_p(h) if _p(h) >= 0 else 2.0, rank[h["id"]]))
    elif sort == "domains":
        out.sort(key=lambda h: (pair(h), -_p(h), rank[h["id"]]))
    elif sort == NOVELTY_SORT:
        out.sort(key=lambda h: (_novelty_key(h), -_p(h), rank[h["id"]]))
    else:
        out.sort(key=lambda h: rank[h["id"]])
    return out
