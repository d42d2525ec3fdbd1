"""From a log-likelihood gap to a calibrated probability of being the real finding.

The feature is the log-likelihood ratio of two versions of a text,
``gap = sum_logprob(real candidate) - sum_logprob(altered candidate)`` in nats
(for a hypothesis: its statement's tokens against a variant's, under the same
context). The probability that the candidate is the real one is
``sigmoid(slope * gap + intercept)``, fitted by logistic regression. Two fits:

- :func:`fit_params`, on the BrainBench human items (whole abstracts, each item in
  its seed-42 A/B orientation so both labels occur; 5-fold cross-validation);
- :func:`fit_pairs`, on single-sentence (real, altered) pairs, the level a
  hypothesis is scored at (benchmarks/plausibility.py writes them): each pair in
  both orientations (gap, label 1 and -gap, label 0), so the intercept is 0 and
  P(A real) = 1 - P(B real), and the gap warped as ``sign(gap) * |gap| ** power``
  (``power`` chosen on a grid by likelihood, in each training fold: small gaps
  between single sentences say more than a straight line in the gap allows);
  cross-validated k-fold over items (every pair of an
  item, under every evidence condition, in the same fold), with the expected
  calibration error per fold and pooled, a bootstrap interval over items, and the
  reliability bins.

Quality is the expected calibration error (10 equal-width bins) of out-of-fold
predictions, plus accuracy, Brier score and log loss. The fitted parameters of each
packaged model ship as ``data/calibration-<model>.json``, saying what they were
fitted on and, for a refit, the fit they replaced; the pairs a sentence fit read
ship beside it (``data/calibration-pairs-<model>.json``) so it can be refitted.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict

from brainweave.errors import BrainweaveError


class ReliabilityBin(BaseModel):
    """One bin of a reliability diagram: out-of-fold predictions in [lo, hi)."""

    model_config = ConfigDict(extra="forbid")

    lo: float
    hi: float
    n: int
    predicted: float  # mean predicted probability
    observed: float  # fraction that were the real one


class CalibrationParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str
    checksum: str | None = None
    feature: str = "sum_logprob_gap"
    slope: float
    intercept: float
    n: int
    folds: int
    ece_cv: float
    ece_uncalibrated: float  # sigmoid(gap) with slope 1: the raw likelihood ratio
    accuracy: float
    brier_cv: float
    log_loss_cv: float
    memorisation_threshold: float
    source: str = ""
    fitted_on: str = "BrainBench whole abstracts"
    power: float = 1.0  # logit = slope * sign(gap) * |gap| ** power + intercept
    # a sentence-pair fit (fit_pairs) also records:
    n_items: int | None = None
    fold_ece: list[float] | None = None  # out-of-fold ECE of each fold
    ece_cv_interval: list[float] | None = None  # 95% bootstrap over items
    # the ECE a perfectly calibrated scorer would show with these predictions and this n
    # (labels drawn from the predictions): what the estimate reads at best
    ece_floor: float | None = None
    fold_ece_floor: list[float] | None = None
    ece_cv_repeats: list[float] | None = None  # pooled ECE of each split (ece_cv: their mean)
    ece_before: float | None = None  # the replaced fit's ECE on these same pairs
    ece_by_condition: dict[str, float] | None = None  # out-of-fold, per evidence condition
    reliability: list[ReliabilityBin] | None = None  # out-of-fold, both orientations
    previous: dict[str, Any] | None = None  # the fit this one replaced: what, on what

    def logit(self, gap: float) -> float:
        return self.slope * math.copysign(abs(gap) ** self.power, gap) + self.intercept

    def probability(self, gap: float) -> float:
        return _sigmoid(self.logit(gap))


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def fit_logistic(
    x: np.ndarray, y: np.ndarray, l2: float = 1e-3, iters: int = 100
) -> tuple[float, float]:
    """1-D logistic regression (slope, intercept) by Newton's method."""
    w = np.zeros(2)
    xs = np.column_stack([x, np.ones_like(x)])
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-(xs @ w)))
        grad = xs.T @ (p - y) + l2 * np.array([w[0], 0.0])
        hess = (xs * (p * (1 - p))[:, None]).T @ xs + l2 * np.diag([1.0, 0.0]) + 1e-9 * np.eye(2)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-10:
            break
    return float(w[0]), float(w[1])


def expected_calibration_error(p: np.ndarray, y: np.ndarray, bins: int = 10) -> float:
    """Sum over equal-width bins of |accuracy - confidence| weighted by bin size."""
    p = np.asarray(p, dtype=float)
    y = np.asarray(y, dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    idx = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    ece = 0.0
    for b in range(bins):
        m = idx == b
        if m.any():
            ece += m.mean() * abs(y[m].mean() - p[m].mean())
    return float(ece)


def cross_validate(gaps: np.ndarray, labels: np.ndarray, folds: int = 5, seed: int = 0) -> dict:
    """Out-of-fold probabilities and their ECE, Brier score, log loss and accuracy."""
    n = len(gaps)
    order = np.random.RandomState(seed).permutation(n)
    oof = np.empty(n)
    for k in range(folds):
        test = order[k::folds]
        train = np.setdiff1d(order, test)
        a, b = fit_logistic(gaps[train], labels[train])
        oof[test] = 1.0 / (1.0 + np.exp(-(a * gaps[test] + b)))
    eps = 1e-12
    return {
        "oof": oof,
        "ece": expected_calibration_error(oof, labels),
        "brier": float(np.mean((oof - labels) ** 2)),
        "log_loss": float(
            -np.mean(labels * np.log(oof + eps) + (1 - labels) * np.log(1 - oof + eps))
        ),
    }


def fit_params(
    model: str,
    gaps_ab: Sequence[float],
    a_is_real: Sequence[int],
    *,
    memorisation_threshold: float,
    checksum: str | None = None,
    folds: int = 5,
    source: str = "",
) -> CalibrationParams:
    """Fit on ``gap = logprob(A) - logprob(B)`` with label 1 when A is the original."""
    x = np.asarray(gaps_ab, dtype=float)
    y = np.asarray(a_is_real, dtype=float)
    slope, intercept = fit_logistic(x, y)
    cv = cross_validate(x, y, folds)
    raw = 1.0 / (1.0 + np.exp(-x))
    return CalibrationParams(
        model=model,
        checksum=checksum,
        slope=slope,
        intercept=intercept,
        n=len(x),
        folds=folds,
        ece_cv=cv["ece"],
        ece_uncalibrated=expected_calibration_error(raw, y),
        accuracy=float(np.mean((x > 0) == (y > 0.5))),
        brier_cv=cv["brier"],
        log_loss_cv=cv["log_loss"],
        memorisation_threshold=memorisation_threshold,
        source=source,
    )


POWERS = tuple(round(0.2 + 0.05 * k, 2) for k in range(17))  # 0.2 ... 1.0


def warp(gaps: np.ndarray, power: float) -> np.ndarray:
    return np.sign(gaps) * np.abs(gaps) ** power


def fit_symmetric(gaps: np.ndarray, powers: Sequence[float] = POWERS) -> tuple[float, float, float]:
    """(slope, intercept, power) of the most likely warped logistic fit of the pairs
    shown both ways (intercept 0 up to rounding)."""
    best: tuple[float, float, float, float] | None = None
    for power in powers:
        x, y = both_orientations(warp(gaps, power))
        slope, intercept = fit_logistic(x, y)
        z = slope * x + intercept
        loglik = float(np.sum(y * z - np.logaddexp(0.0, z)))
        if best is None or loglik > best[0]:
            best = (loglik, slope, intercept, power)
    assert best is not None
    return best[1], best[2], best[3]


def both_orientations(gaps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each (real, altered) gap as shown both ways: (gap, 1) and (-gap, 0)."""
    g = np.asarray(gaps, dtype=float)
    return np.concatenate([g, -g]), np.concatenate([np.ones(len(g)), np.zeros(len(g))])


def reliability_bins(p: np.ndarray, y: np.ndarray, bins: int = 10) -> list[ReliabilityBin]:
    """The non-empty equal-width bins of ``p`` (the ones ECE sums over)."""
    p = np.asarray(p, dtype=float)
    y = np.asarray(y, dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    idx = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    return [
        ReliabilityBin(
            lo=round(float(edges[b]), 6),
            hi=round(float(edges[b + 1]), 6),
            n=int((idx == b).sum()),
            predicted=float(p[idx == b].mean()),
            observed=float(y[idx == b].mean()),
        )
        for b in range(bins)
        if (idx == b).any()
    ]


def cross_validate_pairs(
    gaps: Sequence[float] | np.ndarray,
    items: Sequence[str],
    folds: int = 5,
    seed: int = 0,
    boot: int = 1000,
    powers: Sequence[float] = POWERS,
    repeats: int = 10,
) -> dict[str, Any]:
    """k-fold over items: out-of-fold P(real) of each pair, ECE per fold and pooled
    (both orientations), and a 95% bootstrap interval of the pooled ECE over items.
    The pooled ECE is the mean over ``repeats`` different splits into folds (one
    split's figure moves by a few hundredths with which items share a fold); the
    folds, the bins and the interval are those of the first split."""
    g = np.asarray(gaps, dtype=float)
    it = np.asarray(items)
    names = np.unique(it)
    if len(names) < folds:
        raise BrainweaveError(
            f"{len(names)} items cannot be split into {folds} folds",
            "score more items (benchmarks/plausibility.py --n) or pass fewer folds",
        )
    splits = [_out_of_fold(g, it, names, folds, seed + r, powers) for r in range(repeats)]
    oof, fold_ece, order = splits[0]
    rng = np.random.default_rng(seed)
    fold_floor = [ece_floor(oof[np.isin(it, order[k::folds])], rng) for k in range(folds)]
    p2, y2 = _oriented(oof)
    where = {n: np.flatnonzero(it == n) for n in names}
    boots = []
    for _ in range(boot):
        idx = np.concatenate([where[n] for n in rng.choice(names, len(names))])
        boots.append(expected_calibration_error(*_oriented(oof[idx])))
    eps = 1e-12
    return {
        "oof": oof,
        "fold_ece": fold_ece,
        "fold_floor": fold_floor,
        "floor": ece_floor(oof, rng),
        "ece": float(np.mean([expected_calibration_error(*_oriented(s[0])) for s in splits])),
        "ece_repeats": [expected_calibration_error(*_oriented(s[0])) for s in splits],
        "ece_interval": [float(np.percentile(boots, 2.5)), float(np.percentile(boots, 97.5))],
        "brier": float(np.mean((p2 - y2) ** 2)),
        "log_loss": float(-np.mean(y2 * np.log(p2 + eps) + (1 - y2) * np.log(1 - p2 + eps))),
        "reliability": reliability_bins(p2, y2),
    }


def _out_of_fold(
    g: np.ndarray,
    it: np.ndarray,
    names: np.ndarray,
    folds: int,
    seed: int,
    powers: Sequence[float],
) -> tuple[np.ndarray, list[float], np.ndarray]:
    """One split into folds: out-of-fold P(real), each fold's ECE, the item order."""
    order = names[np.random.RandomState(seed).permutation(len(names))]
    oof = np.empty(len(g))
    fold_ece = []
    for k in range(folds):
        test = np.isin(it, order[k::folds])
        slope, intercept, power = fit_symmetric(g[~test], powers)
        oof[test] = 1.0 / (1.0 + np.exp(-(slope * warp(g[test], power) + intercept)))
        fold_ece.append(expected_calibration_error(*_oriented(oof[test])))
    return oof, fold_ece, order


def ece_floor(p_real: np.ndarray, rng: np.random.Generator, draws: int = 200) -> float:
    """Mean ECE of a perfectly calibrated scorer giving these probabilities: each pair's
    label drawn from its own prediction (the estimate's small-sample bias)."""
    eces = []
    for _ in range(draws):
        first_real = (rng.random(len(p_real)) < p_real).astype(float)
        p2 = np.concatenate([p_real, 1.0 - p_real])
        eces.append(expected_calibration_error(p2, np.concatenate([first_real, 1 - first_real])))
    return float(np.mean(eces))


def _oriented(p_real: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """P(the first shown is the real one) for each pair shown both ways, with its label."""
    n = len(p_real)
    return np.concatenate([p_real, 1.0 - p_real]), np.concatenate([np.ones(n), np.zeros(n)])


def fit_pairs(
    model: str,
    gaps: Sequence[float],
    items: Sequence[str],
    *,
    previous: CalibrationParams,
    conditions: Sequence[str] | None = None,
    folds: int = 5,
    source: str = "",
    powers: Sequence[float] = POWERS,
) -> CalibrationParams:
    """Refit on single-sentence pairs (``gap = logprob(real) - logprob(altered)``, the
    pair's item id for the folds); ``previous`` is the fit it replaces: its
    memorisation threshold is kept, and the whole-abstract fit's record (its own, or
    the one it carries when it is itself a refit) is kept as ``previous``, with that
    fit's ECE on these pairs as ``ece_before``."""
    g = np.asarray(gaps, dtype=float)
    slope, intercept, power = fit_symmetric(g, powers)
    cv = cross_validate_pairs(g, items, folds, powers=powers)
    x2, y2 = both_orientations(g)
    by_cond = None
    if conditions is not None:
        c = np.asarray(conditions)
        by_cond = {
            str(k): expected_calibration_error(*_oriented(cv["oof"][c == k]))
            for k in sorted(set(conditions))
        }
    prov = previous.previous or _provenance(previous)  # a refit keeps the first fit's record
    before = 1.0 / (1.0 + np.exp(-(prov["slope"] * x2 + prov["intercept"])))
    return CalibrationParams(
        model=model,
        checksum=previous.checksum,
        slope=slope,
        intercept=intercept,
        n=len(g),
        folds=folds,
        ece_cv=cv["ece"],
        ece_uncalibrated=expected_calibration_error(1.0 / (1.0 + np.exp(-x2)), y2),
        accuracy=float(np.mean(g > 0)),
        brier_cv=cv["brier"],
        log_loss_cv=cv["log_loss"],
        memorisation_threshold=previous.memorisation_threshold,
        source=source,
        fitted_on="single-sentence (real, altered) pairs",
        power=power,
        n_items=len(set(items)),
        fold_ece=cv["fold_ece"],
        ece_cv_interval=cv["ece_interval"],
        ece_floor=cv["floor"],
        fold_ece_floor=cv["fold_floor"],
        ece_cv_repeats=cv["ece_repeats"],
        ece_before=expected_calibration_error(before, y2),
        ece_by_condition=by_cond,
        reliability=cv["reliability"],
        previous=prov,
    )


def _provenance(p: CalibrationParams) -> dict[str, Any]:
    keep = ("fitted_on", "source", "slope", "intercept", "n", "folds", "ece_cv", "accuracy")
    return {k: getattr(p, k) for k in keep}


def params_path_name(model: str) -> str:
    return f"calibration-{model.replace('/', '--')}.json"


def pairs_path_name(model: str) -> str:
    return f"calibration-pairs-{model.replace('/', '--')}.json"


def read_params(path: Path | Any, model: str) -> CalibrationParams:
    """Parameters from a JSON file (a path or an importlib resource)."""
    try:
        return CalibrationParams.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except ValueError as err:
        raise BrainweaveError(
            f"the calibration parameters for {model} ({path}) are damaged: {err}",
            "reinstall brainweave",
        ) from err


def load_params(model: str) -> CalibrationParams | None:
    """The shipped parameters for a packaged model, or None for other models."""
    ref = resources.files("brainweave.scoring").joinpath("data", params_path_name(model))
    if not ref.is_file():
        return None
    return read_params(ref, model)
