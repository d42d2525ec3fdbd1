"""The llama.cpp scoring backend: bad GGUF files (fast) and agreement with the
transformers backend on BrainBench items with the packaged SmolLM2 GGUF (slow)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from brainweave.errors import BrainweaveError, ConfigError
from brainweave.scoring.brainbench import ab_labels, evaluate, item_prompts, load_testcases
from brainweave.scoring.llamacpp_scorer import LlamaCppScorer, check_causal_lm, resolve_gguf
from tests.conftest import clean_env

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
CSV = DATA / "brainbench" / "BrainBench_Human_v0.1.csv"
DEFAULT = "smollm2-135m-instruct"


def _write_gguf(path: Path, arch: str, causal: bool | None) -> Path:
    import gguf

    w = gguf.GGUFWriter(str(path), arch)
    w.add_context_length(512)
    if causal is not None:
        w.add_causal_attention(causal)
    w.add_tensor("token_embd.weight", np.zeros((8, 4), dtype=np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


def test_a_file_that_is_not_gguf_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "model.gguf"
    bad.write_bytes(b"PK\x03\x04 this is a zip file, not a model" * 20)
    with pytest.raises(BrainweaveError, match="not a readable GGUF file") as err:
        LlamaCppScorer(bad)
    assert "llama.cpp's format" in (err.value.hint or "")


def test_an_encoder_gguf_is_refused_before_llama_cpp_loads_it(tmp_path: Path) -> None:
    path = _write_gguf(tmp_path / "embedder.gguf", "bert", causal=False)
    with pytest.raises(BrainweaveError, match="not a causal language model"):
        LlamaCppScorer(path)
    # an unknown architecture whose header says its attention is not causal: refused too
    other = _write_gguf(tmp_path / "other.gguf", "my-encoder", causal=False)
    with pytest.raises(BrainweaveError, match="non-causal attention"):
        LlamaCppScorer(other)
    assert set(tmp_path.iterdir()) == {path, other}  # nothing written beside them


def test_a_decoder_header_passes_the_check(tmp_path: Path) -> None:
    from brainweave.scoring.llamacpp_scorer import gguf_metadata

    path = _write_gguf(tmp_path / "decoder.gguf", "llama", causal=None)
    assert check_causal_lm(path, gguf_metadata(path)) == "llama"


def test_a_hub_id_is_not_a_gguf_for_llama_cpp() -> None:
    with pytest.raises(ConfigError, match="needs a GGUF file") as err:
        resolve_gguf("HuggingFaceTB/SmolLM2-135M")
    assert "scorer.provider = 'transformers'" in (err.value.hint or "")


def _cli(*args: str, home: Path, **env_extra: str) -> subprocess.CompletedProcess:
    env = clean_env()
    env |= {"HF_HUB_OFFLINE": "1", "BRAINWEAVE_HOME": str(home), **env_extra}
    return subprocess.run(
        [str(Path(sys.executable).with_name("brainweave")), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_models_list_shows_every_backend(tmp_path: Path) -> None:
    r = _cli("models", "list", "--json", home=tmp_path)
    assert r.returncode == 0, r.stderr
    backends = {b["provider"]: b for b in json.loads(r.stdout)["backends"]}
    assert set(backends) == {"transformers", "llamacpp", "openai-logprobs"}
    assert "smollm2-135m-instruct" in backends["llamacpp"]["models"]
    assert "scorer.base_url" in backends["openai-logprobs"]["note"]
    text = _cli("models", "list", home=tmp_path).stdout
    assert "llamacpp: smollm2-135m-instruct" in text


def test_bench_backend_errors_are_clear(tmp_path: Path) -> None:
    csv_path = str(CSV)
    r = _cli("bench", "brainbench", "--testcases", csv_path, "--backend", "nope", home=tmp_path)
    assert r.returncode == 1
    assert "unknown scorer backend 'nope'" in r.stderr and "Traceback" not in r.stderr
    r = _cli(
        "bench", "brainbench", "--testcases", csv_path, "--backend", "openai-logprobs",
        "--limit", "1", home=tmp_path,
    )  # fmt: skip
    assert r.returncode == 1
    assert "needs scorer.base_url" in r.stderr and "Traceback" not in r.stderr
    r = _cli(
        "bench", "brainbench", "--testcases", csv_path, "--backend", "llamacpp",
        "--model", str(tmp_path), "--limit", "1", home=tmp_path,
    )  # fmt: skip
    assert r.returncode == 1
    assert "needs a GGUF file" in r.stderr and "Traceback" not in r.stderr


# -- the real packaged model ----------------------------------------------------


@pytest.fixture(scope="module")
def cases() -> list:
    if not CSV.is_file():
        pytest.fail(f"BrainBench test cases missing: {CSV} (put shared/data beside the repo)")
    return load_testcases(CSV)


@pytest.fixture(scope="module")
def llamacpp() -> LlamaCppScorer:
    return LlamaCppScorer(resolve_gguf(DEFAULT), name=DEFAULT, threads=1)


@pytest.fixture(scope="module")
def transformers_scorer():  # type: ignore[no-untyped-def]
    from brainweave.scoring.models import load_model
    from brainweave.scoring.perplexity import TransformersScorer

    return TransformersScorer(load_model(DEFAULT))


@pytest.mark.slow
def test_llamacpp_agrees_with_transformers_on_brainbench(
    llamacpp: LlamaCppScorer, transformers_scorer, cases: list
) -> None:
    sub = cases[:3]
    ours = evaluate(llamacpp, sub)
    ref = evaluate(transformers_scorer, sub)
    worst = 0.0
    for a, b in zip(ours.items, ref.items, strict=True):
        for p, q in zip(a.ppl, b.ppl, strict=True):
            worst = max(worst, abs(p - q) / q)
    # the same Q4_1 weights; llama.cpp's own quantized dot products differ slightly
    assert worst < 0.02
    for a, b in zip(ours.items, ref.items, strict=True):
        gap = abs(b.ppl[0] - b.ppl[1]) / min(b.ppl)
        if gap > 2 * worst:  # a choice the arithmetic difference cannot flip
            assert a.choice == b.choice, (b.doi, a.ppl, b.ppl)
    # item 2 of the human set is a near-tie that llama.cpp's arithmetic flips: the check
    # above would wrongly pass if every gap were small
    assert sum(abs(b.ppl[0] - b.ppl[1]) / min(b.ppl) > 2 * worst for b in ref.items) >= 1
    assert "llama.cpp" in ours.model


@pytest.mark.slow
def test_llamacpp_tokenises_and_counts_like_transformers(
    llamacpp: LlamaCppScorer, transformers_scorer, cases: list
) -> None:
    a = item_prompts(cases[0], ab_labels(1)[0])[0]
    assert llamacpp.encode(a) == transformers_scorer.encode(a)
    got = llamacpp.score(a)
    assert got.n_tokens == len(transformers_scorer.encode(a)) - 1  # SmolLM2 adds no BOS
    assert got.perplexity == pytest.approx(math.exp(got.mean_nll))
    assert got.n_bytes == len(a.encode("utf-8"))


@pytest.mark.slow
def test_shared_prefix_kv_reuse_equals_scoring_alone(llamacpp: LlamaCppScorer, cases: list) -> None:
    a, b = item_prompts(cases[1], 0)
    together = llamacpp.score_many([a, b])
    alone = [llamacpp.score(a), llamacpp.score(b)]
    for t, s in zip(together, alone, strict=True):
        assert t.n_tokens == s.n_tokens
        assert abs(t.perplexity - s.perplexity) / s.perplexity < 1e-4
    # and in the other order (the KV cache of the first text is trimmed, not reused wrongly)
    swapped = llamacpp.score_many([b, a])
    assert swapped[0].perplexity == pytest.approx(together[1].perplexity, rel=1e-4)


@pytest.mark.slow
def test_continuation_only_scoring_after_a_context(
    llamacpp: LlamaCppScorer, transformers_scorer, cases: list
) -> None:
    context = "Evidence: " + cases[2].original[:600] + "\nHypothesis: "
    texts = ["Dopamine neurons encode reward prediction errors.", "The cortex is made of cheese."]
    ours = llamacpp.score_many(texts, context)
    ref = transformers_scorer.score_many(texts, context)
    for o, r in zip(ours, ref, strict=True):
        assert o.n_tokens == r.n_tokens
        assert abs(o.sum_logprob - r.sum_logprob) / abs(r.sum_logprob) < 0.05
    assert ours[0].mean_nll < ours[1].mean_nll  # the plausible sentence is likelier


@pytest.mark.slow
def test_texts_longer_than_the_window_are_scored_in_rolling_windows(cases: list) -> None:
    small = LlamaCppScorer(resolve_gguf(DEFAULT), name=DEFAULT, window=64, threads=1)
    text = cases[3].original[:800]
    n = len(small.encode(text))
    assert n > 130
    got = small.score(text)
    assert got.n_tokens == n - 1
    assert math.isfinite(got.perplexity)
    # a 64-token window sees less context than a whole-text window: a higher perplexity
    full = LlamaCppScorer(resolve_gguf(DEFAULT), name=DEFAULT, threads=1).score(text)
    assert got.perplexity > full.perplexity
