"""Entities of the same kind that stand nearest an entity: what a counterfactual
swaps it for.

- a region: the Harvard-Oxford regions that touch it (most contact first),
  else the regions that share its parent;
- a gene: its symbol family (PSEN1 -> PSEN2, SNCA -> SNCB), else the genes
  sharing most of its GO biological-process terms (RefSeq corpus);
- a phenotype: its HPO siblings (same is-a parent), those annotated to the most
  of the same diseases first (a related phenotype, not any child of a broad group);
- a disease: the diseases sharing most of its HPO-annotated phenotypes;
- an intervention: another of the same class (a stimulation for a stimulation, a
  drug for a drug, a behavioural therapy for a behavioural therapy); an
  intervention of no known class (a diagnostic procedure, an unknown trial arm)
  has none;
- a transmitter or process: the others of its curated class.

Names that cannot stand in a sentence (OMIM's "Basal ganglia calcification,
idiopathic, 1", groupings with "/" or brackets, "Abnormality of ...") are never
offered.
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


def _index(kn: Knowledge) -> _Index:
    """The lookup tables of ``kn`` (children, gene families, GO terms), made once and
    kept on the knowledge layer itself (see :meth:`Knowledge.derived`)."""
    return kn.derived("related", lambda: _build_index(kn))


def _build_index(kn: Knowledge) -> _Index:
    ix = _Index()
    for e in kn.entities.values():
        for p in e.parents:
            ix.children.setdefault(p, []).append(e.id)
        if e.kind == "gene":
            ix.by_family.setdefault(_family(e.name), []).append(e.id)
            for x in e.xrefs:
                ix.by_go.setdefault(x, []).append(e.id)
    return ix


@lru_cache(maxsize=1)
def _disease_phenotypes() -> dict[str, set[str]]:
    """HPO's disease -> phenotype annotations (genes_to_phenotype.txt), read with a
    plain split: 300,000 lines, once per process."""
    from brainweave.knowledge.phenotypes import gene_annotations, hpo_files

    path = hpo_files()["genes_to_phenotype.txt"]
    out: dict[str, set[str]] = {}
    with path.open(encoding="utf-8") as fh:
        header = fh.readline()
        for line in fh if header.startswith("ncbi_gene_id\tgene_symbol\thpo_id") else ():
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 6:
                break
            out.setdefault(cols[5], set()).add(cols[2])
        else:
            if out:
                return out
    # a malformed file: the checked reader raises with its file and line
    for _ in gene_annotations(path):
        pass
    return out


@lru_cache(maxsize=1)
def _phenotype_diseases() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for d, ps in _disease_phenotypes().items():
        for p in ps:
            out.setdefault(p, set()).add(d)
    return out


@lru_cache(maxsize=1)
def _phenotype_idf() -> dict[str, float]:
    import math

    pd = _phenotype_diseases()
    n = len(_disease_phenotypes())
    return {p: math.log(n / len(ds)) for p, ds in pd.items()}


_UNSAYABLE = re.compile(r"[,/()\[\]]|\babnormal(ity)?\b|\bsusceptibility\b", re.I)

# intervention classes: a swap stays inside one (words of the name or its synonyms)
_INTERVENTION_CLASSES: list[tuple[str, re.Pattern[str]]] = [
    ("stimulation", re.compile(r"stimulation|\b(r?TMS|tDCS|DBS|VNS|ECT)\b|electroconvulsive")),
    (
        "behavioural",
        re.compile(
            r"behaviou?ral|\btherapy\b.*\b(cognitive|physical)|cognitive|mindfulness|exercise"
            r"|training|physical (therapy|activity)|psychotherapy|rehabilitation|yoga",
            re.I,
        ),
    ),
    ("imaging", re.compile(r"imaging|tomography|\b(MRI|fMRI|PET|EEG|MEG)\b|scan\b", re.I)),
    (
        "cell or gene therapy",
        re.compile(r"gene therapy|stem cell|antisense|oligonucleotide|nusinersen", re.I),
    ),
    (
        "drug",
        re.compile(
            r"drug|inhibitor|agonist|antagonist|antibody|mab\b|antipsychotic|antidepressant"
            r"|levodopa|amantadine|memantine|riluzole|edaravone|tetrabenazine|ketamine|lithium"
            r"|psychostimulant|botulinum|gabapentinoid|baclofen|melatonin|cannabidiol"
            r"|psilocybin|opioid|disease-modifying|\b\w+(ine|ol|ide|ate|one|pam|lam)\b",
            re.I,
        ),
    ),
]


def intervention_class(e: Entity) -> str | None:
    """'stimulation', 'behavioural', 'imaging', 'cell or gene therapy', 'drug' or None."""
    for name in [e.name, *e.synonyms]:
        for cls, pattern in _INTERVENTION_CLASSES:
            if pattern.search(name):
                return cls
    return None


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
        pd = _phenotype_diseases()
        mine = pd.get(entity_id, set())
        sibs = [
            c
            for p in e.parents
            for c in ix.children.get(p, [])
            if c != entity_id and len(kn.entities[c].name.split()) <= 4
        ]

        def overlap(c: str) -> float:
            theirs = pd.get(c, set())
            return len(mine & theirs) / len(mine | theirs) if mine and theirs else 0.0

        ranked = sorted(set(sibs), key=lambda c: (-overlap(c), len(kn.entities[c].name), c))
        if mine:  # a phenotype seen in diseases: only siblings seen in some of the same
            ranked = [c for c in ranked if overlap(c) > 0]
        out = ranked
    elif e.kind == "disease":
        dp = _disease_phenotypes()
        mine = dp.get(entity_id, set())
        stem = e.name.split()[0].lower()
        if mine:  # not a subtype of the same disease ("Parkinson disease 8")
            # the diseases sharing most of its rarer phenotypes ("Dementia" says more
            # than "Autosomal dominant inheritance"), at least two of them
            idf = _phenotype_idf()
            scored = [
                (sum(idf[p] for p in mine & ps), d)
                for d, ps in dp.items()
                if d != entity_id
                and d in kn.entities
                and len(mine & ps) >= 2
                and len(kn.entities[d].name.split()) <= 4  # a name a sentence can carry
                and stem not in kn.entities[d].name.lower()
            ]
            out = [d for _, d in sorted(scored, key=lambda x: (-x[0], x[1]))[: limit * 10]]
    elif e.kind == "intervention":
        cls = intervention_class(e)
        if cls is None or cls == "imaging":  # a method of measuring, not a treatment
            return []
        # the curated list's: named in the corpora (a trial's arm is often one study's)
        same = [
            x
            for x in kn.entities.values()
            if x.kind == "intervention"
            and x.id != entity_id
            and x.source == "brainweave curated list"
            and intervention_class(x) == cls
        ]
        out = [x.id for x in sorted(same, key=lambda x: (-len(x.xrefs), x.name))]
    else:
        out = [
            x.id
            for x in kn.entities.values()
            if x.kind == e.kind and x.source == e.source and x.id != entity_id and not x.generic
        ]
    seen: set[str] = set()
    result = []
    for x in out:
        if (
            x not in seen
            and x in kn.entities
            and not kn.entities[x].generic
            and not _UNSAYABLE.search(kn.entities[x].name)
        ):
            seen.add(x)
            result.append(x)
        if len(result) >= limit:
            break
    return result
