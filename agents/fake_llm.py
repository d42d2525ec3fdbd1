"""A deterministic, function-backed fake chat model for tests and the fast profile.

It answers the two prompts the agents send (see ``brainweave.graphs.prompts``)
by reading them, as a careful but unimaginative model would:

- ``TASK: findings``: the first sentence of each listed passage, as JSON, citing
  that passage's label;
- ``TASK: hypothesis``: one statement joining the bridge entities and the
  listed findings, citing every finding id;
- ``TASK: reword``: the hypothesis it is given, unchanged.

Any other prompt gets ``{}``. It is a LangChain ``BaseChatModel``, so the code
under test is the code that runs with a real model.
"""

from __future__ import annotations

import json
import re
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from brainweave.agents.extractive import lower_first

_PASSAGE = re.compile(r"^\[(P\d+)\]\s*(.+)$", re.M)
_FINDING = re.compile(r"^\[(F\d+)\]\s*\(([^)]*)\)\s*(.+)$", re.M)
_BRIDGE = re.compile(r"^Bridge:\s*(.+)$", re.M | re.I)
_QUESTION = re.compile(r"^Question:\s*(.+)$", re.M)


def _words(text: str, n: int) -> str:
    """``text`` cut to at most ``n`` characters at a word boundary."""
    text = text if len(text) <= n else text[:n].rsplit(" ", 1)[0]
    return text.rstrip(" ,;:.")


def fake_answer(prompt: str, max_findings: int = 3) -> str:
    from brainweave.agents.base import best_sentence

    if "TASK: findings" in prompt:
        m = _QUESTION.search(prompt)
        question = m.group(1) if m else ""
        items = []
        for label, text in _PASSAGE.findall(prompt)[:max_findings]:
            body = text.split(" :: ", 1)[-1]  # the passage text after its title
            items.append({"claim": best_sentence(question, body), "passage_ids": [label]})
        return json.dumps({"findings": items})
    if "TASK: hypothesis" in prompt:
        listed = prompt.rsplit("Findings:", 1)[-1]  # not the prompt's worked example
        findings = _FINDING.findall(listed)
        bridge = _BRIDGE.search(prompt)
        names = bridge.group(1).strip() if bridge else "a shared factor"
        n = max(1, len(findings))  # one sentence of at most 240 characters
        room = max(15, (200 - len(names) - 30 * n) // n)
        parts = [
            f"the {d.strip()} finding that {_words(lower_first(c), room)}" for _, d, c in findings
        ]
        statement = _words(f"{names} links {' and '.join(parts)}", 238) + "."
        return json.dumps({"statement": statement, "finding_ids": [f for f, _, _ in findings]})
    if "TASK: reword" in prompt:  # keeps the sentence it is given, as a cautious model would
        m = re.search(r"^Hypothesis:\s*(.+)$", prompt, re.M)
        return json.dumps({"statement": m.group(1).strip()}) if m else "{}"
    return "{}"


class FakeChatModel(BaseChatModel):
    """Answers from the prompt text alone; the same prompt always gets the same answer."""

    model_name: str = "fake-extractive"
    max_findings: int = 3

    @property
    def _llm_type(self) -> str:
        return "brainweave-fake"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        prompt = "\n".join(str(m.content) for m in messages)
        text = fake_answer(prompt, self.max_findings)
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])
