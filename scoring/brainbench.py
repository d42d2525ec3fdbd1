"""BrainBench evaluation, as in Luo et al. (Nature Human Behaviour, 2024).

Mirrors braingpt-lovelab/brainbench_experiments ``run_choice.py``: the two
versions of each abstract come from the ``[[original, altered]]`` markup of
``combined_abstract`` (the ``original_abstract`` / ``incorrect_abstract``
columns when there is no markup); ``np.random.seed(42)`` once, then for each
item in file order the original becomes B when ``np.random.rand() > 0.5``
(label 1), else A (label 0); prompt = template + abstract, stripped; perplexity
over the whole prompt; the lower perplexity is the model's choice; a tie counts
as wrong (choice -1).
"""

from __future__ import annotations

import csv
import logging
import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict

from brainweave.errors import BrainweaveError

log = logging.getLogger(__name__)

PROMPT_TEMPLATE = (
    "You are a neuroscientist with deep knowledge in neuroscience. "
    "Here is an abstract from a neuroscience publication: <choice abstract>"
)
REQUIRED_COLUMNS = ("doi", "journal_section")
EDIT_RE = re.compile(r"\[\[(.*?)\]\]")


class TestCase(BaseModel):
    model_config = ConfigDict(extra="forbid")
    __test__ = False  # not a pytest class

    doi: str
    section: str
    original: str
    incorrect: str


class ItemResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    doi: str
    section: str
    ppl: tuple[float, float]
    label: int  # 0: the original is A, 1: it is B
    choice: int  # 0: A has the lower perplexity, 1: B, -1: a tie


class BrainBenchResult(BaseModel):
    """The JSON written by ``brainweave bench brainbench --json``."""

    model_config = ConfigDict(extra="forbid")

    model: str
    n: int
    accuracy: float
    ties: int
    per_section: dict[str, float]
    items: list[ItemResult]

    def correct(self) -> np.ndarray:
        return np.array([it.choice == it.label for it in self.items], dtype=bool)


def extract_abstract_pair(combined: str) -> tuple[str, str]:
    """The original and altered abstracts from ``[[original, altered]]`` markup."""
    original = incorrect = combined
    for match in EDIT_RE.findall(combined):
        items = match.split(",")
        original = original.replace(f"[[{match}]]", items[0].strip())
        incorrect = incorrect.replace(f"[[{match}]]", items[1].strip() if len(items) > 1 else "")
    return original, incorrect


def load_testcases(path: Path) -> list[TestCase]:
    """Read a BrainBench CSV (human or GPT-4 set)."""
    if not path.is_file():
        raise BrainweaveError(
            f"BrainBench test cases not found: {path}",
            "pass --testcases with BrainBench_Human_v0.1.csv (see ../shared/data/brainbench)",
        )
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        cols = set(reader.fieldnames or [])
        missing = [c for c in REQUIRED_COLUMNS if c not in cols]
        has_pair = {"original_abstract", "incorrect_abstract"} <= cols
        if missing or not ("combined_abstract" in cols or has_pair):
            raise BrainweaveError(
                f"{path} is not a BrainBench CSV: it lacks "
                + ", ".join(missing or ["combined_abstract (or original/incorrect_abstract)"]),
                "columns needed: doi, journal_section, combined_abstract "
                "(or original_abstract and incorrect_abstract)",
            )
        cases = []
        for line, row in enumerate(reader, start=2):
            combined = row.get("combined_abstract") or ""
            if EDIT_RE.search(combined):
                original, incorrect = extract_abstract_pair(combined)
            elif has_pair:
                original, incorrect = row["original_abstract"], row["incorrect_abstract"]
            else:
                raise BrainweaveError(f"{path}:{line}: no [[original, altered]] edit in the row")
            cases.append(
                TestCase(
                    doi=row["doi"],
                    section=row["journal_section"],
                    original=original,
                    incorrect=incorrect,
                )
            )
    return cases


def ab_labels(n: int, seed: int = 42) -> list[int]:
    """The reference's A/B order: label 1 (original is B) when rand() > 0.5.

    ``RandomState(seed)`` draws the same numbers as ``np.random.seed(seed)``
    followed by ``np.random.rand()`` calls, without touching the global state.
    """
    rng = np.random.RandomState(seed)
    return [1 if rng.rand() > 0.5 else 0 for _ in range(n)]


def prompt(abstract: str) -> str:
    return PROMPT_TEMPLATE.replace("<choice abstract>", abstract).strip()


def item_prompts(case: TestCase, label: int) -> tuple[str, str]:
    a, b = (case.original, case.incorrect) if label == 0 else (case.incorrect, case.original)
    return prompt(a), prompt(b)


def decide(ppl_a: float, ppl_b: float) -> int:
    if ppl_a < ppl_b:
        return 0
    if ppl_a > ppl_b:
        return 1
    return -1


def evaluate(
    scorer: object,
    cases: Sequence[TestCase],
    *,
    fast: bool = True,
    progress: Callable[[int], None] | None = None,
    scores: list[tuple[Any, Any]] | None = None,
) -> BrainBenchResult:
    """Score every item; ``fast`` shares the prefix of A and B (same numbers).

    ``scores``, when given, receives each item's (A, B) :class:`TextScore` pair.
    """
    labels = ab_labels(len(cases))
    items: list[ItemResult] = []
    t0 = time.perf_counter()
    for case, label in zip(cases, labels, strict=True):
        a, b = item_prompts(case, label)
        if fast:
            sa, sb = scorer.score_many([a, b])  # type: ignore[attr-defined]
        else:
            sa, sb = scorer.score(a), scorer.score(b)  # type: ignore[attr-defined]
        if scores is not None:
            scores.append((sa, sb))
        items.append(
            ItemResult(
                doi=case.doi,
                section=case.section,
                ppl=(sa.perplexity, sb.perplexity),
                label=label,
                choice=decide(sa.perplexity, sb.perplexity),
            )
        )
        if progress:
            progress(1)
    log.info("scored %d items in %.1f s", len(items), time.perf_counter() - t0)
    return summarise(getattr(scorer, "name", "?"), items)


def summarise(model: str, items: list[ItemResult]) -> BrainBenchResult:
    correct = [it.choice == it.label for it in items]
    sections: dict[str, list[bool]] = {}
    for it, ok in zip(items, correct, strict=True):
        sections.setdefault(it.section, []).append(ok)
    return BrainBenchResult(
        model=model,
        n=len(items),
        accuracy=float(np.mean(correct)) if items else 0.0,
        ties=sum(it.choice == -1 for it in items),
        per_section={k: float(np.mean(v)) for k, v in sorted(sections.items())},
        items=items,
    )


class ConfidenceBin(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quintile: int
    n: int
    gap_min: float
    gap_max: float
    accuracy: float


def confidence_bins(result: BrainBenchResult, bins: int = 5) -> list[ConfidenceBin]:
    """Accuracy per confidence quintile; confidence = |ppl_A - ppl_B| (the paper's)."""
    if not result.items:
        return []
    gaps = np.array([abs(it.ppl[0] - it.ppl[1]) for it in result.items])
    correct = result.correct()
    order = np.argsort(gaps, kind="stable")
    out = []
    for q, idx in enumerate(np.array_split(order, bins), start=1):
        if idx.size == 0:
            continue
        out.append(
            ConfidenceBin(
                quintile=q,
                n=int(idx.size),
                gap_min=float(gaps[idx].min()),
                gap_max=float(gaps[idx].max()),
                accuracy=float(correct[idx].mean()),
            )
        )
    return out


def format_table(result: BrainBenchResult) -> str:
    n_correct = int(result.correct().sum())
    lines = [
        f"BrainBench: {result.model}, {result.n} items",
        f"{'accuracy':<34}{result.accuracy:7.1%}  ({n_correct}/{result.n})",
        f"{'ties (counted wrong)':<34}{result.ties:7d}",
        "",
        f"{'journal section':<34}{'n':>5}{'accuracy':>10}",
    ]
    counts: dict[str, int] = {}
    for it in result.items:
        counts[it.section] = counts.get(it.section, 0) + 1
    for section, acc in result.per_section.items():
        lines.append(f"{section:<34}{counts[section]:>5}{acc:>10.1%}")
    lines += ["", f"{'confidence quintile (|ppl gap|)':<34}{'n':>5}{'accuracy':>10}  gap range"]
    for b in confidence_bins(result):
        lines.append(
            f"{'Q' + str(b.quintile):<34}{b.n:>5}{b.accuracy:>10.1%}"
            f"  {b.gap_min:.3g} - {b.gap_max:.3g}"
        )
    return "\n".join(lines)


def plot_calibration(result: BrainBenchResult, path: Path) -> Path:
    """A PNG of accuracy per confidence quintile, as the paper's calibration figure."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as err:
        raise BrainweaveError(
            "the calibration plot needs matplotlib", "pip install matplotlib"
        ) from err
    bins = confidence_bins(result)
    fig, ax = plt.subplots(figsize=(5, 3.6), dpi=120)
    ax.bar([f"Q{b.quintile}" for b in bins], [b.accuracy for b in bins], color="#4a7fb5")
    ax.axhline(result.accuracy, color="#333", ls="--", lw=1, label=f"overall {result.accuracy:.1%}")
    ax.axhline(0.5, color="#b54a4a", ls=":", lw=1, label="chance")
    ax.set_ylim(0, 1)
    ax.set_xlabel("confidence quintile (|perplexity gap|, low to high)")
    ax.set_ylabel("accuracy")
    ax.set_title(f"BrainBench calibration\n{result.model} (n={result.n})", fontsize=10)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
