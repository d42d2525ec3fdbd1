"""The perplexity scorer on the real packaged models (slow: loads SmolLM2-135M,
and Gemma 3 270M for the BOS and sliding-window checks)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from brainweave.scoring.brainbench import ab_labels, evaluate, item_prompts, load_testcases
from brainweave.scoring.models import load_model
from brainweave.scoring.perplexity import TransformersScorer
from brainweave.scoring.plausibility import build_context, score_hypotheses

pytestmark = pytest.mark.slow

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
CSV = DATA / "brainbench" / "BrainBench_Human_v0.1.csv"
BIN = Path(sys.executable).with_name("brainweave")
DEFAULT = "smollm2-135m-instruct"
# the full 200-item run (122/200 = 61.0%, as the reference) has 3 of the first 8 right
EXPECTED_FIRST8_ACCURACY = 3 / 8


@pytest.fixture(scope="module")
def cases() -> list:
    if not CSV.is_file():
        pytest.fail(f"BrainBench test cases missing: {CSV} (put shared/data beside the repo)")
    return load_testcases(CSV)


@pytest.fixture(scope="module")
def scorer() -> TransformersScorer:
    return TransformersScorer(load_model(DEFAULT))


def _reference_ppl(model, tokenizer, text: str) -> float:  # type: ignore[no-untyped-def]
    """brainbench_experiments' forward_pass, verbatim in substance."""
    import torch
    import torch.nn.functional as F

    with torch.no_grad():
        enc = tokenizer(text, return_tensors="pt")
        out = model(input_ids=enc["input_ids"], labels=enc["input_ids"])
        shift_logits = out.logits[..., :-1, :].contiguous()
        shift_labels = enc["input_ids"][..., 1:].contiguous()
        vocab = shift_logits.size(-1)
        log_probs = F.log_softmax(shift_logits.view(-1, vocab), dim=-1)
        true = log_probs.gather(dim=1, index=shift_labels.view(-1, 1)).squeeze().float()
        nll = -true.mean()
        assert abs(nll.item() - out.loss.item()) < 1e-4
        return float(np.exp(nll.item()))


def _rel(a: float, b: float) -> float:
    return abs(a - b) / abs(b)


def test_perplexity_matches_the_reference_computation(
    scorer: TransformersScorer, cases: list
) -> None:
    lm = scorer.loaded
    for case in cases[:3]:
        for text in item_prompts(case, 0):
            got = scorer.score(text)
            assert got.n_tokens == len(lm.tokenizer(text)["input_ids"]) - 1  # no BOS added
            assert _rel(got.perplexity, _reference_ppl(lm.model, lm.tokenizer, text)) < 1e-6
            assert got.perplexity == pytest.approx(math.exp(got.mean_nll))
            assert got.sum_logprob == pytest.approx(-got.mean_nll * got.n_tokens)


def test_shared_prefix_equals_straightforward_on_brainbench(
    scorer: TransformersScorer, cases: list
) -> None:
    labels = ab_labels(len(cases))
    for case, label in list(zip(cases, labels, strict=True))[:4]:
        a, b = item_prompts(case, label)
        fast = scorer.score_many([a, b])
        for text, f in zip((a, b), fast, strict=True):
            ref = scorer.score(text)
            assert f.n_tokens == ref.n_tokens
            assert _rel(f.perplexity, ref.perplexity) < 1e-4


def test_shared_context_equals_straightforward_for_variants(
    scorer: TransformersScorer, cases: list
) -> None:
    evidence = cases[0].original
    context = build_context(evidence)
    texts = [
        "Increased theta power in the hippocampus predicted recall.",
        "Decreased theta power in the hippocampus predicted recall.",
        "Increased theta power in the amygdala predicted recall.",
        "Theta",
    ]
    scorer_small_batch = TransformersScorer(
        scorer.loaded, batch_size=3
    )  # two batches, cache copied
    for s in (scorer, scorer_small_batch):
        fast = s.score_many(texts, context)
        for text, f in zip(texts, fast, strict=True):
            ref = s.score(text, context)
            assert f.n_tokens == ref.n_tokens
            assert _rel(f.perplexity, ref.perplexity) < 1e-4


def test_context_tokens_are_not_scored(scorer: TransformersScorer) -> None:
    context = "The evidence: dopamine neurons encode reward prediction errors.\nFinding: "
    text = "Dopamine release increased after unexpected rewards."
    ids, first = scorer.prepare(text, context)
    assert ids == scorer.encode(context + text)
    s = scorer.score(text, context)
    assert s.n_tokens == len(ids) - first
    assert s.n_tokens < len(scorer.encode(text))  # fewer than the text alone
    full = scorer.token_logprobs(ids)
    assert s.sum_logprob == pytest.approx(full[first - 1 :].sum(), rel=1e-9)
    assert scorer.score(text).perplexity != pytest.approx(s.perplexity, rel=1e-3)


def test_text_longer_than_the_window_is_scored_in_rolling_windows(
    scorer: TransformersScorer, cases: list
) -> None:
    text = item_prompts(cases[0], 0)[0]
    ids = scorer.encode(text)
    assert len(ids) > 150
    small = TransformersScorer(scorer.loaded, window=64)  # disjoint windows, as lm-eval does
    s = small.score(text)
    assert s.n_tokens == len(ids) - 1  # every token after the first, once
    # by hand: window 1 predicts 1..63 from ids[0:64]; window k predicts 63 new tokens
    # from the 64 tokens ending at them
    expected = list(scorer.token_logprobs(ids[:64]))
    pos = 64
    while pos < len(ids):
        end = min(pos + 63, len(ids))
        expected += list(scorer.token_logprobs(ids[end - 64 : end])[pos - (end - 64) - 1 :])
        pos = end
    assert s.sum_logprob == pytest.approx(sum(expected), rel=1e-6)
    # less context than the full-window score, so a higher perplexity
    assert s.perplexity > scorer.score(text).perplexity
    # an overlapping stride gives each window more context
    overlap = TransformersScorer(scorer.loaded, window=64, stride=32).score(text)
    assert overlap.n_tokens == s.n_tokens and overlap.perplexity < s.perplexity
    # the fast path falls back to the rolling computation for long texts
    fast = small.score_many([text, text + " More."])
    assert fast[0].sum_logprob == pytest.approx(s.sum_logprob, rel=1e-9)


def test_brainbench_slice_with_the_default_model_through_the_cli(
    tmp_path: Path, cases: list
) -> None:
    out = tmp_path / "bb.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRAINWEAVE_")}
    env |= {"HF_HUB_OFFLINE": "1", "BRAINWEAVE_HOME": str(tmp_path / "home")}
    r = subprocess.run(
        [str(BIN), "bench", "brainbench", "--testcases", str(CSV), "--limit", "8",
         "--json", str(out)],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "accuracy" in r.stdout and "Behavioral/Cognitive" in r.stdout and "Q5" in r.stdout
    d = json.loads(out.read_text())
    assert d["model"] == DEFAULT and d["n"] == 8
    assert [it["label"] for it in d["items"]] == ab_labels(8)
    assert out.with_suffix(".png").read_bytes()[:4] == b"\x89PNG"
    # item by item the same as the straightforward path in this process
    ref = evaluate(TransformersScorer(load_model(DEFAULT)), cases[:8], fast=False)
    for got, want in zip(d["items"], ref.items, strict=True):
        assert got["choice"] == want.choice
        assert got["ppl"] == pytest.approx(list(want.ppl), rel=1e-4)
    assert d["accuracy"] == pytest.approx(ref.accuracy)
    assert d["accuracy"] == pytest.approx(EXPECTED_FIRST8_ACCURACY)


def test_plausibility_of_a_hypothesis_and_a_statement_without_variants(
    scorer: TransformersScorer,
) -> None:
    evidence = (
        "Alpha-synuclein aggregates in dopaminergic neurons of the substantia nigra, "
        "and their loss lowers striatal dopamine in Parkinson's disease."
    )
    good, none = score_hypotheses(
        ["Loss of nigral neurons decreased striatal dopamine.", "The weather is nice today."],
        evidence,
        scorer=scorer,
    )
    assert good.scorable and good.calibrated
    assert 0.0 <= good.plausibility <= 1.0 and 0.0 <= good.p_vs_all <= 1.0
    assert good.variants and good.score is not None
    flips = {v.text for v in good.variants}
    assert "Loss of nigral neurons increased striatal dopamine." in flips
    for v in good.variants:
        assert v.gap == pytest.approx(good.score.sum_logprob - v.sum_logprob)
        assert 0.0 <= v.p_real <= 1.0
    assert good.plausibility == pytest.approx(np.mean([v.p_real for v in good.variants]))
    assert not none.scorable and none.plausibility is None and "no counterfactual" in none.reason


def test_plausibility_cli_json_and_not_scorable(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRAINWEAVE_")}
    env |= {"HF_HUB_OFFLINE": "1", "BRAINWEAVE_HOME": str(tmp_path / "home")}
    ctx = tmp_path / "evidence.txt"
    ctx.write_text("Hippocampal theta oscillations support memory encoding.", encoding="utf-8")
    r = subprocess.run(
        [str(BIN), "plausibility", "Theta power increased during encoding.",
         "--context", str(ctx), "--json"],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["scorable"] and 0 <= d["plausibility"] <= 1 and d["context_chars"] > 0
    r = subprocess.run(
        [str(BIN), "plausibility", "The weather is nice today."],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert r.returncode == 0 and "not scorable" in r.stdout
    r = subprocess.run(
        [str(BIN), "plausibility", "x", "--context", str(tmp_path / "missing.txt")],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert r.returncode == 1 and "does not exist" in r.stderr and "Traceback" not in r.stderr


def test_gemma_adds_bos_and_shared_prefix_matches_past_its_sliding_window(cases: list) -> None:
    gemma = TransformersScorer(load_model("gemma3-270m"))
    text = item_prompts(cases[0], 0)[0]
    ids = gemma.encode(text)
    assert ids[0] == gemma.tokenizer.bos_token_id
    assert gemma.score(text).n_tokens == len(ids) - 1  # the first word is scored after BOS
    # a shared prefix longer than Gemma 3's 512-token sliding window: the cache of its
    # sliding-window layers has dropped the oldest tokens when the continuations run
    base = text + " " + cases[2].original + " "
    long_a, long_b = (base + t for t in item_prompts(cases[1], 0))
    from brainweave.scoring.perplexity import common_prefix_len

    assert common_prefix_len([gemma.encode(long_a), gemma.encode(long_b)]) > 512
    fast = gemma.score_many([long_a, long_b])
    for t, f in zip((long_a, long_b), fast, strict=True):
        assert _rel(f.perplexity, gemma.score(t).perplexity) < 1e-4
