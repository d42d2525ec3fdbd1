"""The evidence graph (hypotheses → bridge entities → passages) without Streamlit:
its nodes and links, its layout and the Vega-Lite spec Altair makes of it."""

from __future__ import annotations

import itertools
import json
from typing import Any

from brainweave.ui import graph
from tests.test_ui_store import RUN

PASSAGES: dict[str, Any] = {
    "refseq/APOE#0": {
        "title": "APOE apolipoprotein E",
        "url": "https://www.ncbi.nlm.nih.gov/gene/348",
        "text": "Unrelated opening. APOE4 raises risk of late-onset Alzheimer disease.",
    },
    "pmc/PMC1#0": {"title": "Atrophy in AD", "url": "javascript:alert(1)", "text": "Atrophy."},
}


def test_nodes_are_hypotheses_bridges_and_cited_passages() -> None:
    g = graph.evidence_graph(RUN, PASSAGES)
    kinds = {n.id: n.kind for n in g.nodes}
    assert kinds == {
        "h:H1": "hypothesis",
        "h:H2": "hypothesis",
        "e:APOE": "bridge entity",
        "p:refseq/APOE#0": "passage",
        "p:pmc/PMC1#0": "passage",
    }, "the uncited clinical passage stays out"
    links = {(ln.source, ln.target) for ln in g.links}
    assert ("h:H1", "e:APOE") in links and ("e:APOE", "p:refseq/APOE#0") in links
    assert ("h:H1", "p:pmc/PMC1#0") in links, "no bridge named there: linked directly"
    apoe = g.node("p:refseq/APOE#0")
    assert apoe is not None and apoe.domain == "genetics"
    assert apoe.url == "https://www.ncbi.nlm.nih.gov/gene/348"
    assert "APOE4 raises risk of late-onset Alzheimer disease." in apoe.detail, "the sentence"
    assert "Unrelated opening" not in apoe.detail
    assert g.node("p:pmc/PMC1#0").url is None, "only http(s) links"  # type: ignore[union-attr]
    h1 = g.node("h:H1")
    assert h1 is not None and h1.label.startswith("#1 p 0.80")
    assert len(h1.label) <= graph.HYP_LABEL_CHARS and h1.detail.endswith(
        RUN["hypotheses"][0]["statement"]
    )
    assert set(h1.passage_ids) == {"refseq/APOE#0", "pmc/PMC1#0"}, "a click shows what it reaches"
    assert [n.x for n in g.nodes] == sorted(n.x for n in g.nodes), "three columns, left to right"


def test_the_spec_draws_every_node_and_link_with_a_click_selection() -> None:
    g = graph.evidence_graph(RUN, PASSAGES)
    spec = graph.spec(g, validate=True)
    text = json.dumps(spec)
    layers = spec["layer"]
    assert [la["mark"]["type"] for la in layers] == ["rule", "point", "text"]
    assert [la["data"]["name"] for la in layers] == ["links", "nodes", "nodes"]
    assert len(spec["datasets"]["links"]) == len(g.links)
    assert len(spec["datasets"]["nodes"]) == len(g.nodes)
    params = {p["name"]: p for p in spec["params"]}
    assert params["node"]["select"]["on"] == "click", "a click selects a node"
    assert params[next(k for k in params if k != "node")]["bind"] == "scales", "zoom and pan"
    assert "genetics" in text and graph.DOMAIN_COLOURS["genetics"] in text, "colour by domain"


def test_a_large_run_keeps_its_columns_ordered_and_readable() -> None:
    """200 nodes: every node in its column, no two labels closer than a row."""
    findings, hyps = [], []
    for i in range(100):
        d = ("genetics", "neuroimaging", "clinical")[i % 3]
        findings.append(
            {"id": f"f{i}", "domain": d, "claim": f"GENE{i % 30} in {d}.", "passage_ids": [f"p{i}"]}
        )
    for j in range(70):
        hyps.append(
            {
                "id": f"H{j}",
                "rank": j + 1,
                "statement": f"Statement {j}",
                "bridge": [f"gene:GENE{j % 30}"],
                "finding_ids": [f"f{(j * 7 + k) % 100}" for k in range(4)],
                "domains": ["genetics", "clinical"],
            }
        )
    g = graph.evidence_graph({"hypotheses": hyps, "findings": findings}, {})
    assert len(g.nodes) == 70 + 30 + 100
    for x in range(3):
        ys = sorted(n.y for n in g.nodes if n.x == x)
        assert all(b - a >= 1 - 1e-9 for a, b in itertools.pairwise(ys))
    spec = graph.spec(g, validate=True)
    assert spec["height"] >= 100 * graph.ROW_PX


def test_a_hypothesis_with_a_structure_is_labelled_by_its_path() -> None:
    """Statements of one run often open alike ("Alzheimer disease is associated with…"):
    the label is the A → B → C path, which tells them apart."""
    h = {
        **RUN["hypotheses"][0],
        "structure": [
            {"subject": "Alzheimer disease", "relation": "associated with", "object": "tau"},
            {"subject": "tau", "relation": "associated with", "object": "Lack of insight"},
        ],
    }
    g = graph.evidence_graph({**RUN, "hypotheses": [h]}, PASSAGES)
    node = g.node("h:H1")
    assert node is not None
    assert node.label == "#1 p 0.80 · Alzheimer disease → tau → Lack of insight"
    assert node.detail.endswith(h["statement"]), "the tooltip keeps the whole statement"
