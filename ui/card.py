"""What a hypothesis card shows, worked out without Streamlit.

One card answers, in a few seconds of reading: what is claimed (the edited
wording once a reviewer edited it), which sentence of each cited passage
supports it (entity names marked, the source link beside it), how the scorer
judged it (a band that says what the number means, the counterfactuals it beat
and lost to), what the agents noted about the steps behind it, and, when the
hypothesis carries them, its structure (A —relation→ B —relation→ C) and
novelty (known / bridged).

Score values are read through :func:`score` only, so the record's shape (flat
fields or one nested ``scores`` object) is known in one place.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from brainweave.ui import safe

# the nested Scores model's field -> the flat field older records carry
_FLAT = {"reason": "score_reason", "memorised": "memorisation_flag", "model": "scorer"}


def score(h: Any, name: str, default: Any = None) -> Any:
    """One score value of a hypothesis (a record dict, or a model with ``scores``).

    Names are the nested model's (plausibility, p_vs_all, perplexity,
    counterfactuals, memorised, model, scorable, reason); flat records are read
    through their old names.
    """
    if isinstance(h, BaseModel):
        h = h.model_dump(mode="json")
    nested = h.get("scores") if isinstance(h, Mapping) else None
    if isinstance(nested, Mapping):
        value = nested.get(name)
        if value is None and name in _FLAT:
            value = nested.get(_FLAT[name])
    elif isinstance(h, Mapping):
        value = h.get(name)
        if value is None and name in _FLAT:
            value = h.get(_FLAT[name])
    else:
        value = None
    return default if value is None else value


class Band(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str
    meaning: str
    colour: str


_COLOURS = {"low": "#c0392b", "medium": "#7f8c8d", "high": "#1e8449"}


def band(
    p: float | None, interval: list[float] | None = None, rank_only: str | None = None
) -> Band:
    """A plausibility number as low / medium / high, with what it means in words a
    reviewer can act on (the bands of brainweave.scoring.plausibility.band_of).
    ``rank_only``: the scorer's own words for a number that is no probability (an
    uncalibrated scorer): no band is made up for it."""
    from brainweave.scoring.plausibility import band_of

    if p is None:
        return Band(label="not scored", meaning="no counterfactual could be formed", colour="#888")
    if rank_only:
        return Band(label="rank only", meaning=rank_only, colour="#888")
    label = band_of(p, interval) or "medium"
    pct = f"{p:.0%}"
    ci = f" (95% interval {interval[0]:.0%}–{interval[1]:.0%})" if interval else ""
    if label == "low":
        meaning = (
            f"the scorer preferred altered versions: {pct}{ci} that this wording, not an "
            "alteration of it, is the real finding"
        )
    elif label == "high":
        meaning = f"{pct}{ci} that this wording, not an alteration of it, is the real finding"
    else:
        meaning = (
            f"near chance ({pct}{ci}): the scorer barely tells this wording from its alterations"
        )
    return Band(label=label, meaning=meaning, colour=_COLOURS[label])


def rank_only(h: dict[str, Any]) -> str | None:
    """What the number is, where the scorer left it without a band (an uncalibrated
    scorer's ranking score); None for a calibrated one, and for runs made before
    scores carried a band (their number is the calibrated probability)."""
    if score(h, "band") is None and score(h, "meaning"):
        return str(score(h, "meaning"))
    return None


class Quote(BaseModel):
    """A cited passage: the sentence that supports the finding, and where it is from."""

    model_config = ConfigDict(extra="forbid")

    passage_id: str
    finding_id: str | None
    domain: str
    claim: str | None
    sentence: str | None  # None: the passage text is not available
    names: list[str]  # entity names to mark in the sentence
    title: str
    url: str | None
    source: str | None
    license: str | None


class Edge(BaseModel):
    """One edge of a hypothesis's structure (when the discovery step records it)."""

    model_config = ConfigDict(extra="forbid")

    subject: str
    relation: str
    object: str
    sentence: str | None = None
    passage_id: str | None = None


class Novelty(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str  # "known", "bridged", ...
    detail: str | None = None
    passage_ids: list[str] = Field(default_factory=list)


class Outcome(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: str  # beat, lost to, tie, not scored
    kind: str | None
    change: str | None
    perplexity: float | None
    text: str | None


class Card(BaseModel):
    """Everything one hypothesis card draws."""

    model_config = ConfigDict(extra="forbid")

    run_id: str
    id: str
    rank: int | None
    headline: str
    original: str | None  # the statement as generated, when an edit replaced it
    domains: list[str]
    bridge: list[str]
    phrased_by: str | None
    plausibility: float | None
    p_vs_all: float | None
    perplexity: float | None
    memorised: bool
    reason: str | None
    model: str | None
    band: Band
    interval: list[float] | None = None
    meaning: str | None = None  # what the number is
    quality: str | None = None  # how good the scorer is (shipped figures)
    outcomes: list[Outcome]
    quotes: list[Quote]
    notes: list[dict[str, Any]]
    structure: list[Edge]
    novelty: Novelty | None
    decision: str | None
    reviewer: str | None


def entity_name(entity: str) -> str:
    """An entity id's readable name ('NCBIGene:348' -> 'APOE', 'gene:APOE' -> 'APOE');
    plain names pass (brainweave.knowledge.label)."""
    from brainweave import knowledge

    return knowledge.label(entity) if ":" in entity else entity


_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\[])")
_WORD = re.compile(r"[a-z0-9]+")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENT.split(" ".join(text.split())) if s.strip()]


def supporting_sentence(text: str | None, claim: str | None, names: list[str]) -> str | None:
    """The passage sentence that best supports the claim: the claim itself when it is
    a verbatim sentence of the passage, else the sentence sharing most words with it
    (entity names counted twice)."""
    if not text:
        return None
    sents = sentences(text)
    if not sents:
        return None
    if claim:
        flat = " ".join(claim.split())
        for s in sents:
            if flat and flat in s:
                return s
    want = set(_WORD.findall((claim or "").lower()))
    ents = {w for n in names for w in _WORD.findall(n.lower())}

    def overlap(s: str) -> float:
        words = set(_WORD.findall(s.lower()))
        return len(words & want) + len(words & ents) + (0.001 if len(s) < 400 else 0.0)

    best = max(sents, key=overlap)
    return best if len(best) <= 600 else best[:599].rstrip() + "…"


def counterfactual_outcomes(h: Any) -> list[Outcome]:
    """Each counterfactual with whether the statement beat it (lower perplexity wins,
    as in BrainBench)."""
    own = score(h, "perplexity")
    out = []
    for cf in score(h, "counterfactuals", []) or []:
        ppl = cf.get("perplexity")
        if own is None or ppl is None:
            outcome = "not scored"
        elif own < ppl:
            outcome = "beat"
        elif own > ppl:
            outcome = "lost to"
        else:
            outcome = "tie"
        change = (
            f"{cf.get('original')} → {cf.get('altered')}" if cf.get("original") else cf.get("text")
        )
        out.append(
            Outcome(
                outcome=outcome,
                kind=cf.get("kind"),
                change=change,
                perplexity=ppl,
                text=cf.get("text"),
            )
        )
    return out


def notes_for(run: dict[str, Any], h: dict[str, Any]) -> list[dict[str, Any]]:
    """The agents' issues that concern this hypothesis: those of the agents whose
    findings it cites, the synthesis's when its wording is a template, the scorer's."""
    findings = {f["id"]: f for f in run.get("findings") or []}
    agents = {findings[f]["agent"] for f in h.get("finding_ids", []) if f in findings}
    out = []
    for issue in (run.get("provenance") or {}).get("issues") or []:
        who = issue.get("agent")
        if (
            who in agents
            or who == "scorer"
            or (who == "synthesis" and h.get("phrased_by") == "template")
        ):
            out.append(issue)
    return out


def _text(d: Mapping[str, Any], *keys: str) -> str | None:
    for k in keys:
        v = d.get(k)
        if isinstance(v, str) and v.strip():
            return v
        if isinstance(v, Mapping):  # an entity object: its name
            name = v.get("name") or v.get("label") or v.get("id")
            if isinstance(name, str):
                return name
    return None


def structure(h: dict[str, Any]) -> list[Edge]:
    """The A —relation→ B —relation→ C edges, when the hypothesis carries them."""
    raw = h.get("structure") or h.get("edges") or h.get("path") or []
    if isinstance(raw, Mapping):
        raw = raw.get("edges") or []
    out = []
    for e in raw if isinstance(raw, list) else []:
        if not isinstance(e, Mapping):
            continue
        subj = _text(e, "subject", "source", "a", "head")
        obj = _text(e, "object", "target", "b", "tail")
        if not subj or not obj:
            continue
        pids = e.get("passage_ids") or ([e["passage_id"]] if e.get("passage_id") else [])
        out.append(
            Edge(
                subject=entity_name(subj),
                relation=_text(e, "relation", "predicate", "verb") or "—",
                object=entity_name(obj),
                sentence=_text(e, "sentence", "evidence", "quote"),
                passage_id=pids[0] if pids else None,
            )
        )
    return out


def novelty(h: dict[str, Any]) -> Novelty | None:
    """Known / bridged, when the hypothesis carries it."""
    raw = h.get("novelty")
    if isinstance(raw, str) and raw.strip():
        return Novelty(label=raw)
    if isinstance(raw, Mapping):
        label = _text(raw, "label", "kind", "status", "novelty")
        if not label:
            return None
        pids = raw.get("passage_ids") or raw.get("co_mentions") or raw.get("co_mention") or []
        if isinstance(pids, str):
            pids = [pids]
        detail = _text(raw, "detail", "reason", "why")
        return Novelty(label=label, detail=detail, passage_ids=[str(p) for p in pids])
    return None


def names_for(h: dict[str, Any], finding: dict[str, Any] | None) -> list[str]:
    """The entity names to mark in a quote: the hypothesis's bridge and the finding's."""
    ents = list(h.get("bridge") or []) + list((finding or {}).get("entities") or [])
    return sorted({entity_name(str(e)) for e in ents if e})


def quotes(
    run: dict[str, Any], h: dict[str, Any], passages: dict[str, dict[str, Any]]
) -> list[Quote]:
    """One quote per cited passage, in the order of the findings that cite them."""
    findings = {f["id"]: f for f in run.get("findings") or []}
    order: list[tuple[str, dict[str, Any] | None]] = []
    seen: set[str] = set()
    for fid in h.get("finding_ids", []):
        f = findings.get(fid)
        for pid in (f or {}).get("passage_ids", []):
            if pid in h.get("passage_ids", []) and pid not in seen:
                order.append((pid, f))
                seen.add(pid)
    for pid in h.get("passage_ids", []):
        if pid not in seen:
            order.append((pid, None))
            seen.add(pid)
    out = []
    for pid, f in order:
        p = passages.get(pid, {})
        names = names_for(h, f)
        claim = (f or {}).get("claim")
        out.append(
            Quote(
                passage_id=pid,
                finding_id=(f or {}).get("id"),
                domain=(f or {}).get("domain") or p.get("domain") or "?",
                claim=claim,
                sentence=supporting_sentence(p.get("text"), claim, names),
                names=names,
                title=p.get("title") or pid,
                url=safe.url(p.get("url")),
                source=p.get("source"),
                license=p.get("license"),
            )
        )
    return out


def build(
    run: dict[str, Any],
    h: dict[str, Any],
    passages: dict[str, dict[str, Any]],
    last: Any = None,
) -> Card:
    """The card of ``h`` in ``run``; ``last`` is its latest decision (or None)."""
    edited = getattr(last, "edited_statement", None) if last is not None else None
    decision = getattr(last, "decision", None) if last is not None else None
    from brainweave.scoring.plausibility import MEANING, quality_sentence

    p = score(h, "plausibility")
    interval = score(h, "interval")
    model = score(h, "model")
    return Card(
        run_id=run["run_id"],
        id=h["id"],
        rank=h.get("rank"),
        headline=edited if decision == "edit" and edited else h["statement"],
        original=h["statement"] if decision == "edit" and edited else None,
        domains=list(h.get("domains") or []),
        bridge=[entity_name(str(b)) for b in h.get("bridge") or []],
        phrased_by=h.get("phrased_by"),
        plausibility=p,
        p_vs_all=score(h, "p_vs_all"),
        perplexity=score(h, "perplexity"),
        memorised=bool(score(h, "memorised", False)),
        reason=score(h, "reason"),
        model=model,
        band=band(p, interval, rank_only(h)),
        interval=interval,
        meaning=(rank_only(h) or MEANING) if p is not None else None,
        quality=quality_sentence(model) if p is not None else None,
        outcomes=counterfactual_outcomes(h),
        quotes=quotes(run, h, passages),
        notes=notes_for(run, h),
        structure=structure(h),
        novelty=novelty(h),
        decision=decision,
        reviewer=getattr(last, "reviewer", None) if last is not None else None,
    )
