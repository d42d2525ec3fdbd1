"""How often reviewers accepted what the scorer ranked high.

A reviewer's latest decision on a hypothesis is a label (accept or edit: the
idea was kept; reject: it was not). The agreement number is the ROC AUC of the
hypothesis's plausibility as a predictor of that label: the probability that a
randomly chosen kept hypothesis scored higher than a randomly chosen rejected
one (0.5 is chance, ties count half). It needs at least one of each.

It is shown only with its n and a 95% percentile-bootstrap interval (kept and
rejected resampled separately, a fixed seed so a page shows the same interval
on every rerun), and below :data:`MIN_N` decisions, or fewer than
:data:`MIN_EACH` of either kind, with a caveat that it means little yet.
Decisions on runs that are not in ``HOME/runs`` (deleted, or written by hand)
do not count.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict

from brainweave.ui.store import Decision

KEPT = ("accept", "edit")
MIN_N = 20  # below this many decisions the AUC is shown with a caveat
MIN_EACH = 5  # ... or below this many of either kind
BOOTSTRAP = 2000
SEED = 20240521


class Agreement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    n: int  # latest decisions on scored hypotheses
    kept: int
    rejected: int
    auc: float | None  # None until both kinds exist
    ci: tuple[float, float] | None  # 95% bootstrap interval of the AUC
    skipped: int  # decisions on runs not in HOME/runs
    caveat: str | None  # why the number means little yet (None: enough decisions)
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


def bootstrap_ci(
    positives: list[float], negatives: list[float], *, n: int = BOOTSTRAP, seed: int = SEED
) -> tuple[float, float] | None:
    """95% percentile-bootstrap interval of the AUC (each group resampled on its own)."""
    if not positives or not negatives:
        return None
    rng = random.Random(seed)
    stats = []
    for _ in range(n):
        ps = rng.choices(positives, k=len(positives))
        qs = rng.choices(negatives, k=len(negatives))
        a = auc(ps, qs)
        if a is not None:
            stats.append(a)
    stats.sort()
    lo = stats[int(0.025 * (len(stats) - 1))]
    hi = stats[round(0.975 * (len(stats) - 1))]
    return (lo, hi)


def caveat(n: int, kept: int, rejected: int) -> str | None:
    if kept == 0 or rejected == 0:
        return "no AUC until there is at least one kept and one rejected hypothesis"
    if n < MIN_N or min(kept, rejected) < MIN_EACH:
        return (
            f"only {n} decisions ({kept} kept, {rejected} rejected): the AUC can swing widely "
            f"with each new decision; read it after at least {MIN_N}, {MIN_EACH} of each kind"
        )
    return None


def agreement(latest: Iterable[Decision], known_runs: set[str] | None = None) -> Agreement:
    """Agreement of the shown plausibility with the latest decisions (unscored ones
    skipped; with ``known_runs``, decisions on other runs skipped and counted)."""
    points: list[tuple[float, str]] = []
    skipped = 0
    for d in latest:
        if known_runs is not None and d.run_id not in known_runs:
            skipped += 1
            continue
        if d.scores.plausibility is not None:
            points.append((d.scores.plausibility, d.decision))
    kept = [p for p, dec in points if dec in KEPT]
    rejected = [p for p, dec in points if dec not in KEPT]
    return Agreement(
        n=len(points),
        kept=len(kept),
        rejected=len(rejected),
        auc=auc(kept, rejected),
        ci=bootstrap_ci(kept, rejected),
        skipped=skipped,
        caveat=caveat(len(points), len(kept), len(rejected)),
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
    if result.auc is None or result.ci is None:
        title = "no accept/reject pair yet"
    else:
        lo, hi = result.ci
        title = f"AUC {result.auc:.2f} (95% CI {lo:.2f}–{hi:.2f}, n={result.n})"
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig
