"""The chat model behind the agents, chosen by the ``[llm]`` settings, and calls to it
that are time-limited, stripped of ``<think>`` blocks and parsed with validation.

Providers load lazily, with an install hint when their package is missing.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from brainweave.errors import BrainweaveError, ConfigError
from brainweave.settings import LLMSettings

log = logging.getLogger(__name__)

T = TypeVar("T", bound=BaseModel)

_THINK = re.compile(r"<think>.*?(</think>|$)", re.S | re.I)
_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.S)


class LLMError(BrainweaveError):
    """The LLM failed, timed out or gave an answer that cannot be used."""


class FinalAnswer(ValueError):
    """A ``check`` failure not worth a retry: telling the model has not been seen to fix it."""


def make_chat_model(settings: LLMSettings) -> Any:
    """A LangChain chat model for the settings."""
    p = settings.provider
    if p == "fake":
        from brainweave.agents.fake_llm import FakeChatModel

        return FakeChatModel(model_name=settings.model)
    if p == "openai":
        if not settings.base_url:
            raise ConfigError(
                "the 'openai' LLM provider needs a server address",
                "set llm.base_url (BRAINWEAVE_LLM__BASE_URL), e.g. http://localhost:11434/v1",
            )
        mod = _need("langchain_openai", "langchain-openai")
        import os

        return mod.ChatOpenAI(
            model=settings.model,
            base_url=settings.base_url,
            api_key=os.environ.get(settings.api_key_env, "not-needed"),
            temperature=settings.temperature,
            max_tokens=settings.max_tokens,
            seed=settings.seed,
            timeout=settings.timeout_s,
            max_retries=0,
        )
    if p == "huggingface":
        mod = _need("langchain_huggingface", "langchain-huggingface")
        llm = mod.HuggingFacePipeline.from_model_id(
            model_id=settings.model,
            task="text-generation",
            pipeline_kwargs={"max_new_tokens": settings.max_tokens, "do_sample": False},
        )
        return mod.ChatHuggingFace(llm=llm)
    if p == "llamacpp":
        from brainweave.agents.llamacpp import LlamaCppChatModel, resolve_gguf

        chat = LlamaCppChatModel(
            model_path=str(resolve_gguf(settings.model)),
            temperature=settings.temperature,
            max_tokens=settings.max_tokens,
            threads=settings.threads,
            seed=settings.seed,
        )
        chat.load()  # fail here with the install hint, not in every agent's call
        return chat
    raise ConfigError(f"unknown LLM provider {p!r}")


def _need(module: str, package: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise ConfigError(
            f"the LLM provider needs the package {package}", f"pip install {package}"
        ) from err


def strip_think(text: str) -> str:
    """Drop ``<think>...</think>`` blocks (an unclosed one runs to the end)."""
    return _THINK.sub("", text).strip()


def extract_json(text: str) -> Any:
    """The first JSON object in a model's answer (fenced or bare)."""
    text = strip_think(text)
    m = _FENCE.search(text)
    if m:
        text = m.group(1)
    start = text.find("{")
    if start < 0:
        raise ValueError("the answer holds no JSON object")
    obj, _ = json.JSONDecoder().raw_decode(text[start:])
    return obj


@dataclass
class CallRecord:
    """One LLM call, for provenance."""

    purpose: str
    seconds: float
    ok: bool
    chars_out: int = 0
    tokens_out: int | None = None  # when the provider reports usage
    error: str | None = None


@dataclass
class LLM:
    """A chat model with time-limited calls and validated structured output.

    One wrapper per run (its ``calls`` are that run's record); the chat model it
    wraps is shared by every run of the process. A model that answers one call at
    a time (llama.cpp) carries the lock that queues its calls (``turn``): a call
    waits for it before its clock starts, whichever run or wrapper made the call,
    and the lock is let go only when the model has finished, so a call that timed
    out still holds it until llama.cpp is free again.
    """

    model: Any
    timeout_s: float = 60.0
    retries: int = 1
    name: str = "llm"
    calls: list[CallRecord] = field(default_factory=list)

    @property
    def supports_json_schema(self) -> bool:
        return bool(getattr(self.model, "supports_json_schema", False))

    @classmethod
    def from_settings(cls, settings: LLMSettings, *, model: Any = None) -> LLM:
        """A wrapper over ``model`` (default: a new chat model of the settings)."""
        return cls(
            model if model is not None else make_chat_model(settings),
            timeout_s=settings.timeout_s,
            retries=settings.retries,
            name=f"{settings.provider}:{settings.model}",
        )

    def complete(
        self,
        system: str,
        prompt: str,
        purpose: str = "",
        json_schema: dict[str, Any] | None = None,
        max_tokens: int | None = None,
    ) -> str:
        """The model's answer text, ``<think>`` stripped; LLMError on error or timeout.

        ``json_schema`` constrains the answer on models that support it (llama.cpp
        grammars); other models get the prompt alone. ``max_tokens`` lowers the
        model's own limit for this call (models with a ``max_tokens`` setting).
        """
        from langchain_core.messages import HumanMessage, SystemMessage

        box: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        if self.supports_json_schema and json_schema:
            extra["json_schema"] = json_schema
        if max_tokens and getattr(self.model, "max_tokens", None):
            extra["max_tokens"] = min(max_tokens, self.model.max_tokens)
        turn: threading.Lock | None = getattr(self.model, "turn", None)

        def work() -> None:
            try:
                box["out"] = self.model.invoke(
                    [SystemMessage(content=system), HumanMessage(content=prompt)], **extra
                )
            except Exception as err:  # reported, not raised: the run goes on
                box["err"] = err
            finally:
                if turn is not None:
                    turn.release()  # the model is free: the next queued call may start

        if turn is not None:
            turn.acquire()  # queueing is not this call's time: the clock starts after
        start = time.perf_counter()
        ctx = contextvars.copy_context()  # a check reads the run's knowledge layer
        worker = threading.Thread(target=ctx.run, args=(work,), daemon=True, name=f"llm-{purpose}")
        try:
            worker.start()
        except BaseException:
            if turn is not None:
                turn.release()
            raise
        worker.join(self.timeout_s)
        took = time.perf_counter() - start
        if worker.is_alive():
            self.calls.append(CallRecord(purpose, took, False, error="timeout"))
            raise LLMError(f"the LLM did not answer within {self.timeout_s:g} s ({purpose})")
        if "err" in box:
            err = box["err"]
            self.calls.append(CallRecord(purpose, took, False, error=repr(err)))
            raise LLMError(f"the LLM call failed ({purpose}): {err}") from err
        content = box["out"].content
        text = content if isinstance(content, str) else json.dumps(content)
        usage = getattr(box["out"], "usage_metadata", None) or {}
        self.calls.append(
            CallRecord(
                purpose, took, True, chars_out=len(text), tokens_out=usage.get("output_tokens")
            )
        )
        return strip_think(text)

    def structured(
        self,
        system: str,
        prompt: str,
        schema: type[T],
        purpose: str = "",
        check: Any = None,
        max_tokens: int | None = None,
    ) -> T:
        """Parse the answer into ``schema``; retry with the error; LLMError when still bad.

        ``check(obj)`` may raise ValueError for answers that parse but are wrong
        (citations outside the given set); :class:`FinalAnswer` ends the attempts at once.
        """
        attempt_prompt = prompt
        last: Exception | None = None
        for attempt in range(self.retries + 1):
            text = self.complete(
                system,
                attempt_prompt,
                f"{purpose}#{attempt}",
                schema.model_json_schema(),
                max_tokens,
            )
            try:
                obj = schema.model_validate(extract_json(text))
                if check is not None:
                    check(obj)
                return obj
            except (ValueError, ValidationError) as err:
                last = err
                log.info("unusable %s answer (attempt %d): %s", purpose, attempt + 1, err)
                if isinstance(err, FinalAnswer):
                    break
                attempt_prompt = (
                    f"{prompt}\n\nYour previous answer could not be used: {_short(err)}\n"
                    f"Previous answer: {text[:600]}\nAnswer again with JSON only."
                )
        raise LLMError(f"the LLM gave no usable answer ({purpose}): {_short(last)}")


def _short(err: Exception | None) -> str:
    return re.sub(r"\s+", " ", str(err))[:300]
