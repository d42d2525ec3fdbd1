"""One settings object for brainweave.

Values come from, highest priority first: explicit arguments (CLI flags),
environment variables prefixed ``BRAINWEAVE_`` (nested sections with ``__``,
e.g. ``BRAINWEAVE_EMBEDDER__MODEL=hash``), a TOML file
(``BRAINWEAVE_CONFIG`` or ``--config``), the named profile
(``BRAINWEAVE_PROFILE`` or ``--profile``), and the defaults below.

Profiles: ``default`` (the real packaged models) and ``fast`` (a hash
embedder and small indexes, for tests and quick looks).
"""

from __future__ import annotations

import contextvars
import logging
import os
import tomllib
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from brainweave.errors import ConfigError

APP_NAME = "brainweave"


def default_home() -> Path:
    """Where brainweave keeps indexes, caches and user manifests by default."""
    return Path(platformdirs.user_data_dir(APP_NAME))


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EmbedderSettings(_Section):
    model: str = Field(
        "all-MiniLM-L6-v2",
        description="sentence-transformers model: the packaged alias 'all-MiniLM-L6-v2', "
        "a Hugging Face id or a local path; or 'hash' for the lexical hash embedder",
    )
    batch_size: int = Field(
        16, ge=1, description="texts per forward pass (16 measured fastest on 2 CPU cores)"
    )
    precision: Literal["auto", "fp32", "bf16"] = Field(
        "auto",
        description="bf16 runs about twice as fast on CPUs with native bf16 (AVX512-BF16, "
        "AMX) at cosine >= 0.9999 to fp32; auto picks bf16 there and fp32 elsewhere",
    )
    device: str = "cpu"
    hash_dim: int = Field(384, ge=8, description="dimension of the hash embedder")


class IndexSettings(_Section):
    dir: Path | None = Field(None, description="where indexes live; default HOME/indexes")
    chunk_tokens: int = Field(
        224, ge=16, description="passage size in embedder tokens, title included (window 256)"
    )
    chunk_overlap: int = Field(32, ge=0, description="tokens shared by consecutive passages")
    exact_max: int = Field(
        50_000,
        ge=0,
        description="passage count up to which the index is exact (flat inner product); "
        "above it an HNSW index is built. benchmarks/retrieval.py measured exact search "
        "costing as much as embedding the query at about 68,000 passages on 2 CPU cores",
    )
    hnsw_m: int = Field(32, ge=4)
    hnsw_ef_construction: int = Field(80, ge=8)
    hnsw_ef_search: int = Field(96, ge=8)
    max_docs_per_source: int | None = Field(
        None, ge=1, description="ingest only the first N documents of each source (demos, tests)"
    )


class SearchSettings(_Section):
    """How ``search`` and the agents rank passages (brainweave.retrieval.service)."""

    mode: Literal["dense", "bm25", "hybrid"] = Field(
        "dense",
        description="dense (embedder + FAISS), bm25 (SQLite FTS5) or hybrid (both, fused "
        "by reciprocal rank); benchmarks/hybrid.py compares them on the labelled set",
    )
    rrf_k: int = Field(60, ge=1, description="reciprocal rank fusion constant (Cormack 2009)")
    candidates: int = Field(50, ge=1, description="passages each ranker gives the fusion")
    expand: bool = Field(
        False,
        description="entity-aware expansion: add the other names of the entities a query "
        "mentions (knowledge layer: a gene's symbol and name, HPO/region synonyms) to BM25",
    )
    expand_dense: bool = Field(
        False,
        description="with expand, also embed the query with those names as a second dense "
        "query, fused by reciprocal rank",
    )


class ScorerSettings(_Section):
    """The BrainBench scorer: which backend (``provider``) and which model it runs."""

    provider: Literal["transformers", "llamacpp", "openai-logprobs", "lexical"] = Field(
        "transformers",
        description="the scoring backend (brainweave.scoring.backends): 'transformers' "
        "(the causal LM below, local weights), 'llamacpp' (a GGUF model quantized as it is, "
        "through llama-cpp-python), 'openai-logprobs' (a server's prompt log-probs at "
        "base_url) or 'lexical' (a deterministic word-overlap "
        "stand-in with no model, for tests and quick looks)",
    )
    model: str = Field(
        "smollm2-135m-instruct",
        description="causal LM for perplexity scoring: a packaged alias "
        "('smollm2-135m-instruct', 'gemma3-270m'), a Hugging Face id, a local "
        "directory or a .gguf file",
    )
    dtype: Literal["fp32", "bf16"] = Field(
        "fp32", description="fp32 is exact and deterministic; bf16 is faster but approximate"
    )
    batch_size: int = Field(8, ge=1, description="continuations scored in one forward pass")
    context_window: int | None = Field(
        None, ge=8, description="tokens per forward pass; default the model's own window"
    )
    window_stride: int | None = Field(
        None,
        ge=1,
        description="new tokens predicted per window when a text is longer than the window; "
        "default window - 1 (disjoint windows, as lm-evaluation-harness does)",
    )
    cache_dir: Path | None = Field(
        None, description="where dequantised GGUF models are cached; default the user cache dir"
    )
    trust_remote_code: bool = Field(False, description="allow model code from the model repo")
    threads: int | None = Field(None, ge=1, description="torch CPU threads; default torch's")
    base_url: str | None = Field(
        None,
        description="provider 'openai-logprobs': the OpenAI-compatible server's URL "
        "(e.g. http://127.0.0.1:8000/v1); it must return prompt log-probs for echo=true",
    )
    timeout_s: float = Field(
        120.0, gt=0, description="provider 'openai-logprobs': seconds to wait for one answer"
    )
    adapter: str | None = Field(
        None,
        description="provider 'transformers': a LoRA/PEFT adapter applied to scorer.model "
        "after loading: the name of one made by `brainweave scorer tune` (HOME/adapters/NAME), "
        "a local directory or a Hugging Face id; its base model must match",
    )


class LLMSettings(_Section):
    """The chat model behind the domain agents (LangChain's chat-model interface)."""

    provider: Literal["fake", "llamacpp", "huggingface", "openai"] = Field(
        "llamacpp",
        description="'fake' (deterministic, for tests), 'llamacpp' (a local GGUF file), "
        "'huggingface' (a model id or path, through langchain-huggingface) or 'openai' "
        "(any OpenAI-compatible server: vLLM, Ollama, LM Studio; set base_url)",
    )
    model: str = Field(
        "smollm2-135m-instruct",
        description="packaged alias 'smollm2-135m-instruct', a GGUF path, a Hugging Face id "
        "or a served model name",
    )
    base_url: str | None = Field(None, description="server address for provider 'openai'")
    api_key_env: str = Field(
        "OPENAI_API_KEY", description="environment variable holding the server's API key"
    )
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    seed: int = Field(0, ge=0, description="sampling seed: changes answers only at temperature > 0")
    max_tokens: int = Field(256, ge=8, description="tokens generated per call at most")
    timeout_s: float = Field(
        60.0, gt=0, description="wall-clock limit of one LLM call (queueing for the model excluded)"
    )
    threads: int | None = Field(
        None, ge=1, description="CPU threads of the llama.cpp model; default every CPU available"
    )
    retries: int = Field(
        1, ge=0, le=3, description="retries of an unparseable answer, told the error"
    )


class AgentsSettings(_Section):
    """Which domain agents answer and how the controller runs them."""

    enabled: list[str] = Field(
        default_factory=list, description="agent names; empty means every available agent"
    )
    rounds: int = Field(1, ge=0, le=5, description="exchange rounds after the first retrieval")
    k: int = Field(5, ge=1, le=50, description="passages each agent retrieves per query")
    max_findings: int = Field(3, ge=1, le=20, description="findings per agent per round")
    max_hypotheses: int = Field(8, ge=1, le=50, description="candidate hypotheses per run")
    findings: Literal["llm", "extractive"] = Field(
        "extractive",
        description="'extractive': the best sentence of each retrieved record, verbatim, no "
        "LLM (the LLM phrases the hypotheses); 'llm': the agent's LLM writes findings from "
        "its passages (validated, extractive on failure), for a model bigger than the "
        "packaged 135M one: on 2 CPU cores each agent's call reads ~1,400 prompt tokens "
        "(~6 s) and SmolLM2's findings are less faithful than the sentences themselves",
    )
    timeout_s: float = Field(
        120.0,
        gt=0,
        description="wall-clock limit of one call into an agent (retrieve, summarise, "
        "requery): a plugin that hangs is reported and the run goes on without it",
    )
    retry_ungrounded: bool = Field(
        False,
        description="send a hypothesis statement that fails its grounding checks back to "
        "the LLM once, with the reason (answers that do not parse are always retried once). "
        "Off by default: benchmarks/ask.py saw SmolLM2-135M fix none of 16 such retries, "
        "each costing a call of ~2-3 s; worth turning on with a bigger model",
    )


class Settings(BaseSettings):
    """All of brainweave's settings. Build with :func:`load_settings`."""

    model_config = SettingsConfigDict(
        env_prefix="BRAINWEAVE_",
        env_nested_delimiter="__",
        extra="forbid",
    )

    profile: str = "default"
    home: Path = Field(default_factory=default_home)
    data_dir: Path | None = Field(
        None,
        description="directory holding the corpora (layout of ../shared/data: "
        "corpora/<domain>/<file>); default HOME/data",
    )
    embedder: EmbedderSettings = Field(default_factory=EmbedderSettings)
    index: IndexSettings = Field(default_factory=IndexSettings)
    search: SearchSettings = Field(default_factory=SearchSettings)
    scorer: ScorerSettings = Field(default_factory=ScorerSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    agents: AgentsSettings = Field(default_factory=AgentsSettings)

    @property
    def index_dir(self) -> Path:
        return self.index.dir or self.home / "indexes"

    @property
    def resolved_data_dir(self) -> Path:
        return self.data_dir or self.home / "data"

    @property
    def user_sources_file(self) -> Path:
        """The user's own corpus sources, added with ``brainweave corpus add``."""
        return self.home / "sources.toml"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        layers = _LAYERS.get({})
        return (
            init_settings,
            env_settings,
            _DictSource(settings_cls, layers.get("toml", {})),
            _DictSource(settings_cls, layers.get("profile", {})),
        )


class _DictSource(PydanticBaseSettingsSource):
    """A fixed mapping of values (a parsed TOML file, a profile)."""

    def __init__(self, settings_cls: type[BaseSettings], values: dict[str, Any]) -> None:
        super().__init__(settings_cls)
        self._values = values

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self._values.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self._values)


_LAYERS: contextvars.ContextVar[dict[str, dict[str, Any]]] = contextvars.ContextVar(
    "brainweave_settings_layers"
)

PROFILES: dict[str, dict[str, Any]] = {
    "default": {},
    "fast": {
        "embedder": {"model": "hash", "batch_size": 256},
        "index": {"chunk_tokens": 128, "chunk_overlap": 16},
        "llm": {"provider": "fake", "model": "fake-extractive", "timeout_s": 10},
        "scorer": {"provider": "lexical"},
    },
}


def load_settings(
    *,
    profile: str | None = None,
    config_file: Path | None = None,
    **overrides: Any,
) -> Settings:
    """Build the settings from overrides, environment, TOML file and profile.

    ``overrides`` may be nested dicts (``embedder={"model": "hash"}``); ``None``
    values are ignored so CLI options that were not given do not override.
    """
    overrides = {k: v for k, v in overrides.items() if v is not None}
    config_file = config_file or _env_path("BRAINWEAVE_CONFIG")
    toml_values: dict[str, Any] = {}
    if config_file is not None:
        if not config_file.is_file():
            raise ConfigError(
                f"settings file {config_file} does not exist",
                "pass an existing TOML file with --config or BRAINWEAVE_CONFIG",
            )
        try:
            toml_values = tomllib.loads(config_file.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as err:
            raise ConfigError(f"settings file {config_file} is not valid TOML: {err}") from err
    name = (
        profile
        or overrides.pop("profile", None)
        or os.environ.get("BRAINWEAVE_PROFILE")
        or toml_values.get("profile")
        or "default"
    )
    if name not in PROFILES:
        raise ConfigError(
            f"unknown settings profile {name!r}", f"choose one of: {', '.join(PROFILES)}"
        )
    _warn_unknown_environment()
    token = _LAYERS.set({"toml": toml_values, "profile": PROFILES[name]})
    try:
        return Settings(profile=name, **overrides)
    except ValidationError as err:
        raise ConfigError(f"invalid settings: {_describe(err)}") from err
    except SettingsError as err:  # a BRAINWEAVE_<SECTION> value that is not JSON
        raise ConfigError(
            f"invalid settings from the environment: {err}",
            "a section variable such as BRAINWEAVE_AGENTS holds JSON, e.g. "
            """BRAINWEAVE_AGENTS='{"k": 3}'; or set one field: BRAINWEAVE_AGENTS__K=3""",
        ) from err
    finally:
        _LAYERS.reset(token)


# BRAINWEAVE_* variables that are not settings fields but are read elsewhere
_OTHER_ENV = {"CONFIG", "TEST_DATA", "UPDATE_SNAPSHOTS"}
_warned_env: set[str] = set()


def _warn_unknown_environment() -> None:
    """Warn (once per variable) about a BRAINWEAVE_* variable that no setting reads:
    a typo such as BRAINWEAVE_EMBEDER__MODEL would otherwise be silently ignored."""
    for key in sorted(os.environ):
        if not key.startswith("BRAINWEAVE_") or key in _warned_env:
            continue
        head, _, rest = key.removeprefix("BRAINWEAVE_").lower().partition("__")
        field = Settings.model_fields.get(head)
        known = head.upper() in _OTHER_ENV or (
            field is not None
            and (
                not rest
                or (
                    isinstance(field.annotation, type)
                    and issubclass(field.annotation, BaseModel)
                    and rest in field.annotation.model_fields
                )
            )
        )
        if not known:
            _warned_env.add(key)
            logging.getLogger(__name__).warning(
                "environment variable %s is not a brainweave setting and is ignored", key
            )


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value) if value else None


def _describe(err: ValidationError) -> str:
    parts = []
    for e in err.errors():
        loc = ".".join(str(x) for x in e["loc"])
        parts.append(f"{loc}: {e['msg']}")
    return "; ".join(parts)
