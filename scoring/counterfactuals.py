"""Counterfactual variants of a hypothesis, made the way BrainBench's experts did.

BrainBench's ``combined_abstract`` column marks each alteration as
``[[original, altered]]``. :func:`learn_edit_pairs` collects the short,
general ones (increased/decreased, anterior/posterior, excitatory/inhibitory,
males/females, ...) that occur in at least two abstracts; the result ships as
``data/edit_pairs.json`` (rebuild it with ``python -m
brainweave.scoring.counterfactuals BrainBench_Human_v0.1.csv``). A variant
applies one pair to every occurrence of its word in the statement. Entity swaps
replace an entity the statement names (found by ``brainweave.knowledge``) with
another of the same kind: a region with a neighbouring atlas region, a gene
with one of its symbol family or, failing that, one sharing its GO terms, a
phenotype with an HPO sibling, a disease with the disease sharing most of its
HPO-annotated phenotypes, a transmitter or intervention with another of its
class (see :mod:`brainweave.scoring.swaps`).
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections import Counter, defaultdict
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from brainweave.scoring.brainbench import EDIT_RE

_WORDS = re.compile(r"^[a-z][a-z\- ]*[a-z]$")
# edits of connectives change the logic of a sentence, not its result: not learned
_CONNECTIVES = {"and", "but", "but not", "or", "not", "nor"}

# Direction flips that hold in any neuroscience statement; the learned pairs add to these.
SEED_PAIRS: list[tuple[str, str]] = [
    ("increased", "decreased"),
    ("increase", "decrease"),
    ("increases", "decreases"),
    ("increasing", "decreasing"),
    ("higher", "lower"),
    ("greater", "smaller"),
    ("enhanced", "reduced"),
    ("enhances", "reduces"),
    ("upregulated", "downregulated"),
    ("activates", "inhibits"),
    ("activated", "inhibited"),
    ("excitatory", "inhibitory"),
    ("anterior", "posterior"),
    ("dorsal", "ventral"),
    ("medial", "lateral"),
    ("left", "right"),
    ("males", "females"),
    ("male", "female"),
    ("positive", "negative"),
    ("positively", "negatively"),
    ("more", "less"),
    ("faster", "slower"),
    ("stronger", "weaker"),
    ("impaired", "improved"),
    ("gain", "loss"),
    ("hyperactivity", "hypoactivity"),
    ("protects against", "contributes to"),
    # not "risk" -> "protection": "raises the protection of X" is not English
    ("raises", "lowers"),
]


class EditPair(BaseModel):
    model_config = ConfigDict(extra="forbid")

    original: str
    altered: str
    count: int  # how many BrainBench abstracts use it (either direction); 0 for seed pairs


class Variant(BaseModel):
    """One altered version of a statement."""

    model_config = ConfigDict(extra="forbid")

    text: str
    kind: str  # "edit" (a learned or seed pair) or "entity:<kind>"
    original: str
    altered: str


def learn_edit_pairs(csv_path: Path, min_abstracts: int = 2) -> list[EditPair]:
    """Short, general ``[[original, altered]]`` edits used in >= ``min_abstracts`` abstracts."""
    seen: dict[frozenset[str], set[int]] = defaultdict(set)
    directed: Counter[tuple[str, str]] = Counter()
    with csv_path.open(encoding="utf-8", newline="") as f:
        for row_no, row in enumerate(csv.DictReader(f)):
            for match in EDIT_RE.findall(row.get("combined_abstract", "")):
                items = match.split(",")
                if len(items) != 2:
                    continue
                a, b = items[0].strip(), items[1].strip()
                if a == b or not (_WORDS.match(a) and _WORDS.match(b)):
                    continue  # acronyms, numbers, symbols: specific to one abstract
                if len(a.split()) > 2 or len(b.split()) > 2 or {a, b} & _CONNECTIVES:
                    continue
                seen[frozenset((a, b))].add(row_no)
                directed[(a, b)] += 1
    pairs = []
    for (a, b), _ in directed.most_common():
        n = len(seen[frozenset((a, b))])
        if n >= min_abstracts:
            pairs.append(EditPair(original=a, altered=b, count=n))
    return pairs


@lru_cache(maxsize=1)
def edit_pairs() -> list[EditPair]:
    """Learned pairs (both directions) then seed pairs, most used first."""
    raw = resources.files("brainweave.scoring").joinpath("data/edit_pairs.json").read_text()
    learned = [EditPair.model_validate(p) for p in json.loads(raw)["pairs"]]
    out: dict[tuple[str, str], EditPair] = {}
    for p in learned:
        for a, b in ((p.original, p.altered), (p.altered, p.original)):
            if (a, b) not in out:
                out[(a, b)] = EditPair(original=a, altered=b, count=p.count)
    for a, b in SEED_PAIRS:
        for x, y in ((a, b), (b, a)):
            out.setdefault((x, y), EditPair(original=x, altered=y, count=0))
    return sorted(out.values(), key=lambda p: -p.count)


def _match_case(replacement: str, found: str) -> str:
    if found.isupper() and len(found) > 1:
        return replacement.upper()
    if found[:1].isupper():
        return replacement[:1].upper() + replacement[1:]
    return replacement


_ARTICLE = re.compile(r"(?<![\w-])(a|an|A|An)(\s+)$")
# acronyms read letter by letter: "an MRI", "an fMRI", "a PET scan"
_AN_LETTERS = set("AEFHILMNORSX")


def _article_for(word: str) -> str:
    if len(word) > 1 and word[:2].isupper():
        return "an" if word[0] in _AN_LETTERS else "a"
    if re.match(r"(?i)(uni|use|eu|one\b)", word):
        return "a"
    return "an" if word[:1].lower() in "aeiou" else "a"


def _replace(text: str, spans: list[tuple[int, int, str]]) -> str:
    """``text`` with each (start, end) replaced, and an "a"/"an" before a replaced word
    made to agree with it ("an increase" -> "a decrease")."""
    out, last = [], 0
    for start, end, word in sorted(spans):
        before = text[last:start]
        art = _ARTICLE.search(before)
        if art:
            a = _article_for(word)
            a = a[:1].upper() + a[1:] if art.group(1)[:1].isupper() else a
            before = before[: art.start()] + a + art.group(2)
        out.append(before + word)
        last = end
    return "".join(out) + text[last:]


def _inside(start: int, end: int, protected: list[tuple[int, int]]) -> bool:
    return any(start < pe and end > ps for ps, pe in protected)


def _flip(text: str, word: str, replacement: str, protected: list[tuple[int, int]]) -> str | None:
    """Every whole-word ``word`` outside an entity name replaced (case kept), or None."""
    pattern = re.compile(rf"(?<![\w-]){re.escape(word)}(?![\w-])", re.IGNORECASE)
    spans = [
        (m.start(), m.end(), _match_case(replacement, m.group(0)))
        for m in pattern.finditer(text)
        if not _inside(m.start(), m.end(), protected)
    ]
    return _replace(text, spans) if spans else None


SWAP_KINDS = ("gene", "region", "phenotype", "disease", "transmitter", "intervention")


_EPONYM = re.compile(r"^[A-Z][a-z]+(-[A-Z][a-z]+)*('?s)? (disease|syndrome|palsy|ataxia|chorea)\b")


def _display(name: str, kind: str) -> str:
    """An entity's name as it reads mid-sentence ("Seizure" -> "seizure",
    "Spinocerebellar ataxia 2" -> "spinocerebellar ataxia 2"; symbols and eponyms
    such as "Perry syndrome" or "Gerstmann-Straussler disease" kept)."""
    first = name.split()[0] if name.split() else name
    if (
        kind == "gene"
        or name[:2].isupper()
        or re.search(r"[A-Z]", first[1:])
        or (kind == "disease" and _EPONYM.match(name) and first.lower() not in _COMMON_FIRST)
    ):
        return name
    return name[:1].lower() + name[1:]


# words that start a disease's name but are no one's name
_COMMON_FIRST = {"spinocerebellar", "spongiform", "progressive", "hereditary", "familial"}


# a gene named as part of an allele or variant ("APOE e4", "APOE4", "HLA-DRB1*15"):
# the allele belongs to that gene, so another gene's name would make a thing that is not
_ALLELE_AFTER = re.compile(r"^(\w|\*|-?\s*(e|ε|E)\d)")
_MODIFIER = re.compile(
    r"^(increased|decreased|reduced|enhanced|elevated|enlarged|abnormal|impaired|"
    r"diminished|higher|lower|greater|smaller|more|less|loss|lack|absent|excessive|"
    r"progressive|mild|severe)\b",
    re.I,
)


def _outermost(mentions: list[Any]) -> list[Any]:
    """Mentions not inside a longer one ("hippocampal" inside "hippocampal atrophy")."""
    return [
        m
        for m in mentions
        if not any(
            o is not m
            and o.start <= m.start
            and m.end <= o.end
            and (o.end - o.start) > (m.end - m.start)
            for o in mentions
        )
    ]


def _swap_target(kn: Any, m: Any) -> tuple[str, str]:
    """The entity and kind to find neighbours for: a phenotype that is also a disease's
    name ("Alzheimer disease" is an HPO term too) is swapped as the disease."""
    if m.kind == "phenotype":
        e = kn.entities[m.entity_id]
        for key in (e.name.lower(), m.text.lower()):
            for other in kn.by_name.get(key, []):
                if kn.entities[other].kind == "disease":
                    return other, "disease"
    return m.entity_id, m.kind


def entity_swaps(statement: str, per_entity: int = 2) -> list[Variant]:
    """The statement with one named entity swapped for a near one of the same kind
    (``brainweave.knowledge.related``), every mention of it replaced.

    A swap replaces a whole name, never a part of one: an entity named inside a
    longer one ("hippocampal" in "hippocampal atrophy"), or a gene named as part of
    an allele ("APOE" in "APOE4" or "APOE e4"), is not swapped; a name that follows
    a direction word is not swapped for one that starts with another ("increased
    enlarged hippocampus")."""
    from brainweave import knowledge
    from brainweave.knowledge.related import alternatives

    kn = knowledge.default()
    found = kn.find(statement)
    mentions = [m for m in _outermost(found) if m.kind in SWAP_KINDS]
    named = {m.entity_id for m in found}
    out: list[Variant] = []
    for entity_id in dict.fromkeys(m.entity_id for m in mentions):
        spans = [m for m in mentions if m.entity_id == entity_id]
        if any(m.kind == "gene" and _ALLELE_AFTER.match(statement[m.end :]) for m in spans):
            continue
        target, kind = _swap_target(kn, spans[0])
        after_direction = any(
            _MODIFIER.match(w) for m in spans for w in statement[: m.start].split()[-1:]
        )
        made = 0
        for other in alternatives(kn, target, limit=per_entity + 6):
            if made >= per_entity:
                break
            if other in named or other == target:
                continue  # already named: the swap would merge two entities
            alt = kn.entities[other]
            word = _display(alt.name, alt.kind)
            if after_direction and _MODIFIER.match(word):
                continue
            new = _replace(
                statement,
                [
                    (m.start, m.end, word[:1].upper() + word[1:] if m.start == 0 else word)
                    for m in spans
                ],
            )
            if new == statement or not any(f.kind == alt.kind for f in kn.find(new)):
                continue
            made += 1
            out.append(Variant(text=new, kind=kind, original=spans[0].text, altered=word))
    return out


def _protected(statement: str) -> list[tuple[int, int]]:
    """The spans of every entity name the statement holds: no edit lands in them."""
    from brainweave import knowledge

    return [(m.start, m.end) for m in knowledge.default().find(statement)]


def make_variants(
    statement: str, max_variants: int = 8, max_entity_swaps: int = 2
) -> list[Variant]:
    """Up to ``max_variants`` altered statements: edit pairs first, then entity swaps.

    An edit flips a result word ("increased" -> "decreased") wherever it stands
    outside an entity name ("lateral" in "amyotrophic lateral sclerosis" stays)."""
    variants: list[Variant] = []
    texts = {statement}
    used_words: set[str] = set()
    protected = _protected(statement)
    for p in edit_pairs():
        if len(variants) >= max_variants:
            break
        if p.original in used_words:
            continue  # one flip per word (increased -> decreased, not also -> reduced)
        new = _flip(statement, p.original, p.altered, protected)
        if new is None or new in texts:
            continue
        used_words.add(p.original)
        texts.add(new)
        variants.append(Variant(text=new, kind="edit", original=p.original, altered=p.altered))
    for swap in entity_swaps(statement, max_entity_swaps):
        if len(variants) >= max_variants:
            break
        if swap.text in texts:
            continue
        texts.add(swap.text)
        variants.append(
            Variant(
                text=swap.text,
                kind=f"entity:{swap.kind}",
                original=swap.original,
                altered=swap.altered,
            )
        )
    return variants


def _main(argv: list[str]) -> None:
    if len(argv) != 1:
        raise SystemExit("usage: python -m brainweave.scoring.counterfactuals BRAINBENCH.csv")
    src = Path(argv[0])
    pairs = learn_edit_pairs(src)
    out = Path(__file__).parent / "data" / "edit_pairs.json"
    out.write_text(
        json.dumps(
            {
                "source": "BrainBench_Human_v0.1.csv (braingpt-lovelab/brainbench_testcases "
                "89869da, Apache-2.0): [[original, altered]] edits in >= 2 abstracts",
                "pairs": [p.model_dump() for p in pairs],
            },
            indent=1,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"{len(pairs)} edit pairs -> {out}")


if __name__ == "__main__":
    _main(sys.argv[1:])
