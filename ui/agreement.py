"""How often reviewers accepted what the scorer ranked high.

A reviewer's latest decision on a hypothesis is a label (accept or edit: the
idea was kept; reject: it was not). The agreement number is the ROC AUC of the
hypothesis's plausibility as a predictor of that label: the probability that a
randomly chosen kept hypothesis scored higher than a randomly chosen rejected
one (0.5 is chance, ties count half). It needs at least one of each.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict

from brainweave.ui.store import Decision

KEPT = ("accept", "edit")


class Agreement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    n: int  # latest decisions on scored hypotheses
    kept: int
    rejected: int
    auc: float | None  # None until both kinds exist
    mean_kept: float | None
    mean_rejected: float | None
    points: list[tuple[float, str]]  # (plausibility, decision) for the plot


def auc(positives: list[float], negatives: list[float]) -> float | None:
    """Mann–Whitney AUC: P(positive > negative), ties half."""
    if not positives or not negatives:
        return None
    wins = 0.0
    for p in positives:
        for q in negatives:
            wins += 1.0 if p > q else 0.5 if p == q else 0.0
    return wins / (len(positives) * len(negatives))


def _mean(xs: list[float]) -> float | None:
    return sum(xs) / len(xs) if xs else None


def agreement(latest: Iterable[Decision]) -> Agreement:
    """Agreement of the shown plausibility with the latest decisions (unscored ones skipped)."""
    points: list[tuple[float, str]] = []
    for d in latest:
        if d.scores.plausibility is not None:
            points.append((d.scores.plausibility, d.decision))
    kept = [p for p, dec in points if dec in KEPT]
    rejected = [p for p, dec in points if dec not in KEPT]
    return Agreement(
        n=len(points),
        kept=len(kept),
        rejected=len(rejected),
        auc=auc(kept, rejected),
        mean_kept=_mean(kept),
        mean_rejected=_mean(rejected),
        points=points,
    )


def plot(result: Agreement) -> Any:
    """A small strip plot of plausibility by decision (matplotlib figure)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 2.2))
    order = ["reject", "edit", "accept"]
    colours = {"reject": "#c0392b", "edit": "#e67e22", "accept": "#27ae60"}
    for i, dec in enumerate(order):
        ys = [p for p, d in result.points if d == dec]
        jitter = [i + (((k * 7919) % 13) - 6) / 40 for k in range(len(ys))]
        ax.scatter(ys, jitter, color=colours[dec], alpha=0.8, s=24, label=dec)
    ax.set_yticks(range(len(order)), order)
    ax.set_ylim(-0.5, len(order) - 0.5)
    ax.set_xlim(0, 1)
    ax.set_xlabel("plausibility shown to the reviewer")
    title = "no accept/reject pair yet" if result.auc is None else f"AUC {result.auc:.2f}"
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig
