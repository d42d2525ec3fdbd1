"""The scorer's logic without a model: BrainBench parsing and A/B order, result
format, confidence bins, counterfactual variants, calibration, memorisation,
contamination DOIs."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from brainweave.errors import BrainweaveError
from brainweave.scoring.brainbench import (
    ItemResult,
    ab_labels,
    confidence_bins,
    decide,
    extract_abstract_pair,
    format_table,
    item_prompts,
    load_testcases,
    plot_calibration,
    summarise,
)
from brainweave.scoring.calibration import (
    expected_calibration_error,
    fit_logistic,
    load_params,
)
from brainweave.scoring.contamination import brainbench_dois, exclude_brainbench, normalise_doi
from brainweave.scoring.counterfactuals import learn_edit_pairs, make_variants
from brainweave.scoring.memorisation import memorisation_ratio, zlib_bits

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
CSV = DATA / "brainbench" / "BrainBench_Human_v0.1.csv"


@pytest.fixture(scope="module")
def csv_path() -> Path:
    if not CSV.is_file():
        pytest.fail(f"BrainBench test cases missing: {CSV} (put shared/data beside the repo)")
    return CSV


def test_ab_order_is_the_references_seed_42_draw() -> None:
    # the reference: np.random.seed(42), then one rand() > 0.5 per item in file order
    np.random.seed(42)
    expected = [1 if np.random.rand() > 0.5 else 0 for _ in range(200)]
    state = np.random.get_state()[1].copy()
    assert ab_labels(200) == expected
    assert ab_labels(5) == [0, 1, 1, 1, 0]  # rand: .375 .951 .732 .599 .156
    assert (np.random.get_state()[1] == state).all()  # the global RNG is left alone


def test_original_is_a_when_label_0_and_b_when_label_1(csv_path: Path) -> None:
    case = load_testcases(csv_path)[0]
    a, b = item_prompts(case, 0)
    assert a.startswith("You are a neuroscientist with deep knowledge in neuroscience. Here is")
    assert a.endswith(case.original.strip()) and b.endswith(case.incorrect.strip())
    assert item_prompts(case, 1) == (b, a)


def test_edit_markup_gives_both_abstracts(csv_path: Path) -> None:
    o, i = extract_abstract_pair("Firing [[increased, decreased]] in [[males, females]].")
    assert (o, i) == ("Firing increased in males.", "Firing decreased in females.")
    cases = load_testcases(csv_path)
    assert len(cases) == 200
    assert {c.section for c in cases} == {
        "Behavioral/Cognitive",
        "Systems/Circuits",
        "Neurobiology of Disease",
        "Cellular/Molecular",
        "Development/Plasticity/Repair",
    }
    assert all(c.original != c.incorrect for c in cases)


def test_a_csv_without_the_columns_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("doi,abstract\nx,y\n", encoding="utf-8")
    with pytest.raises(BrainweaveError, match="not a BrainBench CSV"):
        load_testcases(bad)
    with pytest.raises(BrainweaveError, match="not found"):
        load_testcases(tmp_path / "missing.csv")


def test_csv_with_only_original_and_incorrect_columns_works(tmp_path: Path) -> None:
    p = tmp_path / "gpt4.csv"
    p.write_text(
        "doi,journal_section,original_abstract,incorrect_abstract\n"
        "10.1/x,Systems/Circuits,Rates rose.,Rates fell.\n",
        encoding="utf-8",
    )
    (case,) = load_testcases(p)
    assert (case.original, case.incorrect) == ("Rates rose.", "Rates fell.")


def _items(ppls: list[tuple[float, float]], labels: list[int]) -> list[ItemResult]:
    return [
        ItemResult(
            doi=f"10.1/{i}",
            section="A" if i % 2 else "B",
            ppl=p,
            label=lab,
            choice=decide(*p),
        )
        for i, (p, lab) in enumerate(zip(ppls, labels, strict=True))
    ]


def test_result_json_has_the_issue_format_and_ties_count_wrong() -> None:
    items = _items([(2.0, 3.0), (3.0, 2.0), (2.5, 2.5), (4.0, 1.0)], [0, 0, 0, 1])
    r = summarise("m", items)
    assert r.ties == 1
    assert r.accuracy == 0.5  # items 0 and 3 right, 1 wrong, the tie wrong
    d = json.loads(r.model_dump_json())
    assert set(d) == {"model", "n", "accuracy", "ties", "per_section", "items"}
    assert set(d["items"][0]) == {"doi", "section", "ppl", "label", "choice"}
    assert d["items"][2]["choice"] == -1 and d["items"][0]["ppl"] == [2.0, 3.0]
    assert d["per_section"] == {"A": 0.5, "B": 0.5}


def test_confidence_quintiles_split_by_perplexity_gap(tmp_path: Path) -> None:
    # gaps 1..10; the five largest gaps are right, the five smallest wrong
    ppls = [(10.0, 10.0 + g) for g in range(1, 11)]
    labels = [1] * 5 + [0] * 5
    r = summarise("m", _items(ppls, labels))
    bins = confidence_bins(r)
    assert [b.n for b in bins] == [2] * 5
    assert [b.accuracy for b in bins] == [0.0, 0.0, 0.5, 1.0, 1.0]
    assert bins[0].gap_min == pytest.approx(1.0) and bins[-1].gap_max == pytest.approx(10.0)
    table = format_table(r)
    assert "accuracy" in table and "Q5" in table and "ties (counted wrong)" in table
    png = plot_calibration(r, tmp_path / "cal.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_variants_flip_the_result_direction_and_keep_case() -> None:
    vs = make_variants("Increased theta power in the hippocampus predicted recall.")
    texts = [v.text for v in vs]
    assert "Decreased theta power in the hippocampus predicted recall." in texts
    assert any("amygdala" in t for t in texts)  # a region swap
    assert all(v.kind == "edit" or v.kind.startswith("entity:") for v in vs)
    assert len(set(texts)) == len(texts) <= 8


def test_region_swaps_take_a_neighbouring_atlas_region() -> None:
    vs = make_variants("Hippocampus volume is reduced in epilepsy.")
    regions = [v for v in vs if v.kind == "entity:region"]
    # Harvard-Oxford neighbours of the hippocampus, capitalised at the sentence start
    assert {v.text for v in regions} == {
        "Parahippocampal gyrus volume is reduced in epilepsy.",
        "Amygdala volume is reduced in epilepsy.",
    }
    caudate = make_variants("Dopamine release in the caudate fell.")
    assert "Dopamine release in the nucleus accumbens fell." in [v.text for v in caudate]


def test_disease_swaps_are_another_disease_not_a_subtype() -> None:
    vs = [v for v in make_variants("Gait worsened in Parkinson's disease.")]
    swaps = [v for v in vs if v.kind == "entity:disease"]
    assert swaps and all(v.original == "Parkinson's disease" for v in swaps)
    assert not any("parkinson disease" in v.altered.lower() for v in swaps)


def test_gene_swaps_are_case_sensitive_and_stay_in_the_family() -> None:
    texts = [v.text for v in make_variants("SNCA variants raise risk in older adults.")]
    assert "SNCB variants raise risk in older adults." in texts
    texts = [v.text for v in make_variants("PSEN1 mutations cause early-onset dementia.")]
    assert "PSEN2 mutations cause early-onset dementia." in texts
    assert make_variants("The snca of the weather is nice.") == []


def test_no_variant_can_be_formed_for_a_statement_without_a_result() -> None:
    assert make_variants("The weather is nice today.") == []


def test_edit_pairs_learned_from_brainbench(csv_path: Path) -> None:
    pairs = {(p.original, p.altered) for p in learn_edit_pairs(csv_path)}
    assert ("increased", "decreased") in pairs
    assert ("inhibitory", "excitatory") in pairs
    assert not any(a in {"and", "but"} for a, _ in pairs)
    shipped = json.loads(
        (Path(__file__).resolve().parents[1] / "scoring/data/edit_pairs.json").read_text()
    )
    assert {(p["original"], p["altered"]) for p in shipped["pairs"]} == pairs


def test_calibration_params_load_and_give_probabilities() -> None:
    params = load_params("smollm2-135m-instruct")
    assert params is not None, "calibration params for the default model must ship"
    ps = [params.probability(g) for g in (-1e4, -10.0, -1.0, 0.0, 1.0, 10.0, 1e4)]
    assert all(0.0 <= p <= 1.0 for p in ps)
    assert ps == sorted(ps) and ps[0] < 0.5 < ps[-1]
    assert 0.0 <= params.ece_cv <= 1.0 and params.n > 0
    assert params.previous is not None and params.previous["n"] == 200  # the abstract fit
    assert load_params("no-such-model") is None


def test_logistic_fit_recovers_a_known_slope() -> None:
    rng = np.random.RandomState(0)
    x = rng.normal(0, 3, 4000)
    y = (rng.rand(4000) < 1 / (1 + np.exp(-0.7 * x))).astype(float)
    slope, intercept = fit_logistic(x, y)
    assert slope == pytest.approx(0.7, abs=0.07) and abs(intercept) < 0.1
    p = 1 / (1 + np.exp(-(slope * x + intercept)))
    assert expected_calibration_error(p, y) < 0.03
    assert expected_calibration_error(np.full(4000, 0.99), y) > 0.4


def test_memorisation_ratio_is_model_bits_over_zlib_bits() -> None:
    text = "Dopamine neurons fire in bursts. " * 3
    bits = zlib_bits(text)
    assert bits < 8 * len(text)  # repetition compresses
    assert memorisation_ratio(-math.log(2) * bits / 2, text) == pytest.approx(0.5)
    # after a context, only the marginal cost of the text counts
    assert zlib_bits(text, context=text) < bits


def test_brainbench_dois_for_contamination(csv_path: Path) -> None:
    dois = brainbench_dois()
    assert len(dois) == 200
    assert dois == brainbench_dois(csv_path)
    assert "10.1523/jneurosci.2178-22.2023" in dois  # also in the PMC OA corpus
    assert normalise_doi("https://doi.org/10.1523/JNEUROSCI.2178-22.2023") in dois
    docs = [{"doi": "10.1523/JNEUROSCI.2178-22.2023"}, {"doi": "10.1000/other"}, {"doi": None}]
    kept = exclude_brainbench(docs, lambda d: d["doi"])
    assert kept == docs[1:]


def _cli(*args: str, home: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRAINWEAVE_")}
    env |= {"HF_HUB_OFFLINE": "1", "BRAINWEAVE_HOME": str(home)}
    return subprocess.run(
        [str(Path(sys.executable).with_name("brainweave")), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_cli_bench_errors_are_clear(tmp_path: Path) -> None:
    r = _cli("bench", "brainbench", "--testcases", str(tmp_path / "nope.csv"), home=tmp_path)
    assert r.returncode == 1
    assert "BrainBench test cases not found" in r.stderr and "Traceback" not in r.stderr
    r = _cli(
        "bench", "brainbench", "--testcases", str(CSV), "--model", "smollm2-135m",
        "--limit", "1", home=tmp_path,
    )  # fmt: skip
    assert r.returncode == 1
    assert "did you mean 'smollm2-135m-instruct'" in r.stderr


def test_cli_models_list_shows_the_packaged_models(tmp_path: Path) -> None:
    r = _cli("models", "list", "--json", home=tmp_path)
    assert r.returncode == 0, r.stderr
    rows = {m["alias"]: m for m in json.loads(r.stdout)["models"]}
    assert set(rows) == {"smollm2-135m-instruct", "gemma3-270m"}
    assert rows["smollm2-135m-instruct"]["license"] == "Apache-2.0"
    assert all(m["installed"] for m in rows.values())
    r = _cli("models", "list", home=tmp_path)
    assert "smollm2-135m-instruct (default)" in r.stdout


def test_an_unavailable_hub_model_is_a_clear_error() -> None:
    from brainweave.scoring.models import load_model

    with pytest.raises(BrainweaveError, match="could not load model") as err:
        load_model("no-such-org/no-such-model")
    assert "smollm2-135m-instruct" in str(err.value)  # the hint names the packaged aliases


def test_every_score_says_what_it_is_its_band_and_how_good_the_scorer_is() -> None:
    from brainweave.scoring.lexical import LexicalScorer
    from brainweave.scoring.plausibility import (
        MEANING,
        band_of,
        describe,
        interval_of,
        quality_sentence,
        rank_meaning,
        score_hypotheses,
    )

    # the evidence names "increased": the statement beats its "decreased" version
    (r,) = score_hypotheses(
        ["Increased theta power in the hippocampus predicted recall."],
        "theta power increased in the hippocampus and predicted recall",
        scorer=LexicalScorer(),
    )
    sc = r.to_scores()
    assert "not an altered version" in MEANING
    # the lexical stand-in has no calibration and no measured accuracy: its number is an
    # order, shown with no band and no interval (not "high 1.00-1.00")
    assert (sc.plausibility or 0) > 0.9 and not r.calibrated
    assert sc.band is None and sc.interval is None and r.band is None
    assert sc.meaning == rank_meaning("lexical-overlap") and "not a probability" in sc.meaning
    assert describe(sc.plausibility, sc.band, sc.interval).endswith(" (rank only, uncalibrated)")
    assert describe(1.0, None, None) == "1.00 (rank only, uncalibrated)"
    assert "no measured accuracy" in (sc.scorer_quality or ""), "the lexical stand-in has none"
    assert describe(0.734, "high", [0.61, 0.85]) == "0.73 (high, 95% interval 0.61–0.85)"
    # the packaged models' figures come from the shipped results file, with n
    q = quality_sentence("smollm2-135m-instruct")
    assert "61.0% (n = 200" in q and "BrainBench" in q
    assert "76.1% (n = 318 sentence pairs" in q and "ROC AUC 0.85" in q
    assert "calibrated on 636 sentence pairs (130 items)" in q
    assert "62.5% (n = 200" in quality_sentence("gemma3-270m")
    # a band needs its interval clear of chance
    assert band_of(0.7, [0.6, 0.8]) == "high" and band_of(0.7, [0.45, 0.95]) == "medium"
    assert band_of(0.2) == "low" and band_of(0.5) == "medium" and band_of(None) is None
    assert interval_of([0.5]) is None
    # the additive fields do not change the table columns sweeps and the store read
    assert set(sc.columns()) == set(sc.COLUMNS)


def test_cli_plausibility_prints_meaning_band_and_scorer_quality(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from brainweave.cli import app

    ev = tmp_path / "ev.txt"
    ev.write_text("theta power increased in the hippocampus and predicted recall")
    res = CliRunner().invoke(
        app,
        [
            "--profile",
            "fast",
            "plausibility",
            "Increased theta power in the hippocampus predicted recall.",
            "--context",
            str(ev),
        ],
    )
    assert res.exit_code == 0, res.output
    # the fast profile's lexical scorer: a ranking score, never a band that reads as certainty
    assert re.search(r"plausibility \d\.\d\d \(rank only, uncalibrated\)\n", res.output)
    assert "what it is: a ranking score, not a probability" in res.output
    assert not re.search(r"\b(low|medium|high)\b", res.output.split("what it is")[0])
    assert "scorer lexical-overlap: no measured accuracy" in res.output
