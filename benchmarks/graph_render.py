"""Which graph component draws a run's evidence graph of ~200 nodes smoothly: the
Altair / Vega-Lite network the app uses (``brainweave.ui.graph``) against the
static graphviz drawing it replaced (baseline, ``runs.hypothesis_graph`` through
``st.graphviz_chart``) and ``streamlit-agraph`` (vis.js, only measured when it is
installed: ``pip install streamlit-agraph``; it is not a brainweave dependency).

The graphs are made from real records: passages are neuroimaging abstracts
(title and text from the shared corpus), hypotheses of 3 bridges x 4 findings
each, so 200 nodes are 60 hypotheses, 30 bridge entities and 110 passages.

For each component and size it measures
- build: the Python time to make what the component takes (layout + spec / DOT /
  node lists), median of 5;
- draw: in headless Chromium through a real ``streamlit run``, the time from
  loading the page to the drawing's first element on screen, median of 3 loads;
- frames: while the mouse wheel zooms the drawing 20 times, the median and 95th
  percentile time between animation frames (16.7 ms is 60 frames/s; graphviz
  has no zoom, so only its idle frames are counted).

    python benchmarks/graph_render.py --data ../shared/data [--sizes 50,100,200]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

APP = """
import json, sys
import streamlit as st
st.set_page_config(layout="wide")
kind, n = st.query_params.get("kind", "altair"), st.query_params.get("n", "50")
data = json.loads(open(sys.argv[1] + f"/{kind}-{n}.json").read())
if kind == "altair":
    st.vega_lite_chart(spec=data, key="g", on_select="rerun", selection_mode="node")
elif kind == "graphviz":
    st.graphviz_chart(data["dot"])
else:
    from streamlit_agraph import Config, Edge, Node, agraph
    agraph(nodes=[Node(**d) for d in data["nodes"]], edges=[Edge(**e) for e in data["edges"]],
           config=Config(width=1200, height=800, directed=True, physics=True))
"""

SELECTOR = {
    "altair": "[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg",
    "graphviz": "[data-testid='stGraphVizChart'] svg",
    "agraph": "iframe",
}

# records animation-frame times for ``ms`` in the background; read window.__frames after
FRAMES_JS = """(ms) => { const t = []; window.__frames = null; const t0 = performance.now();
  const f = (now) => { t.push(now); if (now - t0 < ms) requestAnimationFrame(f);
    else window.__frames = t.slice(1).map((v, i) => v - t[i]); };
  requestAnimationFrame(f); }"""


def make_run(n_nodes: int, data: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """A run-shaped record of about ``n_nodes`` nodes (30% hypotheses, 15% bridges)."""
    path = data / "corpora" / "neuroimaging" / "pmc_oa_neuroimaging_abstracts.jsonl"
    n_h, n_b = int(n_nodes * 0.3), int(n_nodes * 0.15)
    n_p = n_nodes - n_h - n_b
    recs = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            recs.append(json.loads(line))
            if len(recs) == n_p:
                break
    domains = ("genetics", "neuroimaging", "clinical")
    passages, findings = {}, []
    for i, r in enumerate(recs):
        pid = f"pmc/PMC{r['pmcid']}#0"
        passages[pid] = {
            "title": r["title"],
            "text": r.get("abstract") or r["title"],
            "url": f"https://pmc.ncbi.nlm.nih.gov/articles/PMC{r['pmcid']}/",
        }
        findings.append(
            {
                "id": f"f{i}",
                "domain": domains[i % 3],
                "claim": (r.get("abstract") or r["title"])[:160],
                "passage_ids": [pid],
                "entities": [f"gene:BRIDGE{i % n_b}"],
            }
        )
    hyps = [
        {
            "id": f"H{j}",
            "rank": j + 1,
            "statement": recs[j % len(recs)]["title"],
            "plausibility": 0.5,
            "bridge": [f"gene:BRIDGE{(j + k) % n_b}" for k in range(3)],
            "finding_ids": [f"f{(j * 7 + k) % n_p}" for k in range(4)],
            "domains": ["genetics", "clinical"],
        }
        for j in range(n_h)
    ]
    return {"run_id": "bench", "hypotheses": hyps, "findings": findings}, passages


def build(kind: str, run: dict[str, Any], passages: dict[str, Any]) -> dict[str, Any]:
    from brainweave.ui import graph, runs

    if kind == "altair":
        return graph.spec(graph.evidence_graph(run, passages))
    if kind == "graphviz":
        return {"dot": runs.hypothesis_graph(run)}
    g = graph.evidence_graph(run, passages)  # the same nodes, laid out by vis.js physics
    colour = {**graph.DOMAIN_COLOURS, **{"entity": "#8e44ad"}}
    return {
        "nodes": [
            {
                "id": n.id,
                "label": n.label,
                "title": n.detail,
                "color": colour.get(n.domain, "#b8860b"),
            }
            for n in g.nodes
        ],
        "edges": [{"source": e.source, "target": e.target} for e in g.links],
    }


def timed_build(kind: str, run: dict[str, Any], passages: dict[str, Any]) -> float:
    ts = []
    for _ in range(5):
        t0 = time.perf_counter()
        build(kind, run, passages)
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--sizes", default="50,100,200")
    args = ap.parse_args()
    kinds = ["graphviz", "altair"]
    try:
        import streamlit_agraph  # noqa: F401

        kinds.append("agraph")
    except ImportError:
        print("streamlit-agraph is not installed: measuring graphviz and altair only")
    sizes = [int(x) for x in args.sizes.split(",")]
    tmp = Path(tempfile.mkdtemp(prefix="graph-bench-"))
    builds: dict[tuple[str, int], float] = {}
    for n in sizes:
        run, passages = make_run(n, args.data)
        for kind in kinds:
            builds[kind, n] = timed_build(kind, run, passages)
            (tmp / f"{kind}-{n}.json").write_text(json.dumps(build(kind, run, passages)))
    (tmp / "app.py").write_text(APP)
    port = _port()
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    cmd = [sys.executable, "-m", "streamlit", "run", str(tmp / "app.py"), "--server.port",
           str(port), "--server.headless", "true", "--", str(tmp)]  # fmt: skip
    server = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
                break
            except OSError:
                time.sleep(0.3)
        rows = measure(url, kinds, sizes)
    finally:
        server.terminate()
        server.wait(15)
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"load: {os.getloadavg()[0]:.2f} (1 min) on {os.cpu_count()} cores")
    print(f"{'component':>9} {'nodes':>5} {'build ms':>9} {'draw s':>7} {'vs graphviz':>11} "
          f"{'frame ms p50':>12} {'p95':>6}")  # fmt: skip
    for kind, n, draw, p50, p95 in rows:
        base = next(r[2] for r in rows if r[0] == "graphviz" and r[1] == n)
        print(f"{kind:>9} {n:>5} {builds[kind, n] * 1000:>9.1f} {draw:>7.2f} "
              f"{draw / base:>10.2f}x {p50:>12.1f} {p95:>6.1f}")  # fmt: skip


def measure(
    url: str, kinds: list[str], sizes: list[int]
) -> list[tuple[str, int, float, float, float]]:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    out = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.set_default_timeout(180_000)
        for n in sizes:
            for kind in kinds:
                draws = []
                for _ in range(3):
                    t0 = time.perf_counter()
                    page.goto(f"{url}/?kind={kind}&n={n}")
                    target = page.locator(SELECTOR[kind]).first
                    target.wait_for(state="visible")
                    if kind == "agraph":  # vis.js draws into a canvas inside the iframe
                        page.frame_locator("iframe").first.locator("canvas").wait_for()
                    draws.append(time.perf_counter() - t0)
                box = target.bounding_box() or {"x": 100, "y": 100, "width": 400, "height": 400}
                page.mouse.move(box["x"] + box["width"] / 3, box["y"] + min(300, box["height"] / 2))
                page.evaluate(FRAMES_JS, 2000)
                for _ in range(20):
                    page.mouse.wheel(0, -60)
                    page.wait_for_timeout(40)
                page.wait_for_function("window.__frames !== null")
                gaps = sorted(page.evaluate("window.__frames"))
                p50 = statistics.median(gaps) if gaps else float("nan")
                p95 = gaps[int(0.95 * (len(gaps) - 1))] if gaps else float("nan")
                out.append((kind, n, statistics.median(draws), p50, p95))
        browser.close()
    return out


if __name__ == "__main__":
    main()
