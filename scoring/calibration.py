"""From a log-likelihood gap to a calibrated probability of being the real finding.

The feature is the log-likelihood ratio of two versions of a text,
``gap = sum_logprob(real candidate) - sum_logprob(altered candidate)`` in nats
(for a hypothesis: its statement's tokens against a variant's, under the same
context). The probability that the candidate is the real one is
``sigmoid(slope * gap + intercept)``, fitted by logistic regression on the
BrainBench human items (each item in its seed-42 A/B orientation, so both
labels occur). Quality is reported as the expected calibration error (10 equal-
width bins) of out-of-fold predictions from 5-fold cross-validation, plus
accuracy, Brier score and log loss. The fitted parameters of each packaged
model ship as ``data/calibration-<model>.json``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from importlib import resources

import numpy as np
from pydantic import BaseModel, ConfigDict

from brainweave.errors import BrainweaveError


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

    def probability(self, gap: float) -> float:
        return _sigmoid(self.slope * gap + self.intercept)


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


def params_path_name(model: str) -> str:
    return f"calibration-{model.replace('/', '--')}.json"


def load_params(model: str) -> CalibrationParams | None:
    """The shipped parameters for a packaged model, or None for other models."""
    ref = resources.files("brainweave.scoring").joinpath("data", params_path_name(model))
    if not ref.is_file():
        return None
    try:
        return CalibrationParams.model_validate(json.loads(ref.read_text(encoding="utf-8")))
    except ValueError as err:
        raise BrainweaveError(
            f"the calibration parameters for {model} are damaged: {err}",
            "reinstall brainweave",
        ) from err
