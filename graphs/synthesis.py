"""Cross-domain linking and hypothesis drafting (pure logic, plus one LLM call per set).

Findings are linked the way literature-based discovery links separate
literatures (Swanson's A-B-C method): two findings from different domains that
name the same entity are linked directly (A-B); a finding in domain A and one in
domain C that share nothing are linked through a finding in domain B that shares
an entity with each (A-B-C). Each linked set is phrased as one hypothesis (by
the LLM, else a template), and every citation is checked against the run's
findings and retrieved passages: a hypothesis citing anything outside them is
rejected, and one left with a single domain is dropped; both are counted.

The entities are ids of the knowledge layer (``brainweave.knowledge``): a
bridge is one entity id, so two things that share a word but not an id ("brain
atrophy", "muscle atrophy") never link.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from brainweave import knowledge
from brainweave.agents.extractive import clip, lower_first
from brainweave.agents.llm import FinalAnswer
from brainweave.agents.models import Edge, Finding, Hypothesis
from brainweave.graphs import prompts

log = logging.getLogger(__name__)

# how much a shared entity of each kind says: a gene or region is specific, "memory" is not
WEIGHT = {
    "gene": 3.0,
    "region": 3.0,
    "intervention": 2.5,
    "transmitter": 2.0,
    "phenotype": 2.0,
    "disease": 2.0,
    "process": 1.0,
}


@dataclass
class LinkedSet:
    """Findings from at least two domains and the entities that link them."""

    findings: list[Finding]
    bridge: list[str]
    score: float

    @property
    def domains(self) -> list[str]:
        return sorted({f.domain for f in self.findings})


def _weight(entity: str, question_entities: set[str]) -> float:
    w = WEIGHT.get(knowledge.kind(entity), 1.0) * (0.3 if knowledge.is_generic(entity) else 1.0)
    return w + (2.0 if entity in question_entities else 0.0)


def link_findings(findings: Sequence[Finding], question: str, max_sets: int = 8) -> list[LinkedSet]:
    """Linked sets of findings, best first: direct bridges (A-B) and chains (A-B-C)."""
    q_ents = set(knowledge.find_entities(question))
    by_entity: dict[str, list[Finding]] = {}
    for f in findings:
        for e in f.entities:
            by_entity.setdefault(e, []).append(f)
    sets: dict[frozenset[str], LinkedSet] = {}

    def add(members: list[Finding], bridge: list[str]) -> None:
        if len({f.domain for f in members}) < 2:
            return
        key = frozenset(f.id for f in members)
        score = sum(_weight(e, q_ents) for e in bridge) + 1.5 * len({f.domain for f in members})
        if key not in sets or sets[key].score < score:
            sets[key] = LinkedSet(sorted(members, key=lambda f: f.id), sorted(bridge), score)

    # A-B: findings of different domains naming the same entity (one pair per domain pair)
    for e, fs in by_entity.items():
        for i, a in enumerate(fs):
            for b in fs[i + 1 :]:
                if a.domain != b.domain:
                    shared = sorted(set(a.entities) & set(b.entities))
                    add([a, b], shared or [e])
    # A-B-C: a and c share nothing, but each shares an entity with b
    for b in findings:
        neighbours = [
            (f, sorted(set(f.entities) & set(b.entities)))
            for f in findings
            if f.domain != b.domain and set(f.entities) & set(b.entities)
        ]
        for i, (a, ab) in enumerate(neighbours):
            for c, bc in neighbours[i + 1 :]:
                if a.domain == c.domain or set(a.entities) & set(c.entities):
                    continue
                add([a, b, c], sorted(set(ab) | set(bc)))
    ranked = sorted(sets.values(), key=lambda s: (-s.score, [f.id for f in s.findings]))
    # variety: at most two sets per leading bridge entity
    out: list[LinkedSet] = []
    lead: Counter[str] = Counter()
    for s in ranked:
        top = max(s.bridge, key=lambda e: _weight(e, q_ents))
        if lead[top] >= 2:
            continue
        lead[top] += 1
        out.append(s)
        if len(out) >= max_sets:
            break
    return out


# one sentence: a small model asked for more rambles on until the token limit cuts its JSON
STATEMENT_CHARS = 260
STATEMENT_TOKENS = 80  # 260 characters and the JSON around them
CLAIM_CHARS = 220  # of each finding in the prompt: every prompt token is read at ~300/s
# a small model opens with a report of the findings rather than the hypothesis itself
_LEAD_IN = re.compile(
    r"^(the|these|our|this) (findings?|results?|data|studies|study|evidence) "
    r"(suggests?|indicates?|shows?|implies?|imply) (that )?",
    re.I,
)


_STUDY = re.compile(r"^(the|this|our) (study|trial|aim|goal|objective|purpose)\b", re.I)
_SENTENCE_END = re.compile(r"(?<=[a-z0-9)][.!?])\s+(?=[A-Z])")


def tidy(statement: str) -> str:
    """The first sentence of a statement, without a report-style lead-in, capitalised."""
    text = _SENTENCE_END.split(" ".join(statement.split()), maxsplit=1)[0]
    text = _LEAD_IN.sub("", text)
    return text[:1].upper() + text[1:]


class HypothesisOut(BaseModel):
    statement: str = Field(min_length=12, max_length=STATEMENT_CHARS)
    finding_ids: list[str] = Field(min_length=2)


def template_statement(s: LinkedSet) -> str:
    """A plain statement from the linked findings, when the LLM's is unusable."""
    bridge = " and ".join(knowledge.label(e) for e in s.bridge[:3])
    parts = [f"the {f.domain} finding that {lower_first(f.claim)}" for f in s.findings]
    return f"{bridge} links {', '.join(parts[:-1])} and {parts[-1]}."


# entity kinds a statement may only name when its findings (or the question) name them
GROUNDED_KINDS = ("gene", "region", "phenotype", "disease", "intervention", "transmitter")


def ungrounded(statement: str, s: LinkedSet, question: str) -> str | None:
    """Why an LLM's statement is not grounded in its linked set, or None when it is.

    It must name a bridge entity (else it does not say what links the findings),
    and every gene, region, condition, intervention or transmitter it names must
    come from the findings or the question (a small model invents the rest).
    """
    named = set(knowledge.find_entities(statement))
    if not named & set(s.bridge):
        want = ", ".join(knowledge.label(e) for e in s.bridge)
        return f"the statement does not name the bridge ({want})"
    known = {e for f in s.findings for e in f.entities} | set(knowledge.find_entities(question))
    extra = sorted(
        e
        for e in named - known
        if knowledge.kind(e) in GROUNDED_KINDS and not knowledge.is_generic(e)
    )
    if extra:
        names = ", ".join(knowledge.label(e) for e in extra)
        return f"the statement names {names}, which none of the findings mention"
    return None


def phrase(
    llm: Any, question: str, s: LinkedSet, retry_ungrounded: bool = False
) -> tuple[str, list[str], str, str | None]:
    """(statement, cited finding ids, 'llm' or 'template', why the LLM's was not used)."""
    labels = {f"F{i}": f.id for i, f in enumerate(s.findings, start=1)}
    block = "\n".join(
        f"[{lab}] ({f.domain}) {clip(f.claim, CLAIM_CHARS)}"
        for lab, f in zip(labels, s.findings, strict=True)
    )
    bridge = ", ".join(knowledge.label(e) for e in s.bridge)

    def resolve(x: str) -> str | None:
        x = x.strip().strip("[]")
        return labels.get(x.upper()) or (x if x in labels.values() else None)

    def check(out: HypothesisOut) -> None:
        bad = [x for x in out.finding_ids if resolve(x) is None]
        if bad:
            raise ValueError(f"finding ids {bad} are not among the given findings")
        refuse = ValueError if retry_ungrounded else FinalAnswer
        if _STUDY.match(tidy(out.statement)):
            raise refuse("the statement describes a study; state a hypothesis instead")
        problem = ungrounded(tidy(out.statement), s, question)
        if problem:
            raise refuse(problem)

    if llm is None:
        return template_statement(s), [f.id for f in s.findings], "template", None
    try:
        out = llm.structured(
            prompts.SYNTH_SYSTEM,
            prompts.HYPOTHESIS.format(question=question, bridge=bridge, findings=block),
            HypothesisOut,
            purpose="synthesis",
            check=check,
            max_tokens=STATEMENT_TOKENS,
        )
    except Exception as err:  # unusable: the template keeps the run going
        reason = str(getattr(err, "message", err))
        return template_statement(s), [f.id for f in s.findings], "template", reason
    ids = list(dict.fromkeys(r for r in map(resolve, out.finding_ids) if r))
    return tidy(out.statement), ids, "llm", None


def verify(
    statement: str,
    finding_ids: Sequence[str],
    findings: dict[str, Finding],
    retrieved: set[str],
) -> tuple[list[str], list[str]] | str:
    """(domains, passage ids) of a hypothesis whose citations all hold, else the reason
    it is dropped: 'citation' (cites outside the run) or 'single_domain'."""
    if any(fid not in findings for fid in finding_ids):
        return "citation"
    passage_ids = list(dict.fromkeys(p for fid in finding_ids for p in findings[fid].passage_ids))
    if not passage_ids or any(p not in retrieved for p in passage_ids):
        return "citation"
    domains = sorted({findings[fid].domain for fid in finding_ids})
    if len(domains) < 2:
        return "single_domain"
    return domains, passage_ids


def synthesise(
    llm: Any,
    question: str,
    findings: Sequence[Finding],
    retrieved: set[str],
    max_hypotheses: int = 8,
    retry_ungrounded: bool = False,
) -> tuple[list[Hypothesis], dict[str, int], list[str]]:
    """Hypotheses, counts of dropped candidates by reason, and LLM problems met."""
    by_id = {f.id: f for f in findings}
    dropped: Counter[str] = Counter()
    problems: list[str] = []
    out: list[Hypothesis] = []
    for s in link_findings(findings, question, max_hypotheses):
        statement, ids, how, why = phrase(llm, question, s, retry_ungrounded)
        if why:
            problems.append(why)
        checked = verify(statement, ids, by_id, retrieved)
        if isinstance(checked, str):
            dropped[checked] += 1
            log.info("dropped a candidate (%s): %s", checked, statement)
            continue
        domains, passage_ids = checked
        out.append(
            Hypothesis(
                id=f"H{len(out) + 1}",
                statement=statement,
                finding_ids=list(ids),
                passage_ids=passage_ids,
                domains=domains,
                bridge=s.bridge,
                phrased_by=how,
            )
        )
    return out, dict(dropped), problems


# ---- discovery: ranked A-B-C paths phrased as typed claims (brainweave.graphs.discovery) ----


class RewordOut(BaseModel):
    statement: str = Field(min_length=12, max_length=STATEMENT_CHARS)


def _edge(net: Any, e: Any, subject: str, obj: str) -> Edge:
    """The typed edge subject -> object, its direction words from the cited sentence."""
    from brainweave.graphs import claims

    if e.domain == "curated":
        return Edge(
            subject=subject,
            subject_label=knowledge.label(subject),
            relation="associated with",
            object=obj,
            object_label=knowledge.label(obj),
            direction=None,
            domain=None,
            passage_id=None,
            source="HPO annotations",
            via=e.via,
        )
    best = max(e.passages, key=lambda p: (float(net.passages[p].get("score") or 0.0), p))
    text = str(net.passages[best].get("text", ""))
    sentence = claims.sentence_with(text, subject, obj)
    word = claims.direction(sentence, subject, obj)
    return Edge(
        subject=subject,
        subject_label=claims.as_written(subject, sentence),
        relation=word,
        object=obj,
        object_label=claims.as_written(obj, sentence),
        direction=word if word != "associated with" or sentence else None,
        domain=e.domain,
        passage_id=best,
        sentence=clip(sentence, 400) if sentence else None,
    )


def _reword(llm: Any, question: str, statement: str, chain: str, check: Any) -> str:
    out = llm.structured(
        prompts.SYNTH_SYSTEM,
        prompts.REWORD.format(question=question, chain=chain, statement=statement),
        RewordOut,
        purpose="synthesis",
        check=check,
        max_tokens=STATEMENT_TOKENS,
    )
    return tidy(out.statement)


def discover(
    llm: Any,
    question: str,
    findings: Sequence[Finding],
    passages: Mapping[str, Mapping[str, Any]],
    graphs: Mapping[str, Any] | None = None,
    max_hypotheses: int = 8,
    retry_ungrounded: bool = False,
    embedder: Any = None,
) -> tuple[list[Hypothesis], dict[str, int], list[str]]:
    """Hypotheses from the ranked A-B-C paths of the retrieved evidence.

    With ``embedder`` (the run's), each passage's match to the question is the cosine
    of their embeddings; else the retrieval score it came with.

    Each is a typed chain (:class:`Edge` per link, direction words from the cited
    sentence), phrased from its structure by template, optionally reworded by the
    LLM; every statement passes :func:`brainweave.graphs.grounding.check` against
    the passages it cites, else the LLM's wording is dropped for the template and
    a template that fails is shown as its structure. Each carries its novelty.
    Returns the hypotheses, counts by reason (rejected wordings and dropped paths)
    and the LLM problems met.
    """
    from brainweave.graphs import claims, discovery, grounding, novelty

    graphs = dict(graphs or {})
    named = grounding.named_by_passages(passages)
    kn = knowledge.default()
    linkable = {
        pid: {m.entity_id for m in kn.find(grounding.passage_text(p)) if not m.negated}
        for pid, p in passages.items()
    }
    relevance = None
    if embedder is not None:
        try:
            relevance = discovery.question_similarity(embedder, question, passages)
        except Exception as err:  # the retrieval scores stand in
            log.warning("discovery: question similarity unavailable: %s", err)
    net = discovery.Net(passages, linkable, graphs, relevance=relevance)
    q_ents = discovery.question_entities(question)
    ranked = discovery.rank_paths(net, q_ents, limit=max_hypotheses * 2)
    counts: Counter[str] = Counter(net.rejected)
    problems: list[str] = []
    cited_by: dict[str, list[Finding]] = {}
    for f in findings:
        for pid in f.passage_ids:
            cited_by.setdefault(pid, []).append(f)
    domain_of = {pid: str(p.get("domain", "")) for pid, p in passages.items()}
    # candidates: backed, cited by two findings of two domains, with their novelty
    candidates: list[tuple[float, Any, list[Edge], list[str], list[str], list[str], Any]] = []
    for path in ranked:
        a, b, c = path.nodes
        cited = list(dict.fromkeys(p for e in path.edges for p in e.passages))
        fids = list(dict.fromkeys(f.id for pid in cited for f in cited_by.get(pid, [])))
        domains = sorted({domain_of[p] for p in cited if domain_of.get(p)})
        if len(domains) < 2:
            counts["single_domain"] += 1
            continue
        if len(fids) < 2:  # else the findings of its domains that name its entities
            fids += [
                f.id
                for f in findings
                if f.domain in domains and set(f.entities) & set(path.nodes) and f.id not in fids
            ]
        if len({f.domain for f in findings if f.id in fids}) < 2:
            counts["uncited"] += 1  # no findings of two domains to cite
            continue
        edges = [_edge(net, path.edges[0], a, b), _edge(net, path.edges[1], b, c)]
        nov = novelty.assess(a, c, graphs, linkable, domain_of, linking_terms=path.linking_terms)
        score = path.score * (BRIDGED_BONUS if nov.status == "bridged" else 1.0)
        candidates.append((score, path, edges, cited, fids, domains, nov))
    candidates.sort(key=lambda x: -x[0])
    out: list[Hypothesis] = []
    # only the hypotheses shown are phrased (one LLM call each at most)
    for score, path, edges, cited, fids, domains, nov in candidates[:max_hypotheses]:
        b = path.bridge
        statement = claims.phrase_chain(edges)
        how = "template"
        rejected = grounding.check(statement, cited, named, question, [b])
        if rejected is not None:
            counts[f"template_{rejected.reason}"] += 1
            statement, how = claims.structure(edges), "structure"
        elif llm is not None:

            def check(out: RewordOut, cited: list[str] = cited, b: str = b) -> None:
                problem = grounding.check(tidy(out.statement), cited, named, question, [b])
                if problem is not None:
                    counts[f"llm_{problem.reason}"] += 1
                    raise (ValueError if retry_ungrounded else FinalAnswer)(problem.detail)

            try:
                statement, how = (
                    _reword(llm, question, statement, claims.structure(edges), check),
                    "llm",
                )
            except Exception as err:  # unusable: the template stands
                problems.append(str(getattr(err, "message", err)))
        out.append(
            Hypothesis(
                id=f"H{len(out) + 1}",
                statement=statement,
                finding_ids=fids,
                passage_ids=cited,
                domains=domains,
                bridge=[b],
                phrased_by=how,
                edges=edges,
                novelty=nov,
                link_score=round(score, 4),
            )
        )
    return out, dict(counts), problems


#: how much the ranking favours a bridged link over a known one (both are shown)
BRIDGED_BONUS = 1.15
