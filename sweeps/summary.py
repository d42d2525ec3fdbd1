"""The end-of-sweep summary: runs done and failed, hypotheses per question, the
plausibility distribution per setting (``plausibility.png``), and which domain
pairs the accepted-looking hypotheses bridge.

"Accepted-looking" means plausibility >= ``accept`` (0.7 by default) and not
flagged as possibly memorised: the hypotheses a scientist would look at first.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

from brainweave.io import write_atomic

log = logging.getLogger(__name__)

ACCEPT = 0.7


def summarise(
    runs: pd.DataFrame, hyps: pd.DataFrame, accept: float = ACCEPT, name: str | None = None
) -> dict[str, Any]:
    """The summary as a dict (JSON-ready) of the spec's runs and their hypotheses."""
    status = Counter(runs["status"]) if len(runs) else Counter()
    per_question = []
    for q, group in runs.groupby("question", sort=False) if len(runs) else []:
        h = hyps[hyps["question"] == q] if len(hyps) else hyps
        done = int((group["status"] == "ok").sum())
        per_question.append(
            {
                "question": q,
                "runs": len(group),
                "done": done,
                "hypotheses": len(h),
                "per_run": round(len(h) / done, 2) if done else None,
            }
        )
    per_setting = []
    for label, group in runs.groupby("setting", sort=False) if len(runs) else []:
        h = hyps[hyps["setting"] == label] if len(hyps) else hyps
        p = h["plausibility"].dropna() if len(h) else pd.Series(dtype=float)
        per_setting.append(
            {
                "setting": label,
                "runs": len(group),
                "done": int((group["status"] == "ok").sum()),
                "hypotheses": len(h),
                "scored": len(p),
                "plausibility_median": round(float(p.median()), 4) if len(p) else None,
                "plausibility_mean": round(float(p.mean()), 4) if len(p) else None,
                "accepted_looking": int((p >= accept).sum()) if len(p) else 0,
            }
        )
    pairs: dict[str, dict[str, Any]] = {}
    if len(hyps):
        good = hyps[(hyps["plausibility"].fillna(-1) >= accept) & ~hyps["memorised"]]
        for pair, group in good.groupby("domain_pair"):
            bridges = Counter(b for bs in group["bridge"] for b in (bs if bs is not None else []))
            pairs[str(pair)] = {
                "hypotheses": len(group),
                "questions": int(group["question"].nunique()),
                "top_bridges": [b for b, _ in bridges.most_common(5)],
            }
    return {
        "name": name,
        "runs": len(runs),
        "done": status.get("ok", 0),
        "failed": status.get("failed", 0),
        "pending": status.get("pending", 0),
        "hypotheses": len(hyps),
        "accept_threshold": accept,
        "per_question": per_question,
        "per_setting": per_setting,
        "domain_pairs": dict(sorted(pairs.items(), key=lambda kv: -kv[1]["hypotheses"])),
    }


def plot(hyps: pd.DataFrame, settings: list[str], path: Path, accept: float = ACCEPT) -> None:
    """Box plots of plausibility per setting (a point per hypothesis), as a PNG."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = [
        hyps.loc[hyps["setting"] == s, "plausibility"].dropna().to_numpy() if len(hyps) else []
        for s in settings
    ]
    fig, ax = plt.subplots(figsize=(max(6.0, 1.2 * len(settings) + 3), 4.5))
    positions = list(range(1, len(settings) + 1))
    ax.boxplot([d if len(d) else [float("nan")] for d in data], positions=positions)
    for x, d in zip(positions, data, strict=True):
        ax.scatter([x] * len(d), d, s=8, alpha=0.4)
    ax.axhline(accept, color="grey", linestyle="--", linewidth=0.8)
    varying, common = split_labels(settings)
    ax.set_xticks(positions)
    ax.set_xticklabels(
        [s.replace(" ", "\n") + f"\n(n={len(d)})" for s, d in zip(varying, data, strict=True)],
        fontsize=7,
    )
    ax.set_ylabel("plausibility")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title("Plausibility of hypotheses per setting" + (f"\n{common}" if common else ""))
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    write_atomic(path, buf.getvalue())


def split_labels(labels: list[str]) -> tuple[list[str], str]:
    """('k=3 seed=0'-style labels without the parts every label shares, the shared part)."""
    parts = [label.split(" ") for label in labels]
    shared = [p for p in parts[0] if all(p in other for other in parts)] if parts else []
    varying = [" ".join(p for p in ps if p not in shared) or "default" for ps in parts]
    return varying, " ".join(shared)


def to_markdown(summary: dict[str, Any]) -> str:
    lines = [
        f"# Sweep{' ' + summary['name'] if summary.get('name') else ''}",
        "",
        f"runs: {summary['runs']}, done: {summary['done']}, failed: {summary['failed']}, "
        f"pending: {summary['pending']}; hypotheses: {summary['hypotheses']}",
        "",
        "| question | runs done | hypotheses | per run |",
        "|---|---|---|---|",
    ]
    for q in summary["per_question"]:
        lines.append(
            f"| {q['question']} | {q['done']}/{q['runs']} | {q['hypotheses']} | {q['per_run']} |"
        )
    lines += [
        "",
        "| setting | runs done | hypotheses | median plausibility | "
        f">= {summary['accept_threshold']} |",
        "|---|---|---|---|---|",
    ]
    for s in summary["per_setting"]:
        lines.append(
            f"| {s['setting']} | {s['done']}/{s['runs']} | {s['hypotheses']} | "
            f"{s['plausibility_median']} | {s['accepted_looking']} |"
        )
    lines += ["", "Domain pairs bridged by accepted-looking hypotheses:", ""]
    for pair, info in summary["domain_pairs"].items() or []:
        lines.append(
            f"- {pair}: {info['hypotheses']} hypotheses over {info['questions']} question(s); "
            f"bridges: {', '.join(info['top_bridges'])}"
        )
    if not summary["domain_pairs"]:
        lines.append("- none")
    return "\n".join(lines) + "\n"


def write(out: Path, summary: dict[str, Any], hyps: pd.DataFrame, settings: list[str]) -> None:
    write_atomic(out / "summary.json", json.dumps(summary, indent=2).encode("utf-8"))
    write_atomic(out / "summary.md", to_markdown(summary).encode("utf-8"))
    try:
        plot(hyps, settings, out / "plausibility.png", summary["accept_threshold"])
    except Exception as err:  # the plot is a convenience; the data is written
        log.warning("could not draw plausibility.png: %s", err)
