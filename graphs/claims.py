"""Typed claims: the direction words of a cited sentence, and one sentence phrased from
a chain of edges (templates per relation and entity kind).

:func:`direction` reads the sentence of a passage that names both entities of an
edge and returns the direction words it uses (``increased``, ``reduced``,
``protects against``, ``causes``, ``raises the risk of``, ``associated with``);
:func:`phrase_chain` turns A -r1-> B -r2-> C into one sentence that names every
entity by its label and carries a direction word or swappable entities, so the
scorer can always form counterfactuals; :func:`structure` is the chain as
written when no sentence reads well.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from brainweave import knowledge
from brainweave.agents.models import Edge

#: the direction words, most specific first, and the cues that signal each
DIRECTIONS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("protects against", re.compile(r"\bprotect\w*|\bneuroprotect\w*|\bprevent\w*", re.I)),
    ("raises the risk of", re.compile(r"\brisk\b|\bsusceptib\w*|\bpredispos\w*", re.I)),
    (
        "reduced",
        re.compile(
            r"\b(reduc\w*|decreas\w*|lower\w*|loss|lost|diminish\w*|declin\w*|atroph\w*|"
            r"deficit\w*|downregulat\w*|down-regulat\w*|attenuat\w*|thinn\w*|smaller|"
            r"impair\w*|degenerat\w*|hypoactiv\w*|hypometabol\w*)\b",
            re.I,
        ),
    ),
    (
        "increased",
        re.compile(
            r"\b(increas\w*|elevat\w*|higher|greater|enhanc\w*|upregulat\w*|up-regulat\w*|"
            r"hyperactiv\w*|accumulat\w*|larger|rais\w*|augment\w*|excess\w*)\b",
            re.I,
        ),
    ),
    ("causes", re.compile(r"\b(caus\w*|leads? to|led to|results? in|induc\w*|drives?)\b", re.I)),
    (
        "associated with",
        re.compile(r"\b(associat\w*|link\w*|correlat\w*|relat\w*|implicat\w*|involv\w*)\b", re.I),
    ),
)
DIRECTION_WORDS = tuple(d for d, _ in DIRECTIONS)
#: what each direction flips to (the counterfactual the scorer can form)
OPPOSITE = {
    "increased": "reduced",
    "reduced": "increased",
    "protects against": "raises the risk of",
    "raises the risk of": "protects against",
    "causes": "prevents",
    "associated with": "not associated with",
}
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(])")


def sentence_with(text: str, a: str, b: str) -> str | None:
    """The first sentence of ``text`` that names both entities (by id), else None."""
    kn = knowledge.default()
    for s in _SENTENCE.split(text):
        ids = {m.entity_id for m in kn.find(s) if not m.negated}
        if a in ids and b in ids:
            return " ".join(s.split())
    return None


#: characters around the two mentions searched for direction words
WINDOW = 40


def direction(sentence: str | None, a: str | None = None, b: str | None = None) -> str:
    """The direction words a sentence uses about an edge (the most specific cue), else
    'associated with'.

    With the edge's entities given, only the stretch from one mention to the other
    (and a little either side) is read. The entities' own names are masked:
    "memory impairment" or "brain atrophy" name a thing, they do not say which way
    an effect goes."""
    if not sentence:
        return "associated with"
    mentions = knowledge.default().find(sentence)
    lo, hi = 0, len(sentence)
    if a is not None and b is not None:
        spans = [(m.start, m.end) for m in mentions if m.entity_id in (a, b)]
        if spans:
            lo = max(0, min(s for s, _ in spans) - WINDOW)
            hi = min(len(sentence), max(e for _, e in spans) + WINDOW)
    masked = list(sentence)
    for m in mentions:
        masked[m.start : m.end] = " " * (m.end - m.start)
    text = "".join(masked)[lo:hi]
    between, offset, until = text, lo, lo  # until: where the object's mention starts
    if a is not None and b is not None:
        first = {
            e: min((m.start, m.end) for m in mentions if m.entity_id == e)
            for e in (a, b)
            if any(m.entity_id == e for m in mentions)
        }
        if len(first) == 2:
            (_, end1), (start2, _) = sorted(first.values())
            between, offset, until = "".join(masked)[end1:start2], end1, start2
    for word, cue in DIRECTIONS:
        if word == "causes":
            # only a cause stated from one to the other ("levodopa-induced dyskinesia in
            # Parkinson's disease" does not say levodopa causes Parkinson's disease)
            hit = cue.search(between)
            if hit and not re.match(r"\s*by\b", between[hit.end() :]):
                after = offset + hit.end()  # "-induced dyskinesia": the cause is of another
                if not any(
                    after <= m.start < until and m.entity_id not in (a, b) for m in mentions
                ):
                    return word
            continue
        if cue.search(text):
            return word
    return "associated with"


def as_written(entity_id: str, sentence: str | None) -> str:
    """The entity's name as the cited sentence writes it: its own spelling of the name
    ("Huntington's disease" for Huntington disease), and a synonym with the vocabulary's
    name beside it ("unawareness (lack of insight)"), so a card never words a passage in
    terms it does not use. Symbols, abbreviations and a region's own forms ("hippocampal")
    keep the name; no sentence, the name."""
    from brainweave.knowledge.matcher import SYNONYM, same_name

    label = knowledge.label(entity_id)
    if not sentence:
        return label
    for m in knowledge.default().find(sentence):
        if m.entity_id != entity_id or m.negated:
            continue
        written = " ".join(m.text.split())
        if same_name(written, label):
            return written
        if m.how == SYNONYM and m.kind in ("phenotype", "disease", "intervention"):
            name = label if label[:2].isupper() else label[:1].lower() + label[1:]
            return f"{written} ({name})"
        return label
    return label


def _kind(entity_id: str) -> str:
    """The kind from the id's own prefix where it says it (no vocabulary lookup)."""
    prefix = entity_id.split(":", 1)[0]
    if prefix == "NCBIGene":
        return "gene"
    if prefix == "HP":
        return "phenotype"
    if prefix in ("OMIM", "ORPHA"):
        return "disease"
    return prefix if prefix in knowledge.KINDS else knowledge.kind(entity_id)


def _name(entity_id: str, label: str | None = None) -> str:
    text = (label or knowledge.label(entity_id)).strip()
    kind = _kind(entity_id)
    if kind in ("gene",) or (len(text) > 1 and text[:2].isupper()):
        return text
    return text[:1].lower() + text[1:]


def _object(entity_id: str, label: str | None, relation: str) -> str:
    """The object phrase of a relation, by the object's kind."""
    name = _name(entity_id, label)
    kind = _kind(entity_id)
    if kind == "region":
        name = f"the {name}" if not name.lower().startswith("the ") else name
        if relation == "increased":
            return f"is associated with increases in {name}"
        if relation == "reduced":
            return f"is associated with reductions in {name}"
        if relation == "causes":
            return f"acts on {name}"
        if relation in ("protects against", "raises the risk of"):
            return f"{relation} changes in {name}"
        return f"is associated with {name}"
    if relation in ("increased", "reduced"):
        if kind in ("phenotype", "disease"):
            # the cue measures something else ("cognitive decline", "reduced volume in
            # patients with X"): "less memory impairment" would misread it
            return f"is associated with {name}"
        return f"is associated with {relation} {name}"
    if relation == "causes":
        return f"may lead to {name}"
    return f"{relation} {name}" if relation != "associated with" else f"is associated with {name}"


def phrase_chain(edges: Sequence[Edge]) -> str:
    """One sentence from a chain: 'A <r1> B, which in turn <r2> C.' (one edge: 'A <r1> B.')."""
    if not edges:
        raise ValueError("a chain needs at least one edge")
    first = edges[0]
    subject = _name(first.subject, first.subject_label)
    text = f"{subject} {_object(first.object, first.object_label, first.relation)}"
    for e in edges[1:]:
        text += f", which in turn {_object(e.object, e.object_label, e.relation)}"
    text += "."
    return text[:1].upper() + text[1:]


def structure(edges: Sequence[Edge]) -> str:
    """The chain as written: 'A —relation→ B —relation→ C' (with each edge's source)."""
    if not edges:
        raise ValueError("a chain needs at least one edge")
    out = edges[0].subject_label
    for e in edges:
        where = e.domain or e.source
        out += f" —{e.relation} ({where})→ {e.object_label}"
    return out
