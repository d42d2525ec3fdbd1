"""Past runs, read back from the provenance records the graph writes
(``HOME/runs/<run id>/provenance.json``), and the views of one run the app
shows: findings by domain with their passages, and the hypothesis graph.

The app reads a run from its record even right after asking, so a fresh run and
one opened from the history look the same.
"""

from __future__ import annotations

import json
import logging
import textwrap
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from brainweave.agents.models import Hypothesis
from brainweave.errors import BrainweaveError
from brainweave.ui import safe
from brainweave.ui.card import counterfactual_outcomes as _outcomes
from brainweave.ui.card import entity_name, score

log = logging.getLogger(__name__)

DOMAIN_COLOURS = {
    "genetics": "#d8ecd0",
    "neuroimaging": "#d4e4f7",
    "clinical": "#f7e0cf",
}
OTHER_COLOUR = "#eeeeee"


class RunSummary(BaseModel):
    """One line of the history table."""

    model_config = ConfigDict(extra="forbid")

    run_id: str
    question: str
    started_at: str | None
    hypotheses: int
    findings: int
    path: str


def runs_root(home: Path) -> Path:
    return home / "runs"


def list_runs(home: Path) -> list[RunSummary]:
    """Every finished run, newest first. Unreadable records are logged and skipped."""
    out = []
    root = runs_root(home)
    if not root.is_dir():
        return []
    for rec in root.glob("*/provenance.json"):
        try:
            doc = json.loads(rec.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            log.warning("skipping unreadable run record %s: %s", rec, err)
            continue
        out.append(
            RunSummary(
                run_id=doc.get("run_id", rec.parent.name),
                question=doc.get("question", ""),
                started_at=(doc.get("provenance") or {}).get("started_at"),
                hypotheses=len(doc.get("hypotheses") or []),
                findings=len(doc.get("findings") or []),
                path=str(rec),
            )
        )
    return sorted(out, key=lambda r: (r.started_at or "", r.run_id), reverse=True)


def load_run(home: Path, run_id: str) -> dict[str, Any]:
    """The whole ``to_json`` document of one run."""
    rec = runs_root(home) / run_id / "provenance.json"
    if not rec.is_file():
        raise BrainweaveError(
            f"no record of run {run_id!r} in {runs_root(home)}",
            "pick a run from the History page, or ask a new question",
        )
    try:
        doc: dict[str, Any] = json.loads(rec.read_text(encoding="utf-8"))
    except ValueError as err:
        raise BrainweaveError(f"the record {rec} is not valid JSON: {err}") from err
    # records written before the scores had one home keep them flat: read them the same
    doc["hypotheses"] = [
        Hypothesis.model_validate(h).model_dump(mode="json") for h in doc.get("hypotheses") or []
    ]
    return doc


def passages_by_id(run: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Retrieved passages (title, url, source...) by passage id."""
    retrieved = (run.get("provenance") or {}).get("retrieved") or []
    return {p["passage_id"]: p for p in retrieved if p.get("passage_id")}


def findings_by_domain(run: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Findings grouped by domain, domains in first-seen order."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for f in run.get("findings") or []:
        groups[f.get("domain", "?")].append(f)
    return dict(groups)


def _q(text: str) -> str:
    """A DOT double-quoted string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _short(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def _label(*lines: str) -> str:
    """A DOT label of several lines (each escaped; ``\\n`` centres them)."""
    return '"' + "\\n".join(_q(x)[1:-1] for x in lines if x) + '"'


def _wrap(text: str, width: int = 34, lines: int = 3) -> list[str]:
    out: list[str] = []
    for line in textwrap.wrap(" ".join(text.split()), width) or [""]:
        if len(out) == lines:
            out[-1] = out[-1].rstrip(".,;: ") + "…"
            break
        out.append(line)
    return out


def mentions(finding: dict[str, Any], name: str, label: Callable[[str], str] = entity_name) -> bool:
    """Whether a finding names an entity (among its entities or in its claim)."""
    ents = {label(str(e)).lower() for e in finding.get("entities") or []}
    return name.lower() in ents or name.lower() in str(finding.get("claim", "")).lower()


def hypothesis_graph(run: dict[str, Any], hypothesis_ids: list[str] | None = None) -> str:
    """A DOT drawing: hypotheses → the bridge entities that link them → the findings
    that name those entities (findings clustered by domain; a finding no bridge
    reaches is linked to its hypothesis directly). A finding node links to the
    source record of the passage it cites first.

    Only findings some shown hypothesis cites are drawn, so the picture stays
    readable; ``st.graphviz_chart`` renders it in the browser (no system graphviz).
    """
    hyps = [
        h
        for h in run.get("hypotheses") or []
        if hypothesis_ids is None or h["id"] in hypothesis_ids
    ]
    cited = {fid for h in hyps for fid in h.get("finding_ids", [])}
    by_domain = findings_by_domain(run)
    by_id = {f["id"]: f for f in run.get("findings") or []}
    passages = passages_by_id(run)
    lines = [
        "digraph hypotheses {",
        "  rankdir=LR; nodesep=0.25; ranksep=0.6;",
        '  node [fontname="Helvetica", fontsize=10];',
        '  edge [color="#888888", arrowsize=0.6];',
    ]
    for h in hyps:
        p = score(h, "plausibility")
        head = f"#{h.get('rank', '?')} · " + (f"p {p:.2f}" if p is not None else "not scored")
        lines.append(
            f'  {_q("h:" + h["id"])} [shape=box, style="filled,rounded", fillcolor="#fff4b3", '
            f"label={_label(head, *_wrap(h.get('statement', ''), 30, 3))}, "
            f"tooltip={_q(_short(h.get('statement', ''), 300))}];"
        )
    bridges = sorted({entity_name(str(b)) for h in hyps for b in h.get("bridge") or []})
    for b in bridges:
        lines.append(
            f'  {_q("e:" + b)} [shape=ellipse, style=filled, fillcolor="#e8daef", '
            f"label={_q(b)}, tooltip={_q('bridge entity ' + b)}];"
        )
    for domain, findings in by_domain.items():
        shown = [f for f in findings if f["id"] in cited]
        if not shown:
            continue
        colour = DOMAIN_COLOURS.get(domain, OTHER_COLOUR)
        lines.append(f"  subgraph {_q('cluster_' + domain)} {{")
        lines.append(f"    label={_q(domain)}; style=filled; color={_q(colour)};")
        for f in shown:
            first = (f.get("passage_ids") or [None])[0]
            href = safe.url((passages.get(first) or {}).get("url")) if first else None
            link = f", URL={_q(href)}, target=_blank" if href else ""
            lines.append(
                f"    {_q('f:' + f['id'])} [shape=note, style=filled, fillcolor=white, "
                f"label={_label(*_wrap(f.get('claim', '')))}, "
                f"tooltip={_q(_short(f.get('claim', ''), 300))}{link}];"
            )
        lines.append("  }")
    edges: list[str] = []
    for h in hyps:
        hb = [entity_name(str(b)) for b in h.get("bridge") or []]
        for b in hb:
            edges.append(f"  {_q('h:' + h['id'])} -> {_q('e:' + b)};")
        for fid in h.get("finding_ids", []):
            if fid not in cited:
                continue
            names = [b for b in hb if fid in by_id and mentions(by_id[fid], b)]
            if names:
                edges += [f"  {_q('e:' + b)} -> {_q('f:' + fid)};" for b in names]
            else:
                edges.append(f"  {_q('h:' + h['id'])} -> {_q('f:' + fid)};")
    lines += list(dict.fromkeys(edges))
    lines.append("}")
    return "\n".join(lines)


def counterfactual_outcomes(hyp: dict[str, Any]) -> list[dict[str, Any]]:
    """Each counterfactual with whether the statement beat it (lower perplexity wins,
    as in BrainBench)."""
    return [o.model_dump() for o in _outcomes(hyp)]
