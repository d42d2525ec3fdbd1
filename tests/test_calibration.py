"""The single-sentence calibration: the refit round trip (pairs -> JSON -> load -> the
same probabilities), the shipped fits reproduced from the pairs shipped beside them,
their cross-validated ECE as the README states it, and what a card's number uses."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from brainweave.errors import BrainweaveError
from brainweave.scoring.calibration import (
    CalibrationParams,
    cross_validate_pairs,
    fit_pairs,
    load_params,
    pairs_path_name,
    read_params,
)
from brainweave.scoring.fit import format_reliability, read_pairs

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "scoring" / "data"
MODELS = ("smollm2-135m-instruct", "gemma3-270m")


def _shipped_pairs(model: str) -> list[dict]:
    path = DATA / pairs_path_name(model)
    assert path.is_file(), f"{path} must ship beside the fit it was refitted from"
    return read_pairs(path)


def _refit(model: str, rows: list[dict]) -> CalibrationParams:
    shipped = load_params(model)
    assert shipped is not None
    return fit_pairs(
        model,
        [r["gap"] for r in rows],
        [r["item"] for r in rows],
        previous=shipped,
        conditions=[r["condition"] for r in rows],
        source=shipped.source,
    )


@pytest.mark.parametrize("model", MODELS)
def test_the_shipped_fit_is_reproduced_from_its_pairs_and_round_trips(
    model: str, tmp_path: Path
) -> None:
    rows = _shipped_pairs(model)
    shipped = load_params(model)
    assert shipped is not None and shipped.fitted_on.startswith("single-sentence")
    params = _refit(model, rows)
    assert params.slope == pytest.approx(shipped.slope, rel=1e-9)
    assert params.ece_cv == pytest.approx(shipped.ece_cv, abs=1e-12)
    assert params.fold_ece == pytest.approx(shipped.fold_ece, abs=1e-12)
    # fit -> JSON -> load: the same probability for every gap
    path = tmp_path / "calibration.json"
    path.write_text(params.model_dump_json(indent=2))
    loaded = read_params(path, model)
    gaps = [-40.0, -5.0, -0.3, 0.0, 0.3, 5.0, 40.0] + [r["gap"] for r in rows[:50]]
    assert [loaded.probability(g) for g in gaps] == [params.probability(g) for g in gaps]
    # a pair shown either way: P(A real) = 1 - P(B real)
    assert loaded.probability(3.0) + loaded.probability(-3.0) == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize("model", MODELS)
def test_the_replaced_fit_is_recorded_for_what_it_was_fitted_on(model: str) -> None:
    shipped = load_params(model)
    assert shipped is not None and shipped.previous is not None
    assert shipped.previous["fitted_on"] == "BrainBench whole abstracts"
    assert "BrainBench_Human_v0.1.csv, 200 items" in shipped.previous["source"]
    # the refit was needed: the abstract fit was worse calibrated on these same pairs
    assert shipped.ece_before is not None and shipped.ece_before > shipped.ece_cv


def _card_section() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index("**What the number on a card means.**")
    return text[start : text.index("**The scorer contract.**", start)]


@pytest.mark.parametrize("model", MODELS)
def test_the_cross_validated_ece_is_recorded_and_as_the_readme_says(model: str) -> None:
    shipped = load_params(model)
    assert shipped is not None
    assert shipped.n_items is not None and shipped.n_items >= 2 * shipped.folds
    assert shipped.fold_ece is not None and len(shipped.fold_ece) == shipped.folds
    assert shipped.ece_cv_interval is not None and shipped.ece_cv_repeats
    assert shipped.ece_cv_interval[0] < shipped.ece_cv_interval[1]
    assert min(shipped.ece_cv_repeats) <= shipped.ece_cv <= max(shipped.ece_cv_repeats)
    assert shipped.ece_floor is not None and 0.0 < shipped.ece_floor < 0.2
    table = _card_section().split("**Calibration on single sentences.**")[1]
    row = re.search(rf"^\| {re.escape(model)} \|(.*)$", table, re.M)
    assert row, f"the README's calibration table has no row for {model}"
    cells = [c.strip() for c in row.group(1).split("|")]
    assert f"{shipped.n} ({shipped.n_items})" in cells
    assert f"{shipped.ece_before:.3f}" in cells
    after = next(c for c in cells if c.startswith(f"**{shipped.ece_cv:.3f}**"))
    lo, hi = shipped.ece_cv_interval
    assert f"({lo:.3f}–{hi:.3f})" in after


def test_the_readme_reliability_table_is_the_shipped_default_fit() -> None:
    shipped = load_params("smollm2-135m-instruct")
    assert shipped is not None and shipped.reliability
    assert format_reliability(shipped) in _card_section()
    assert sum(b.n for b in shipped.reliability) == 2 * shipped.n  # both orientations


def test_the_card_number_uses_the_shipped_sentence_fit() -> None:
    from brainweave.scoring.lexical import LexicalScorer
    from brainweave.scoring.plausibility import MEANING, score_hypotheses

    class NamedLexical(LexicalScorer):
        name = "smollm2-135m-instruct"  # the packaged scorer's calibration applies

    shipped = load_params("smollm2-135m-instruct")
    assert shipped is not None
    (r,) = score_hypotheses(
        ["Increased theta power in the hippocampus predicted recall."],
        "theta power increased in the hippocampus and predicted recall",
        scorer=NamedLexical(),
    )
    assert r.calibrated and r.variants and r.meaning == MEANING
    for v in r.variants:
        assert v.p_real == pytest.approx(shipped.probability(v.gap or 0.0))
    assert "single-sentence" in r.calibration and f"{shipped.ece_cv:.3f}" in r.calibration
    assert r.to_scores().band in {"low", "medium", "high"}


def test_folds_are_over_items_not_pairs() -> None:
    rng = np.random.RandomState(1)
    items = [f"item{k}" for k in range(30) for _ in range(4)]
    gaps = rng.normal(1.0, 2.0, len(items))
    cv = cross_validate_pairs(gaps, items, folds=5, seed=0, boot=20)
    assert len(cv["fold_ece"]) == 5 and 0.0 <= cv["ece"] <= 1.0
    with pytest.raises(BrainweaveError, match="3 items cannot be split into 5 folds"):
        cross_validate_pairs(gaps[:12], items[:12], folds=5)


def test_unreadable_pairs_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bench.json"
    bad.write_text(json.dumps({"model": "x", "results": {}}))
    with pytest.raises(BrainweaveError, match=r"bench\.json") as err:
        read_pairs(bad)
    assert "benchmarks/plausibility.py" in (err.value.hint or "")
