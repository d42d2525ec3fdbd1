"""Ranked A-B-C discovery over the run's evidence graph (literature-based discovery).

Swanson's ABC model (Swanson, "Fish oil, Raynaud's syndrome, and undiscovered public
knowledge", Perspect Biol Med 30:7-18, 1986): a concept A of one literature and a
concept C of another are linked through B-terms each literature shares with it.

- **Nodes** are entity ids of the knowledge layer (a bridge is an id, never a shared
  word); generic entities ("brain", "disease") are left out.
- **Edges** are pairs of entities that a retrieved passage names together (the
  passage backs the edge; its domain is the edge's domain), plus the curated
  gene-phenotype and gene-disease associations of the HPO annotations, which join a
  gene named in one domain to a phenotype named in another.
- **Edge weight**: normalised pointwise mutual information of the pair over the
  whole domain index (Bouma, "Normalized (pointwise) mutual information in
  collocation extraction", GSCL 2009), from the stored document frequencies and
  co-mention counts, mapped to [0, 1] ((npmi + 1) / 2: independence is 0.5) and
  shrunk by the support (minimum support one passage, which counts half).
- **Edge quality**: a pair named in one sentence is a stronger link than a pair
  that only shares a passage (Ding, Berleant, Nettleton & Wurtele, "Mining MEDLINE:
  abstracts, sentences, or phrases?", Pac Symp Biocomput 2002:326-337): a
  passage-only co-mention counts half. In a passage that describes a trial's design
  (arms, placebo, enrolment) only intervention-condition pairs are the trial's
  claim; its other pairs (two conditions of the eligibility criteria, a drug and a
  gene) are design co-mentions and count 0.3.
- **Path score**: the weakest edge (minimum weight, as in Yetisgen-Yildiz & Pratt,
  "A new evaluation methodology for literature-based discovery systems",
  J Biomed Inform 42:633-643, 2009, whose best ranking combines the linking-term
  count LTC with the average minimum weight AMW), times the specificity of B
  (inverse document frequency), times 1 + ln(LTC(A, C)), times the topic match and
  the semantic-type prior below.
- **Topic match**: each passage's similarity to the question (cosine of the
  question's and the passage's sentence embeddings, Reimers & Gurevych,
  "Sentence-BERT", EMNLP 2019; else the retrieval score it came with), as its
  percentile among the run's passages; an edge matches as well as its best passage,
  a path as well as its weaker edge (0.2 + 0.8 x that). A chain whose C end has
  nothing to do with the question (no passage naming C is in the top quarter of
  the match, C is not associated with a question entity in any index or in the curated
  annotations, and the question does not name it) is dropped and counted.
- **Semantic types** (the discovery patterns of Hristovski, Friedman, Rindflesch &
  Peterlin, "Exploiting semantic relations for literature-based discovery", AMIA
  Annu Symp Proc 2006:349-353, and the semantic-type filters of Weeber et al.,
  JASIST 52:548-557, 2001): a chain that climbs the levels of description
  (gene/transmitter -> region/process -> phenotype/disease, or the reverse) counts
  1.5, one through three different kinds (gene -> phenotype -> disease, gene ->
  disease -> region) 1.3; a link between two entities of one kind (region-region) counts half;
  an intervention as the bridge counts half (a drug tested for A and for C is not a
  mechanism linking them).
- **Open discovery** starts from the question's entities (A): when the question
  names one, every path starts there (no chain from an unrelated passage's entities);
  only a question naming no specific entity starts from the best-matching passages.
  **Closed discovery** (the question names both ends) ranks the B-terms between
  them first.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from brainweave import knowledge

log = logging.getLogger(__name__)

CURATED = "curated"
CURATED_WEIGHT = 0.5  # a curated association: as strong as a moderately specific co-mention
CLOSED_BONUS = 2.0  # closed discovery: the question named C too
SAME_KIND = 0.5  # a link between two things of one kind (region-region) says less
MAX_ENTITIES = 40  # pairs counted among at most this many entities of one passage
MAX_PER_B = 2  # variety: paths sharing one B-term
MAX_PER_AC = 2  # ... or one A-C pair
OPEN_STARTS = 3  # A-terms taken from the best passages when the question names none
PASSAGE_ONLY = 0.5  # a pair that shares a passage but no sentence (Ding et al. 2002)
DESIGN = 0.3  # a pair co-mentioned by a trial's design, not by its claim
INTERVENTION_BRIDGE = 0.5
ON_TOPIC = 0.75  # percentile a passage naming C must reach, unless C is otherwise related
#: levels of description: molecular, systems, clinical (interventions act on any)
LEVEL = {"gene": 0, "transmitter": 0, "region": 1, "process": 1, "phenotype": 2, "disease": 2}
CLIMBS = 1.5  # gene -> region -> phenotype, or the reverse
REACHES = 1.3  # three kinds: gene -> phenotype -> disease, gene -> disease -> region
CONDITIONS = ("phenotype", "disease")
#: cues of a passage describing a trial's design (two or more make it one)
_DESIGN = re.compile(
    r"\b(randomi[sz]\w*|placebo|double-blind|single-blind|open-label|cross-?over|"
    r"arms?|enrol\w*|eligib\w*|inclusion criteria|exclusion criteria|phase [1-4i]+|"
    r"participants|trial)\b",
    re.I,
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(])")


@dataclass
class EdgeEvidence:
    """Two entities linked in one domain and what backs the link."""

    a: str
    b: str
    domain: str  # the passages' domain, or 'curated'
    passages: list[str] = field(default_factory=list)  # retrieved passages naming both
    via: str | None = None  # curated: the disease that links gene and phenotype
    support: int = 0  # passages of the whole domain index naming both
    weight: float = 0.0
    match: float = 0.0  # best question match (percentile) of its passages
    in_sentence: bool = True  # some passage names both in one sentence
    design_only: bool = False  # every passage naming both describes a trial's design

    def other(self, x: str) -> str:
        return self.b if x == self.a else self.a


@dataclass
class Path:
    """A ranked chain A -> B -> C (nodes in order) and its edges."""

    nodes: tuple[str, ...]
    edges: tuple[EdgeEvidence, ...]
    score: float = 0.0
    closed: bool = False
    linking_terms: int = 1

    @property
    def bridge(self) -> str:
        return self.nodes[1]

    @property
    def domains(self) -> list[str]:
        return sorted({e.domain for e in self.edges if e.domain != CURATED})


def npmi(n_ab: int, n_a: int, n_b: int, n: int) -> float:
    """Normalised PMI of two terms over n documents, in [-1, 1] (Bouma 2009)."""
    if n <= 0 or n_ab <= 0 or n_a <= 0 or n_b <= 0:
        return -1.0
    p_ab, p_a, p_b = n_ab / n, n_a / n, n_b / n
    if p_ab >= 1.0:
        return 1.0
    return max(-1.0, min(1.0, math.log(p_ab / (p_a * p_b)) / -math.log(p_ab)))


class Net:
    """The evidence graph of one run: edges from the retrieved passages (and curated
    associations), weighted by the domain indexes' statistics where they are given."""

    def __init__(
        self,
        passages: Mapping[str, Mapping[str, Any]],
        named: Mapping[str, set[str]],
        graphs: Mapping[str, Any] | None = None,
        curated: bool = True,
        relevance: Mapping[str, float] | None = None,
    ) -> None:
        self.passages = passages
        self.graphs = dict(graphs or {})
        self.kn = knowledge.default()  # once: each default() call checks the versions
        self.named = {pid: {e for e in ids if not self.generic(e)} for pid, ids in named.items()}
        self.edges: dict[tuple[str, str, str], EdgeEvidence] = {}
        self.adj: dict[str, list[EdgeEvidence]] = defaultdict(list)
        self._df: dict[tuple[str, str], int] = {}
        self._n: dict[str, int] = {}
        self._assoc: dict[tuple[str, str], bool] = {}
        self.rejected: Counter[str] = Counter()  # paths left out, by reason
        if relevance is None:  # the retrieval score each passage came with
            relevance = {pid: float(passages[pid].get("score", 0.0) or 0.0) for pid in named}
        self.topic = percentiles({pid: float(relevance.get(pid, 0.0)) for pid in self.named})
        for pid, ids in self.named.items():
            domain = str(passages[pid].get("domain", ""))
            pairs = self._sentence_pairs(pid, ids)
            design = is_design(str(passages[pid].get("text", "")))
            for a, b in combinations(sorted(ids)[:MAX_ENTITIES], 2):
                e = self._edge(a, b, domain)
                first = not e.passages
                e.passages.append(pid)
                e.match = max(e.match, self.topic[pid])
                said = (a, b) in pairs
                claim = not design or self._trial_claim(a, b)
                e.in_sentence = said if first else (e.in_sentence or said)
                e.design_only = (not claim) if first else (e.design_only and not claim)
        if curated:
            self._add_curated()
        for e in self.edges.values():
            e.weight = self._weight(e)

    def _sentence_pairs(self, pid: str, ids: set[str]) -> set[tuple[str, str]]:
        """The pairs of the passage's entities that one of its sentences names together."""
        text = str(self.passages[pid].get("text", ""))
        out: set[tuple[str, str]] = set()
        for sentence in _SENTENCE.split(text):
            here = sorted({m.entity_id for m in self.kn.find(sentence) if not m.negated} & ids)[
                :MAX_ENTITIES
            ]
            out.update(combinations(here, 2))
        return out

    def _trial_claim(self, a: str, b: str) -> bool:
        """A trial's own claim: an intervention for a condition."""
        kinds = {self.kind(a), self.kind(b)}
        return "intervention" in kinds and bool(kinds & set(CONDITIONS))

    def generic(self, entity_id: str) -> bool:
        e = self.kn.get(entity_id)
        return bool(e and e.generic)

    def kind(self, entity_id: str) -> str:
        e = self.kn.get(entity_id)
        return e.kind if e is not None else knowledge.kind(entity_id)

    def _edge(self, a: str, b: str, domain: str, via: str | None = None) -> EdgeEvidence:
        key = (min(a, b), max(a, b), domain)
        if key not in self.edges:
            e = EdgeEvidence(key[0], key[1], domain, via=via)
            self.edges[key] = e
            self.adj[a].append(e)
            self.adj[b].append(e)
        return self.edges[key]

    def _add_curated(self) -> None:
        from brainweave.knowledge.graph import curated_edges

        where: dict[str, list[str]] = defaultdict(list)  # entity -> passages naming it
        for pid, ids in self.named.items():
            for x in ids:
                where[x].append(pid)
        genes = [x for x in where if self.kind(x) == "gene"]
        for g in genes:
            for ce in curated_edges(g):
                other = ce.b if ce.a == g else ce.a
                if other not in where or other == g:
                    continue
                pg = self._best(where[g])
                po = self._best(where[other])
                if self.passages[pg].get("domain") == self.passages[po].get("domain"):
                    continue  # the same domain already links them if anything does
                e = self._edge(g, other, CURATED, via=ce.via or None)
                if not e.passages:
                    e.passages = [pg, po]
                    e.match = min(self.topic[pg], self.topic[po])

    def _score(self, pid: str) -> float:
        return float(self.passages[pid].get("score", 0.0) or 0.0)

    def _best(self, pids: list[str]) -> str:
        return max(pids, key=lambda p: (self._score(p), p))

    # -- statistics ------------------------------------------------------------------
    def n(self, domain: str) -> int:
        if domain not in self._n:
            eg = self.graphs.get(domain)
            n = 0
            if eg is not None:
                try:
                    n = int(eg.passages())
                except Exception as err:
                    log.warning("discovery: %s index statistics unavailable: %s", domain, err)
                    self.graphs.pop(domain, None)
            if not n:
                n = sum(1 for p in self.passages.values() if p.get("domain") == domain)
            self._n[domain] = n
        return self._n[domain]

    def df(self, entity: str, domain: str) -> int:
        key = (entity, domain)
        if key not in self._df:
            eg = self.graphs.get(domain)
            got = 0
            if eg is not None:
                try:
                    got = int(eg.doc_frequency(entity))
                except Exception:
                    got = 0
            local = sum(
                1
                for pid, ids in self.named.items()
                if entity in ids and self.passages[pid].get("domain") == domain
            )
            self._df[key] = max(got, local)
        return self._df[key]

    def _weight(self, e: EdgeEvidence) -> float:
        if e.domain == CURATED:
            e.support = 1
            return CURATED_WEIGHT
        n = self.n(e.domain)
        co = len(e.passages)
        eg = self.graphs.get(e.domain)
        if eg is not None:
            try:
                co = max(co, int(eg.co_mention_count(e.a, e.b)))
            except Exception as err:  # an index without statistics: the run's own counts
                log.info("discovery: no co-mention count in %s: %s", e.domain, err)
        e.support = co
        w = npmi(co, self.df(e.a, e.domain), self.df(e.b, e.domain), n)
        quality = (1.0 if e.in_sentence else PASSAGE_ONLY) * (DESIGN if e.design_only else 1.0)
        return (w + 1.0) / 2.0 * (1.0 - 0.5**co) * quality

    def specificity(self, entity: str) -> float:
        """Inverse document frequency in [0, 1], over the domains that name the entity."""
        best = 0.0
        for domain in {str(p.get("domain", "")) for p in self.passages.values()}:
            n, df = self.n(domain), self.df(entity, domain)
            if df and n > 1:
                best = max(best, math.log((n + 1) / df) / math.log(n + 1))
        return best or 0.5

    def nodes(self) -> set[str]:
        return set(self.adj)

    def entity_topic(self, entity: str) -> float:
        """The best question match (percentile) of the run's passages naming the entity."""
        return max((self.topic[p] for p, ids in self.named.items() if entity in ids), default=0.0)

    def associated(self, c: str, others: Iterable[str]) -> bool:
        """C is linked to one of ``others`` beyond chance somewhere: named together by two
        or more passages of a domain index with positive npmi, or a curated association."""
        from brainweave.knowledge.graph import curated_edges

        for q in others:
            key = (min(c, q), max(c, q))
            if key in self._assoc:
                if self._assoc[key]:
                    return True
                continue
            hit = any({x.a, x.b} == {c, q} for x in curated_edges(q))
            for domain, eg in self.graphs.items():
                if hit:
                    break
                try:
                    co = int(eg.co_mention_count(c, q))
                except Exception:
                    continue
                if co >= 2 and npmi(co, self.df(c, domain), self.df(q, domain), self.n(domain)) > 0:
                    hit = True
            self._assoc[key] = hit
            if hit:
                return True
        return False

    def type_prior(self, a: str, b: str, c: str) -> float:
        return type_prior(self.kind(a), self.kind(b), self.kind(c))


def type_prior(ka: str, kb: str, kc: str) -> float:
    """How well a chain's kinds follow the levels of description (Hristovski 2006)."""
    prior = 1.0
    if ka == kb or kb == kc:
        prior *= SAME_KIND  # caudate -> striatum -> putamen says little
    if kb == "intervention":
        prior *= INTERVENTION_BRIDGE
    la, lb, lc = LEVEL.get(ka), LEVEL.get(kb), LEVEL.get(kc)
    if la is None or lb is None or lc is None:
        return prior
    if la < lb < lc or la > lb > lc:
        return prior * CLIMBS
    if len({ka, kb, kc}) == 3:  # gene -> disease -> region, gene -> phenotype -> disease
        return prior * REACHES
    return prior


def percentiles(values: Mapping[str, float]) -> dict[str, float]:
    """Each value's percentile rank among the values, in [0, 1] (ties share the mean rank)."""
    if not values:
        return {}
    order = sorted(values.values())
    n = len(order)
    out = {}
    for k, v in values.items():
        below = sum(1 for x in order if x < v)
        same = sum(1 for x in order if x == v)
        out[k] = 1.0 if n == 1 else (below + (same - 1) / 2) / (n - 1)
    return out


def is_design(text: str) -> bool:
    """Does the passage describe a trial's design (two or more design cues)?"""
    return len({m.group(0).lower() for m in _DESIGN.finditer(text)}) >= 2


def question_similarity(
    embedder: Any, question: str, passages: Mapping[str, Mapping[str, Any]]
) -> dict[str, float]:
    """Cosine of the question's and each passage's embedding (Reimers & Gurevych 2019)."""
    import numpy as np

    pids = list(passages)
    if not pids:
        return {}
    texts = [question] + [str(passages[p].get("text", ""))[:1000] for p in pids]
    v = np.asarray(embedder.embed(texts), dtype=np.float32)
    v /= np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
    sims = v[1:] @ v[0]
    return {p: float(x) for p, x in zip(pids, sims, strict=True)}


def starts(net: Net, question_entities: Iterable[str]) -> tuple[list[str], bool]:
    """The A-terms, in the question's order: its entities found in the evidence (True), else the
    entities of the best-matching passages (False: open discovery from the evidence)."""
    nodes = net.nodes()
    specific = [e for e in question_entities if not net.generic(e)]
    if specific:  # the question names A: paths start there or nowhere
        return list(dict.fromkeys(e for e in specific if e in nodes)), True
    by_score: dict[str, float] = defaultdict(float)
    for pid, ids in net.named.items():
        for e in ids:
            if e in nodes:
                by_score[e] += net._score(pid)
    return sorted(by_score, key=lambda e: (-by_score[e], e))[:OPEN_STARTS], False


def question_entities(question: str) -> list[str]:
    """The entity ids a question names, in the order it names them (not negated)."""
    seen = [m.entity_id for m in knowledge.default().find(question) if not m.negated]
    return list(dict.fromkeys(seen))


def rank_paths(net: Net, question_entities: Iterable[str], limit: int = 8) -> list[Path]:
    """The best A-B-C paths, best first: every edge backed, two domains crossed."""
    ordered = [e for e in question_entities if not net.generic(e)]
    q_ents = set(ordered)
    a_terms, from_question = starts(net, ordered)
    paths: list[Path] = []
    for a in a_terms:
        for e1 in net.adj.get(a, []):
            b = e1.other(a)
            if b in q_ents and from_question and len(q_ents) == 1:
                continue
            for e2 in net.adj.get(b, []):
                c = e2.other(b)
                if c in (a, b) or e2.domain == e1.domain:
                    continue
                p = Path((a, b, c), (e1, e2), closed=c in q_ents and c != a)
                if len({*p.domains, *_passage_domains(net, p)}) < 2:
                    continue
                paths.append(p)
    if not paths:
        return []
    ltc: dict[tuple[str, str], set[str]] = defaultdict(set)
    for p in paths:
        ltc[(p.nodes[0], p.nodes[2])].add(p.nodes[1])
    kept = []
    for p in paths:
        c = p.nodes[2]
        if not (
            p.closed
            or c in q_ents
            or net.entity_topic(c) >= ON_TOPIC
            or net.associated(c, q_ents or {p.nodes[0]})
        ):
            net.rejected["off_topic"] += 1
            continue
        kept.append(p)
    paths = kept
    for p in paths:
        e1, e2 = p.edges
        amw = min(e1.weight, e2.weight)
        match = 0.2 + 0.8 * min(e1.match, e2.match)
        p.linking_terms = len(ltc[(p.nodes[0], p.nodes[2])])
        p.score = amw * net.specificity(p.bridge) * match * (1.0 + math.log(p.linking_terms))
        if p.closed:
            p.score *= CLOSED_BONUS
        p.score *= net.type_prior(*p.nodes)
    # ties (closed discovery finds A-B-C and C-B-A): the end the question names first leads
    first = {a: i for i, a in enumerate(a_terms)}
    paths.sort(key=lambda p: (-p.score, first[p.nodes[0]], p.nodes))
    out: list[Path] = []
    per_b: dict[str, int] = defaultdict(int)
    per_ac: dict[frozenset[str], int] = defaultdict(int)
    seen: set[frozenset[str]] = set()
    for p in paths:
        ac = frozenset((p.nodes[0], p.nodes[2]))
        key = frozenset(p.nodes)
        if key in seen or per_b[p.bridge] >= MAX_PER_B or per_ac[ac] >= MAX_PER_AC:
            continue
        seen.add(key)
        per_b[p.bridge] += 1
        per_ac[ac] += 1
        out.append(p)
        if len(out) >= limit:
            break
    return out


def _passage_domains(net: Net, p: Path) -> set[str]:
    return {str(net.passages[pid].get("domain", "")) for e in p.edges for pid in e.passages}


def bridge_terms(
    graphs: Mapping[str, Any], entities: Iterable[str], domain: str, limit: int = 5
) -> list[str]:
    """The B-terms the entities co-occur with in one domain's whole index, most
    specific first (npmi over the index): what the exchange round looks up next."""
    eg = graphs.get(domain)
    if eg is None:
        return []
    ents = list(entities)
    scored: dict[str, float] = {}
    for a in ents:
        for b, w in _scored_terms(eg, a, set(ents), 50):
            scored[b] = max(scored.get(b, -1.0), w)
    return sorted(scored, key=lambda b: (-scored[b], b))[:limit]


def exchange_queries(
    graphs: Mapping[str, Any],
    entities: Iterable[str],
    per_domain: int = 3,
    b_terms: int = 4,
    c_terms: int = 2,
) -> dict[str, list[str]]:
    """Queries that fetch the passages behind the best A-B-C chains of the indexes.

    From the A-terms, the B-terms they co-occur with in a domain and the C-terms those
    co-occur with in another (:func:`bridge_terms`, npmi over each whole index); each
    edge becomes a query of the two entities' quoted surface forms, as a passage of
    that index names them, which the retriever puts first when a passage contains
    both. Chains are taken best first (weaker edge x semantic-type prior), at most
    ``per_domain`` queries per domain: domain -> queries.
    """
    kn = knowledge.default()
    a_terms = [
        e for e in dict.fromkeys(entities) if kn.get(e) is None or not kn.entities[e].generic
    ]
    kn_kind = knowledge.kind
    chains: list[
        tuple[float, tuple[str, str, str], tuple[str, str, str], tuple[str, str, str]]
    ] = []
    for d1, eg1 in sorted(graphs.items()):
        for a in a_terms:
            try:
                if not eg1.doc_frequency(a):
                    continue
                bs = _scored_terms(eg1, a, {*a_terms}, b_terms)
            except Exception as err:  # an index without mentions: nothing to look up
                log.info("exchange: %s has no mentions to look up: %s", d1, err)
                continue
            for b, w1 in bs:
                for d2, eg2 in sorted(graphs.items()):
                    if d2 == d1:
                        continue
                    try:
                        cs = _scored_terms(eg2, b, {a, *a_terms}, c_terms)
                    except Exception:
                        continue
                    for c, w2 in cs:
                        score = min(w1, w2) * type_prior(kn_kind(a), kn_kind(b), kn_kind(c))
                        chains.append((score, (d1, a, b), (d2, b, c), (a, b, c)))
    chains.sort(key=lambda x: (-x[0], x[3]))
    out: dict[str, list[str]] = defaultdict(list)
    for _, *edges, _nodes in chains:
        for domain, x, y in edges:
            q = _pair_query(graphs[domain], x, y)
            if q and q not in out[domain] and len(out[domain]) < per_domain:
                out[domain].append(q)
    return dict(out)


def _scored_terms(eg: Any, a: str, skip: set[str], limit: int) -> list[tuple[str, float]]:
    kn = knowledge.default()
    n, df_a = eg.passages(), eg.doc_frequency(a)
    scored = []
    for b, co in eg.co_mentions(a, 50):
        if b in skip or (kn.get(b) is not None and kn.entities[b].generic):
            continue
        w = (npmi(co, df_a, eg.doc_frequency(b), n) + 1.0) / 2.0 * (1.0 - 0.5**co)
        scored.append((b, w))
    scored.sort(key=lambda x: (-x[1], x[0]))
    return scored[:limit]


def _pair_query(eg: Any, a: str, b: str) -> str | None:
    """'"<a as written>" "<b as written>"' from a passage of the index naming both."""
    try:
        _, pids = eg.passages_naming_both(a, b, 1)
        if not pids:
            return None
        surface = {}
        for m in eg.mentions_of(pids[0]):
            if m.entity_id in (a, b) and not m.negated and m.entity_id not in surface:
                surface[m.entity_id] = m.surface
    except Exception as err:
        log.info("exchange: no passage of %s names %s and %s: %s", eg.domain, a, b, err)
        return None
    if len(surface) < 2:
        return None
    return " ".join(f'"{surface[x]}"' for x in (a, b))
