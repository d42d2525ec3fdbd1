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
- **Path score**: the weakest edge (minimum weight, as in Yetisgen-Yildiz & Pratt,
  "A new evaluation methodology for literature-based discovery systems",
  J Biomed Inform 42:633-643, 2009, whose best ranking combines the linking-term
  count LTC with the average minimum weight AMW), times the specificity of B
  (inverse document frequency), times how well the passages behind the edges match
  the question (their retrieval similarity), times 1 + ln(LTC(A, C)); a link
  between two entities of one kind (region-region) counts half, so chains that
  cross kinds (gene -> region -> phenotype) come first.
- **Open discovery** starts from the question's entities (A); **closed discovery**
  (the question names both ends) ranks the B-terms between them first.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
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
    match: float = 0.0  # best retrieval similarity of its passages

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
    ) -> None:
        self.passages = passages
        self.graphs = dict(graphs or {})
        self.kn = knowledge.default()  # once: each default() call checks the versions
        self.named = {pid: {e for e in ids if not self.generic(e)} for pid, ids in named.items()}
        self.edges: dict[tuple[str, str, str], EdgeEvidence] = {}
        self.adj: dict[str, list[EdgeEvidence]] = defaultdict(list)
        self._df: dict[tuple[str, str], int] = {}
        self._n: dict[str, int] = {}
        for pid, ids in self.named.items():
            domain = str(passages[pid].get("domain", ""))
            score = float(passages[pid].get("score", 0.0) or 0.0)
            for a, b in combinations(sorted(ids)[:MAX_ENTITIES], 2):
                e = self._edge(a, b, domain)
                e.passages.append(pid)
                e.match = max(e.match, score)
        if curated:
            self._add_curated()
        for e in self.edges.values():
            e.weight = self._weight(e)

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
                    e.match = min(self._score(pg), self._score(po))

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
        return (w + 1.0) / 2.0 * (1.0 - 0.5**co)

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


def starts(net: Net, question_entities: Iterable[str]) -> tuple[list[str], bool]:
    """The A-terms, in the question's order: its entities found in the evidence (True), else the
    entities of the best-matching passages (False: open discovery from the evidence)."""
    nodes = net.nodes()
    q = [e for e in question_entities if e in nodes and not net.generic(e)]
    if q:
        return list(dict.fromkeys(q)), True
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
    for p in paths:
        e1, e2 = p.edges
        amw = min(e1.weight, e2.weight)
        match = 0.5 + 0.5 * (e1.match + e2.match) / 2
        p.linking_terms = len(ltc[(p.nodes[0], p.nodes[2])])
        p.score = amw * net.specificity(p.bridge) * match * (1.0 + math.log(p.linking_terms))
        if p.closed:
            p.score *= CLOSED_BONUS
        a, b, c = p.nodes
        if net.kind(a) == net.kind(b) or net.kind(b) == net.kind(c):
            p.score *= SAME_KIND  # caudate -> striatum -> putamen says little
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
    specific first (npmi over the index): what the exchange round can look up next."""
    eg = graphs.get(domain)
    if eg is None:
        return []
    n = eg.passages()
    kn = knowledge.default()
    scored: dict[str, float] = {}
    for a in entities:
        df_a = eg.doc_frequency(a)
        for b, co in eg.co_mentions(a, 50):
            if (kn.get(b) is not None and kn.entities[b].generic) or b in entities:
                continue
            w = (npmi(co, df_a, eg.doc_frequency(b), n) + 1.0) / 2.0 * (1.0 - 0.5**co)
            scored[b] = max(scored.get(b, -1.0), w)
    return sorted(scored, key=lambda b: (-scored[b], b))[:limit]
