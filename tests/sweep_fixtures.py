"""Helpers for the sweep tests: a small real index (fast profile) and specs over it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from brainweave.retrieval import build_indexes
from brainweave.settings import load_settings
from tests.conftest import DATA_DIR

QUESTIONS = [
    "How does memory decline relate to Alzheimer's disease?",
    "Which genes are linked to Parkinson's disease and dopamine?",
    "How is the hippocampus involved in epilepsy?",
]
CONDITIONS = [
    "Alzheimer's disease",
    "Parkinson's disease",
    "epilepsy",
    "schizophrenia",
    "autism",
    "multiple sclerosis",
    "Huntington's disease",
    "migraine",
    "depression",
    "amyotrophic lateral sclerosis",
]
ASPECTS = ["memory decline", "hippocampal atrophy", "dopamine", "cortical thinning"]


def many_questions(n: int) -> list[str]:
    """``n`` distinct real-sounding questions (conditions x aspects)."""
    qs = [f"How does {a} relate to {c}?" for c in CONDITIONS for a in ASPECTS]
    assert n <= len(qs)
    return qs[:n]


def build_fast_home(home: Path) -> Path:
    """Fast-profile indexes of the first 150 records of each source, under ``home``."""
    s = load_settings(
        profile="fast", home=home, data_dir=DATA_DIR, index={"max_docs_per_source": 150}
    )
    build_indexes(s)
    return home


def spec_dict(home: Path, questions: list[str] | None = None, **grid: Any) -> dict[str, Any]:
    return {
        "name": "test",
        "questions": questions or QUESTIONS,
        "profile": "fast",
        "settings": {"home": str(home), "data_dir": str(DATA_DIR)},
        "grid": grid or {"rounds": [0, 1]},
    }


def write_spec(path: Path, spec: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def assert_same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """The same runs gave the same hypotheses, scores and all (the fast profile is exact)."""
    key = ["run_id", "hypothesis_id"]
    cols = [*key, "statement", "plausibility", "perplexity", "domains", "memorised"]
    a = a[cols].sort_values(key).reset_index(drop=True)
    b = b[cols].sort_values(key).reset_index(drop=True)
    assert len(a) == len(b) > 0
    assert a.drop(columns=["domains"]).equals(b.drop(columns=["domains"]))
    assert [list(x) for x in a["domains"]] == [list(x) for x in b["domains"]]
