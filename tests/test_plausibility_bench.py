"""benchmarks/plausibility.py: its items from real records, each item's own source
left out of its evidence, and the accuracy / ROC AUC figures it reports."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from brainweave import knowledge
from brainweave.retrieval.documents import Hit

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "bench_plausibility", REPO / "benchmarks/plausibility.py"
    )
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # pydantic resolves the Item model's names there
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(autouse=True)
def _real_vocabularies(data_dir: Path) -> Iterator[None]:
    with knowledge.use(knowledge.load(data_dir)):
        yield


def test_items_are_real_sentences_against_their_alterations(
    bench: ModuleType, data_dir: Path
) -> None:
    items, available, skipped = bench.draw_items(data_dir, 4, seed=1, max_variants=4)
    assert available["brainbench"] + skipped["brainbench"] == 200
    assert {i.dataset for i in items} == {"brainbench", "pubmedqa"} and len(items) == 4
    for item in items:
        assert item.variants and len(item.variants) <= 4
        assert all(v.text != item.real for v in item.variants)
        if item.dataset == "brainbench":
            # the experts' own alteration first, and the real sentence has no markup
            assert item.variants[0].kind == "expert" and "[[" not in item.real
            assert item.source_id.startswith("10.")
        else:
            assert item.source_id.isdigit()


def _hit(doc_id: str, **meta: Any) -> Hit:
    return Hit(
        passage_id=f"{doc_id}#0",
        doc_id=doc_id,
        domain="clinical",
        source="s",
        title="t",
        text="x",
        url=None,
        license="l",
        score=1.0,
        metadata=meta,
    )


def test_an_items_own_record_and_brainbench_dois_are_not_evidence(
    bench: ModuleType, data_dir: Path
) -> None:
    from brainweave.scoring.contamination import brainbench_dois

    dois = brainbench_dois(data_dir / "brainbench" / "BrainBench_Human_v0.1.csv")
    assert bench._excluded(_hit("pubmedqa_pqal/21645374"), "21645374", dois)
    assert not bench._excluded(_hit("pubmedqa_pqal/21645375"), "21645374", dois)
    # the article that is both a BrainBench item and a PMC abstract (shared/data/README)
    pmc = _hit("pmc_oa/PMC1", doi="10.1523/JNEUROSCI.2178-22.2023")
    assert bench._excluded(pmc, "10.1523/other", dois)


def test_accuracy_and_auc_of_the_pair_probability(bench: ModuleType) -> None:
    rows = [
        {"item": f"i{k}", "gap": g, "p_real": p}
        for k, (g, p) in enumerate([(2.0, 0.9), (1.0, 0.7), (-1.0, 0.3), (0.5, 0.6)])
    ]
    s = bench.summarise(rows, seed=0, boot=50)
    assert s["correct"] == 3 and s["accuracy"] == 0.75 and s["pairs"] == 4
    assert 0.0 <= s["accuracy_ci"][0] < 0.75 < s["accuracy_ci"][1] <= 1.0
    assert bench.auc(np.array([0.9, 0.8]), np.array([1, 0])) == 1.0
    assert bench.auc(np.array([0.5, 0.5]), np.array([1, 0])) == 0.5


def test_a_run_cut_short_is_summarised_from_its_pairs_log(
    bench: ModuleType, tmp_path: Path
) -> None:
    import json

    def row(item: str, cond: str, gap: float) -> str:
        r = {"condition": cond, "item": item, "dataset": "pubmedqa", "kind": "edit"}
        return json.dumps(r | {"gap": gap, "p_real": 0.6})

    first = tmp_path / "a.jsonl"
    first.write_text(
        "\n".join(
            [
                row("i1", "no evidence", 2.0),
                row("i1", "retrieved evidence", 1.0),
                row("i2", "no evidence", -1.0),
                row("i2", "retrieved evidence", 0.5),
                row("i3", "no evidence", 3.0),  # cut before its evidence run
            ]
        )
    )
    second = tmp_path / "b.jsonl"  # a second seed's run that drew i1 again
    second.write_text(row("i1", "no evidence", 2.0) + "\n" + row("i1", "retrieved evidence", 1.0))
    out = bench.from_pairs_log([first, second], "smollm2-135m-instruct", 0, recalibrate=True)
    assert out["n_items"] == 2, "only items scored under every condition, each once"
    s = out["results"]["no evidence"]["all"]
    assert s["pairs"] == 2 and s["correct"] == 1
    # recalibrated: P(real) from the shipped fit, not the 0.6 the run logged
    p = [r["p_real"] for r in out["pairs"]["retrieved evidence"]]
    assert all(x > 0.5 for x in p) and all(x != 0.6 for x in p)
