"""LoRA adapters on the transformers scorer (slow: the packaged SmolLM2): a small
adapter trained here for a few steps, saved, and loaded through ``scorer.adapter``."""

from __future__ import annotations

from pathlib import Path

import pytest

from brainweave.errors import BrainweaveError
from brainweave.scoring.brainbench import item_prompts, load_testcases
from brainweave.scoring.models import apply_adapter, load_model, load_with_adapter
from brainweave.scoring.perplexity import TransformersScorer
from brainweave.settings import load_settings

pytestmark = pytest.mark.slow

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
CSV = DATA / "brainbench" / "BrainBench_Human_v0.1.csv"
DEFAULT = "smollm2-135m-instruct"


@pytest.fixture(scope="module")
def texts() -> list[str]:
    """The heads of two unrelated BrainBench prompts (the adapter is trained on the first)."""
    cases = load_testcases(CSV)
    return [item_prompts(cases[i], 0)[0][:500] for i in (0, 5)]


@pytest.fixture(scope="module")
def adapter_dir(tmp_path_factory: pytest.TempPathFactory, texts: list[str]) -> Path:
    """A rank-4 LoRA on q_proj/v_proj, trained 2 steps on the first text."""
    import torch
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(0)
    base = load_model(DEFAULT)  # a fresh copy: the adapter is trained into it
    model = get_peft_model(
        base.model, LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"])
    )
    ids = base.tokenizer(texts[0], return_tensors="pt")["input_ids"][:, :64]
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=5e-3)
    model.train()
    for _ in range(2):
        loss = model(input_ids=ids, labels=ids).loss
        loss.backward()
        opt.step()
        opt.zero_grad()
    out = tmp_path_factory.mktemp("adapter") / "smollm2-lora"
    model.save_pretrained(out)
    return out


def test_an_adapter_changes_scores_and_loads_the_same_twice(
    adapter_dir: Path, texts: list[str], tmp_path: Path
) -> None:
    settings = load_settings(profile="fast", home=tmp_path, scorer={"adapter": str(adapter_dir)})
    tuned = TransformersScorer.from_settings(settings)
    plain = TransformersScorer(load_model(DEFAULT))
    t = tuned.score_many(texts)
    p = plain.score_many(texts)
    # trained on texts[0]: its perplexity drops, and more than the unrelated text's
    assert t[0].perplexity < p[0].perplexity * 0.99
    assert t[0].perplexity / p[0].perplexity < t[1].perplexity / p[1].perplexity
    # a second load of the same adapter (fresh, from disk) gives the same numbers
    again = TransformersScorer(apply_adapter(load_model(DEFAULT), str(adapter_dir)))
    for a, b in zip(again.score_many(texts), t, strict=True):
        assert a.sum_logprob == pytest.approx(b.sum_logprob, rel=1e-6)
    assert tuned.loaded.extra["adapter"] == str(adapter_dir)
    assert "+smollm2-lora" in tuned.name


def test_an_adapter_for_another_base_model_is_a_clear_error(tmp_path: Path) -> None:
    """A LoRA saved from a small Llama-architecture model of another width."""
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaConfig, LlamaForCausalLM

    other = LlamaForCausalLM(
        LlamaConfig(
            vocab_size=128,
            hidden_size=64,
            intermediate_size=128,
            num_hidden_layers=2,
            num_attention_heads=4,
            num_key_value_heads=4,
        )
    )
    other.name_or_path = "tiny-llama-64"  # what peft records as the base model
    lora = get_peft_model(other, LoraConfig(r=2, target_modules=["q_proj", "v_proj"]))
    lora.save_pretrained(tmp_path / "tiny-lora")
    with pytest.raises(BrainweaveError, match="does not fit the scorer model") as err:
        load_with_adapter(DEFAULT, str(tmp_path / "tiny-lora"))
    assert "tiny-llama-64" in str(err.value)


def test_a_missing_adapter_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(BrainweaveError, match="could not read the adapter"):
        load_with_adapter(DEFAULT, str(tmp_path / "no-such-adapter"))
