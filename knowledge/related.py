"""Entities of the same kind that stand nearest an entity: what a counterfactual
swaps it for.

- a region: the Harvard-Oxford regions that touch it (most contact first),
  else the regions that share its parent;
- a gene: its symbol family (PSEN1 -> PSEN2, SNCA -> SNCB), else the genes
  sharing most of its GO biological-process terms (RefSeq corpus);
- a phenotype: its HPO siblings (same is-a parent);
- a disease: the diseases sharing most of its HPO-annotated phenotypes;
- a transmitter, process or intervention: the others of its curated class.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from brainweave.knowledge.build import Knowledge
from brainweave.knowledge.vocab import Entity


@dataclass
class _Index:
    children: dict[str, list[str]] = field(default_factory=dict)
    by_family: dict[str, list[str]] = field(default_factory=dict)
    by_go: dict[str, list[str]] = field(default_factory=dict)
    #: answers already given: a sweep asks for the same entities' neighbours again and again
    answers: dict[tuple[str, int], list[str]] = field(default_factory=dict)


_indexes: dict[int, tuple[Knowledge, _Index]] = {}


def _index(kn: Knowledge) -> _Index:
    got = _indexes.get(id(kn))
    if got is not None and got[0] is kn:
        return got[1]
    ix = _Index()
    for e in kn.entities.values():
        for p in e.parents:
            ix.children.setdefault(p, []).append(e.id)
        if e.kind == "gene":
            ix.by_family.setdefault(_family(e.name), []).append(e.id)
            for x in e.xrefs:
                ix.by_go.setdefault(x, []).append(e.id)
    _indexes[id(kn)] = (kn, ix)
    return ix


@lru_cache(maxsize=1)
def _disease_phenotypes() -> dict[str, set[str]]:
    from brainweave.knowledge.phenotypes import gene_annotations

    out: dict[str, set[str]] = {}
    for a in gene_annotations():
        out.setdefault(a.disease_id, set()).add(a.phenotype_id)
    return out


def _family(symbol: str) -> str:
    """'PSEN1' -> 'PSEN', 'GRIN2B' -> 'GRIN', 'SNCA' -> 'SNC'."""
    stem = re.sub(r"\d+[A-Z]?$", "", symbol)
    if stem == symbol and len(symbol) >= 4:
        stem = symbol[:-1]
    return stem if len(stem) >= 3 else symbol


def alternatives(kn: Knowledge, entity_id: str, limit: int = 5) -> list[str]:
    """Up to ``limit`` entity ids of the same kind nearest ``entity_id``, best first."""
    e = kn.get(entity_id)
    if e is None:
        return []
    ix = _index(kn)
    known = ix.answers.get((entity_id, limit))
    if known is None:
        known = ix.answers[(entity_id, limit)] = _alternatives(kn, ix, e, limit)
    return list(known)


def _alternatives(kn: Knowledge, ix: _Index, e: Entity, limit: int) -> list[str]:
    entity_id = e.id
    out: list[str] = []
    if e.kind == "region":
        from brainweave.knowledge import mni

        out = list(mni.atlas().neighbours().get(entity_id, []))
        if len(out) < limit:
            for p in e.parents:
                out += [c for c in ix.children.get(p, []) if c != entity_id]
    elif e.kind == "gene":
        fam = [g for g in ix.by_family.get(_family(e.name), []) if g != entity_id]
        out = sorted(fam, key=lambda g: kn.entities[g].name)
        if len(out) < limit and e.xrefs:
            shared: Counter[str] = Counter()
            by_go = ix.by_go
            for x in e.xrefs:
                members = by_go.get(x, [])
                if len(members) <= 300:  # broad terms ("signal transduction") say little
                    shared.update(g for g in members if g != entity_id)
            out += [g for g, _ in sorted(shared.items(), key=lambda x: (-x[1], x[0]))]
    elif e.kind == "phenotype":
        # plain siblings ("Seizure" for "Tremor"), not "Abnormality of ..." or "A/B" groupings
        for p in e.parents:
            sibs = [
                c
                for c in ix.children.get(p, [])
                if c != entity_id
                and "/" not in kn.entities[c].name
                and len(kn.entities[c].name.split()) <= 4
            ]
            out += sorted(sibs, key=lambda c: (len(kn.entities[c].name), c))
    elif e.kind == "disease":
        dp = _disease_phenotypes()
        mine = dp.get(entity_id, set())
        stem = e.name.split()[0].lower()
        if mine:  # not a subtype of the same disease ("Parkinson disease 8")
            scored = [
                (len(mine & ps) / len(mine | ps), d)
                for d, ps in dp.items()
                if d != entity_id
                and d in kn.entities
                and mine & ps
                and stem not in kn.entities[d].name.lower()
            ]
            out = [d for _, d in sorted(scored, key=lambda x: (-x[0], x[1]))[: limit * 3]]
    else:
        out = [
            x.id
            for x in kn.entities.values()
            if x.kind == e.kind and x.source == e.source and x.id != entity_id and not x.generic
        ]
    seen: set[str] = set()
    result = []
    for x in out:
        if x not in seen and x in kn.entities and not kn.entities[x].generic:
            seen.add(x)
            result.append(x)
        if len(result) >= limit:
            break
    return result
