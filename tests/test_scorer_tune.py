"""`brainweave scorer tune`: the contamination filter on the real corpora, the error for a
data set that filtering empties, and (slow: the packaged SmolLM2) a two-step run that is
interrupted and resumed from its checkpoint ending where an uninterrupted run ends."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from brainweave.scoring.contamination import brainbench_dois, is_jneurosci_2023, normalise_doi
from brainweave.scoring.tune import TuneConfig, latest_checkpoint, tune, tuning_data, work_dir
from brainweave.settings import load_settings
from tests.conftest import DATA_DIR, clean_env

PMC = DATA_DIR / "corpora" / "neuroimaging" / "pmc_oa_neuroimaging_abstracts.jsonl"
CSV = DATA_DIR / "brainbench" / "BrainBench_Human_v0.1.csv"
BIN = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "brainweave"


def test_every_brainbench_article_counts_as_journal_of_neuroscience_2023() -> None:
    # by DOI alone: 54 of the 200 carry the acceptance year .2022, not .2023
    with CSV.open(encoding="utf-8", newline="") as f:
        dois = [r["doi"] for r in csv.DictReader(f)]
    assert len(dois) == 200
    assert sum(d.endswith(".2022") for d in dois) == 54
    assert all(is_jneurosci_2023(None, None, d) for d in dois)
    # other journals and other years of J Neurosci are kept
    assert not is_jneurosci_2023("J Neurosci Res", "2023", "10.1002/jnr.25191")
    assert not is_jneurosci_2023("J Neurosci", "2024", "10.1523/JNEUROSCI.1740-23.2024")
    assert is_jneurosci_2023("The Journal of neuroscience : the official journal", "2023", None)


def test_the_filter_on_the_real_pmc_abstracts(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home", data_dir=DATA_DIR)
    data = tuning_data(settings, TuneConfig())
    # what the filter must remove, found here from the raw file
    bb = brainbench_dois()
    records = [json.loads(line) for line in PMC.read_text(encoding="utf-8").splitlines()]
    with_abstract = [r for r in records if (r.get("abstract") or "").strip()]
    contaminated = {
        f"pmc_oa_neuroimaging_abstracts/PMC{r['pmcid']}"
        for r in with_abstract
        if normalise_doi(r.get("doi") or "") in bb
        or is_jneurosci_2023(r.get("journal"), r.get("year"), r.get("doi"))
    }
    assert len(contaminated) == 1  # 10.1523/JNEUROSCI.2178-22.2023, a BrainBench item
    assert set(data.excluded_ids) == contaminated
    assert data.excluded["brainbench_doi"] == 1  # 10.1523/JNEUROSCI.2178-22.2023
    kept = {i for i, _ in data.train} | {i for i, _ in data.heldout}
    assert not kept & contaminated
    assert not {i for i, _ in data.train} & {i for i, _ in data.heldout}
    assert len(kept) + len(contaminated) == data.read["pmc_oa_neuroimaging_abstracts"]
    assert data.read["pmc_oa_neuroimaging_abstracts"] == len(with_abstract)
    # about a tenth held out, chosen by id: the same split on every run and seed
    assert 0.07 < len(data.heldout) / len(kept) < 0.13
    again = tuning_data(settings, TuneConfig(seed=7))
    assert [i for i, _ in again.heldout] == [i for i, _ in data.heldout]


def test_a_data_set_empty_after_filtering_is_refused_and_nothing_is_written(
    tmp_path: Path,
) -> None:
    import subprocess

    home = tmp_path / "home"
    env = {**clean_env(), "BRAINWEAVE_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    env["BRAINWEAVE_DATA_DIR"] = str(DATA_DIR)
    add = [str(BIN), "corpus", "add", "neuroscience", str(CSV), "--name", "bb_human"]
    add += ["--id-field", "doi", "--text-field", "original_abstract", "--metadata-field", "doi"]
    r = subprocess.run(add, capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    tune_cmd = [str(BIN), "scorer", "tune", "--source", "bb_human"]
    r = subprocess.run(tune_cmd, capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "no text to tune on" in r.stderr
    assert "200 records" in r.stderr and "200 with a BrainBench DOI" in r.stderr
    assert "Traceback" not in r.stderr
    assert not (home / "adapters").exists()


# -- slow: the real model ---------------------------------------------------------------

TINY = TuneConfig(
    max_docs=6, steps=2, seq_len=64, batch_size=2, eval_blocks=2, save_every=1, seed=3
)


class Interrupted(Exception):
    pass


def _weights(path: Path) -> dict[str, object]:
    from safetensors.torch import load_file

    return dict(load_file(str(path / "adapter_model.safetensors")))


@pytest.mark.slow
def test_a_two_step_run_interrupted_and_resumed_ends_as_an_uninterrupted_one(
    tmp_path: Path,
) -> None:
    import torch

    settings = load_settings(home=tmp_path / "home", data_dir=DATA_DIR, scorer={"threads": 1})
    whole = tune(settings, TINY, "whole", progress=False)

    def stop_after_first(step: int) -> None:
        if step == 1:
            raise Interrupted

    with pytest.raises(Interrupted):
        tune(settings, TINY, "resumed", on_step=stop_after_first, progress=False)
    work = work_dir(settings.home, "resumed")
    ckpt = latest_checkpoint(work)
    assert ckpt is not None and ckpt.name == "step-000001"
    assert not (settings.home / "adapters" / "resumed").exists()  # nothing half-installed

    resumed = tune(settings, TINY, "resumed", progress=False)
    assert resumed.manifest["training"]["resumed_at_steps"] == [1]
    assert not work.exists()
    a, b = _weights(whole.path), _weights(resumed.path)
    assert a.keys() == b.keys() and a
    for k in a:
        assert torch.equal(a[k], b[k]), k  # type: ignore[arg-type]
    mw, mr = whole.manifest, resumed.manifest
    assert mw["heldout"] == mr["heldout"]
    assert mw["training"]["loss_last_10"] == mr["training"]["loss_last_10"]
    assert mw["data"]["train_ids_sha256"] == mr["data"]["train_ids_sha256"]
    assert mw["data"]["excluded"]["brainbench_doi"] == 1
    assert mw["heldout"]["after"]["perplexity"] != mw["heldout"]["before"]["perplexity"]

    # a name is a scorer: scorer.adapter = "whole" scores with the trained weights
    from brainweave.scoring.perplexity import TransformersScorer

    tuned = load_settings(home=tmp_path / "home", scorer={"adapter": "whole", "threads": 1})
    scorer = TransformersScorer.from_settings(tuned)
    assert scorer.name == "smollm2-135m-instruct+whole"
    assert scorer.loaded.extra["adapter"] == str(whole.path)
    assert scorer.loaded.extra["adapter_base"] == "smollm2-135m-instruct"

    # a different seed is a different adapter: the checkpoint of another run is not reused
    with pytest.raises(Interrupted):
        tune(settings, TINY, "other", on_step=stop_after_first, progress=False)
    from dataclasses import replace

    from brainweave.errors import BrainweaveError

    with pytest.raises(BrainweaveError, match="--fresh"):
        tune(settings, replace(TINY, seed=4), "other", progress=False)
