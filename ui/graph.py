"""The evidence graph of a run as an interactive Vega-Lite network (Altair ships with
Streamlit): hypotheses → the bridge entities that link them → the passages whose
findings name those entities, in three columns, passages coloured by domain.

Hovering a node shows its full text (the statement, the entity, the passage's
supporting sentence and title); the wheel and a drag zoom and pan; a click selects
the node, and the page shows that passage (or the passages of that entity or
hypothesis) with its source link. The layout is computed here, not by a physics
simulation, so the same run always draws the same picture, and the browser draws it
without settling a simulation first (``benchmarks/graph_render.py`` measures it against
graphviz and streamlit-agraph).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from typing import Any

from pydantic import BaseModel, ConfigDict

from brainweave.ui import safe
from brainweave.ui.card import entity_name, names_for, score, structure, supporting_sentence
from brainweave.ui.runs import mentions

KINDS = ("hypothesis", "bridge entity", "passage")
SHAPES = ["square", "diamond", "circle"]
DOMAIN_COLOURS = {"genetics": "#4e9a3a", "neuroimaging": "#3b7dd8", "clinical": "#d9822b"}
NEUTRAL = {"hypothesis": "#4d4d4d", "bridge entity": "#8e44ad"}  # apart from the domains
ROW_PX = 22  # vertical room per node in the longest column: labels do not overlap
LABEL_CHARS = 42
HYP_LABEL_CHARS = 56  # "#1 p 0.80 · A → B → C"


class Node(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    kind: str
    label: str  # short, drawn beside the node
    detail: str  # full, in the tooltip
    domain: str  # colour; "cross-domain" / "entity" for the two neutral kinds
    x: int
    y: float
    url: str | None = None
    passage_ids: list[str] = []


class Link(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str
    target: str


class Graph(BaseModel):
    model_config = ConfigDict(extra="forbid")

    nodes: list[Node]
    links: list[Link]

    def node(self, node_id: str) -> Node | None:
        return next((n for n in self.nodes if n.id == node_id), None)


def _short(text: str, n: int = LABEL_CHARS) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def evidence_graph(
    run: dict[str, Any], passages: dict[str, Any], hypothesis_ids: list[str] | None = None
) -> Graph:
    """Nodes and links of the run's evidence, laid out in three ordered columns."""
    hyps = [
        h
        for h in run.get("hypotheses") or []
        if hypothesis_ids is None or h["id"] in hypothesis_ids
    ]
    findings = {f["id"]: f for f in run.get("findings") or []}
    label = functools.cache(entity_name)  # each id looked up once per drawing
    links: list[tuple[str, str]] = []
    passage_of: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}  # pid -> (finding, h)
    for h in hyps:
        bridges = [label(str(b)) for b in h.get("bridge") or []]
        links += [("h:" + h["id"], "e:" + b) for b in bridges]
        for fid in h.get("finding_ids", []):
            f = findings.get(fid)
            if f is None:
                continue
            named = [b for b in bridges if mentions(f, b, label)]
            for pid in f.get("passage_ids", []):
                passage_of.setdefault(pid, (f, h))
                if named:
                    links += [("e:" + b, "p:" + pid) for b in named]
                else:
                    links.append(("h:" + h["id"], "p:" + pid))
    links = list(dict.fromkeys(links))
    nodes: dict[str, Node] = {}
    for h in hyps:
        p = score(h, "plausibility")
        head = f"#{h.get('rank', '?')} " + (f"p {p:.2f} · " if p is not None else "")
        path = structure(h)  # A → B → C says which hypothesis it is better than its opening
        short = " → ".join([path[0].subject, *(e.object for e in path)]) if path else None
        nodes["h:" + h["id"]] = Node(
            id="h:" + h["id"],
            kind="hypothesis",
            label=_short(head + (short or h.get("statement", "")), HYP_LABEL_CHARS),
            detail=head + " ".join(str(h.get("statement", "")).split()),
            domain=" + ".join(sorted(h.get("domains") or [])) or "cross-domain",
            x=0,
            y=0,
        )
    for _, dst in links:
        if dst.startswith("e:") and dst not in nodes:
            nodes[dst] = Node(
                id=dst,
                kind="bridge entity",
                label=_short(dst[2:]),
                detail=f"bridge entity: {dst[2:]}",
                domain="entity",
                x=1,
                y=0,
            )
    for pid, (f, _h) in passage_of.items():
        rec = passages.get(pid) or {}
        sentence = supporting_sentence(rec.get("text"), f.get("claim"), names_for({}, f))
        title = rec.get("title") or pid
        nodes["p:" + pid] = Node(
            id="p:" + pid,
            kind="passage",
            label=_short(title),
            detail=f"{f.get('domain', '')}: “{sentence or f.get('claim', '')}” — {title}",
            domain=str(f.get("domain") or "other"),
            x=2,
            y=0,
            url=safe.url(rec.get("url")),
            passage_ids=[pid],
        )
    _lay_out(nodes, links)
    for node in nodes.values():  # what a click on a hypothesis or entity shows
        if node.kind != "passage":
            node.passage_ids = sorted(_reach(node.id, links) & set(passage_of))
    return Graph(
        nodes=sorted(nodes.values(), key=lambda n: (n.x, n.y)),
        links=[Link(source=s, target=t) for s, t in links],
    )


def _reach(start: str, links: list[tuple[str, str]]) -> set[str]:
    out: dict[str, list[str]] = defaultdict(list)
    for s, t in links:
        out[s].append(t)
    seen, todo = set(), [start]
    while todo:
        for t in out[todo.pop()]:
            if t not in seen:
                seen.add(t)
                todo.append(t)
    return {t[2:] for t in seen if t.startswith("p:")}


def _lay_out(nodes: dict[str, Node], links: list[tuple[str, str]]) -> None:
    """Hypotheses in rank order; each next column sorted by the mean position of its
    neighbours on the left (one barycentre sweep: few crossings, stable), passages
    grouped by domain. Columns are spread over the height of the longest one."""
    left: dict[str, list[str]] = defaultdict(list)
    for s, t in links:
        left[t].append(s)
    columns: list[list[str]] = [[n.id for n in nodes.values() if n.x == x] for x in range(3)]
    pos = {nid: float(i) for i, nid in enumerate(columns[0])}

    def bary(nid: str) -> float:
        ps = [pos[s] for s in left[nid] if s in pos]
        return sum(ps) / len(ps) if ps else float("inf")

    for x in (1, 2):
        if x == 2:
            columns[x].sort(key=lambda nid: (nodes[nid].domain, bary(nid)))
        else:
            columns[x].sort(key=bary)
        pos.update({nid: float(i) for i, nid in enumerate(columns[x])})
    rows = max((len(c) for c in columns), default=1)
    for col in columns:
        for i, nid in enumerate(col):
            nodes[nid].y = (i + 0.5) * rows / len(col)


def chart(graph: Graph) -> tuple[Any, dict[str, list[dict[str, Any]]]]:
    """The Altair chart: links as rules, nodes as points (shape = kind, colour =
    domain), labels beside them; zoom and pan on the wheel and drag; a click selects
    a node (the selection parameter is ``node``). Returned with its datasets by name."""
    import altair as alt

    rows = max((n.y for n in graph.nodes), default=0) + 0.5
    by_id = {n.id: n for n in graph.nodes}
    segs = [
        {"x": by_id[ln.source].x, "y": by_id[ln.source].y, "x2": by_id[ln.target].x,
         "y2": by_id[ln.target].y}
        for ln in graph.links
        if ln.source in by_id and ln.target in by_id
    ]  # fmt: skip
    pts = [n.model_dump(exclude={"passage_ids"}) for n in graph.nodes]
    domains = sorted({n.domain for n in graph.nodes if n.kind == "passage"})
    hyp_domains = sorted({n.domain for n in graph.nodes if n.kind == "hypothesis"})
    colour_domain = [*domains, *hyp_domains, "entity"]
    colour_range = [
        *(DOMAIN_COLOURS.get(d, "#7f8c8d") for d in domains),
        *(NEUTRAL["hypothesis"] for _ in hyp_domains),
        NEUTRAL["bridge entity"],
    ]
    x = alt.X("x:Q", axis=None, scale=alt.Scale(domain=[-0.05, 2.9]))
    y = alt.Y("y:Q", axis=None, scale=alt.Scale(domain=[rows, 0]))
    pick = alt.selection_point(fields=["id"], name="node", on="click", clear="dblclick")
    zoom = alt.selection_interval(bind="scales", encodings=["x", "y"])
    edges = (
        alt.Chart(alt.NamedData(name="links"))
        .mark_rule(color="#9a9a9a", opacity=0.55, strokeWidth=1)
        .encode(x=x, y=y, x2="x2:Q", y2="y2:Q")
    )
    base = alt.Chart(alt.NamedData(name="nodes")).encode(x=x, y=y)
    points = base.mark_point(filled=True, size=140, opacity=1).encode(
        shape=alt.Shape("kind:N", scale=alt.Scale(domain=list(KINDS), range=SHAPES), title="node"),
        color=alt.Color(
            "domain:N",
            scale=alt.Scale(domain=colour_domain, range=colour_range),
            title="domain",
        ),
        stroke=alt.condition(pick, alt.value("#111"), alt.value(None)),
        strokeWidth=alt.value(2),
        tooltip=[alt.Tooltip("kind:N"), alt.Tooltip("detail:N", title="text")],
    )
    labels = base.mark_text(align="left", dx=9, fontSize=11, limit=290).encode(
        text="label:N", tooltip=[alt.Tooltip("detail:N", title="text")]
    )
    layered = (
        alt.layer(edges, points.add_params(pick, zoom), labels)
        .properties(height=int(max(240, rows * ROW_PX)), padding={"right": 10})
        .configure_view(stroke=None)
        .configure_legend(orient="top")
    )
    # the values go in as named datasets: Altair copies and checks inline values one by
    # one, which took ~1 s for 200 nodes
    return layered, {"links": segs, "nodes": pts}


def spec(graph: Graph, *, validate: bool = False) -> dict[str, Any]:
    """The Vega-Lite spec of :func:`chart` for ``st.vega_lite_chart``, its values in
    top-level ``datasets`` (the tests validate it)."""
    layered, datasets = chart(graph)
    out: dict[str, Any] = layered.to_dict(validate=validate)
    out["datasets"] = datasets
    return out


def selected(state: Any, graph: Graph) -> Node | None:
    """The node a click selected (``st.altair_chart(on_select=...)``'s state), if any."""
    try:
        picked = state.selection.node
    except AttributeError:
        picked = (state or {}).get("selection", {}).get("node") if isinstance(state, dict) else None
    for item in picked or []:
        node = graph.node(str(item.get("id")))
        if node is not None:
            return node
    return None
