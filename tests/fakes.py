"""Test doubles shared by several test modules."""

from __future__ import annotations

import threading
import time
from typing import Any

from langchain_core.language_models import BaseChatModel
from pydantic import PrivateAttr


def one_context(base: type[BaseChatModel]) -> type[BaseChatModel]:
    """``base`` answering one call at a time, as a llama.cpp context does: it carries
    the lock its callers queue for (``turn``), takes ``pause`` seconds per call, and
    counts the calls that found another one still running (``overlaps``)."""

    class OneContext(base):  # type: ignore[valid-type, misc]
        pause: float = 0.0
        overlaps: int = 0
        _turn: threading.Lock = PrivateAttr(default_factory=threading.Lock)
        _busy: threading.Lock = PrivateAttr(default_factory=threading.Lock)

        @property
        def turn(self) -> threading.Lock:
            return self._turn

        def _generate(self, messages: Any, stop: Any = None, **kw: Any) -> Any:
            if not self._busy.acquire(blocking=False):
                self.overlaps += 1
                self._busy.acquire()
            try:
                time.sleep(self.pause)
                return super()._generate(messages, stop, **kw)
            finally:
                self._busy.release()

    OneContext.__name__ = f"OneContext{base.__name__}"
    return OneContext


class Constant(BaseChatModel):
    """Answers every prompt with the same text at once (its own work costs nothing)."""

    text: str = (
        '{"findings": [{"claim": "A finding of the first passage.", "passage_ids": ["P1"]}]}'
    )

    @property
    def _llm_type(self) -> str:
        return "constant"

    def _generate(self, messages: Any, stop: Any = None, **kw: Any) -> Any:
        from langchain_core.messages import AIMessage
        from langchain_core.outputs import ChatGeneration, ChatResult

        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=self.text))])
