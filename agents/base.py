"""The DomainAgent contract: what the controller calls on every agent.

An agent is a name, a description, the retrieval domain (index) it searches,
its prompts, and three operations:

- :meth:`DomainAgent.retrieve`: search its own index;
- :meth:`DomainAgent.summarise`: turn retrieved passages into :class:`Finding`s
  that cite them (LLM with validated JSON, one retry, then extractive);
- :meth:`DomainAgent.requery`: queries for its own index from other agents'
  findings (the cross-domain bridge).

Subclass it, or describe an agent by configuration (:meth:`DomainAgent.from_config`:
name + domain + description + prompts); expose it through the entry-point group
``brainweave.agents`` and check it with ``brainweave.agents.conformance``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from brainweave import knowledge
from brainweave.agents import prompts as default_prompts
from brainweave.agents.extractive import best_sentence, clip, extractive
from brainweave.agents.models import Finding

__all__ = ["AgentPrompts", "DomainAgent", "FindingsOut", "best_sentence", "extractive"]

log = logging.getLogger(__name__)


class AgentPrompts(BaseModel):
    model_config = ConfigDict(extra="forbid")

    system: str = default_prompts.SYSTEM
    findings: str = default_prompts.FINDINGS


class _ClaimOut(BaseModel):
    claim: str = Field(min_length=8)
    passage_ids: list[str] = Field(min_length=1)


class FindingsOut(BaseModel):
    """The JSON an agent's LLM must return."""

    findings: list[_ClaimOut] = Field(min_length=1)


class DomainAgent:
    """One domain specialist. Class attributes describe it; methods do the work."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    domain: ClassVar[str] = ""
    prompts: ClassVar[AgentPrompts] = AgentPrompts()
    # entity kinds this agent looks up when another agent names them
    requery_kinds: ClassVar[tuple[str, ...]] = ("gene", "region", "condition", "intervention")
    requery_template: ClassVar[str] = "{entities}"
    max_requeries: ClassVar[int] = 3

    # ----- building ------------------------------------------------------------------
    @classmethod
    def from_config(
        cls,
        name: str,
        domain: str,
        description: str = "",
        prompts: dict[str, str] | None = None,
        requery_kinds: Sequence[str] | None = None,
        requery_template: str | None = None,
    ) -> DomainAgent:
        """An agent described by configuration only (no code)."""
        attrs: dict[str, Any] = {
            "name": name,
            "domain": domain,
            "description": description or f"Specialist in the {domain} corpus.",
            "prompts": AgentPrompts(**(prompts or {})),
        }
        if requery_kinds is not None:
            attrs["requery_kinds"] = tuple(requery_kinds)
        if requery_template is not None:
            attrs["requery_template"] = requery_template
        cls_name = "ConfigAgent_" + re.sub(r"\W", "_", name)
        return type(cls_name, (cls,), attrs)()

    # ----- the operations the controller calls ----------------------------------------
    def retrieve(self, retriever: Any, queries: Sequence[str], k: int) -> list[Any]:
        """Hits from this agent's index for the queries, best first, unique by passage."""
        seen: dict[str, Any] = {}
        for hits in retriever.search_many(self.domain, list(queries), k):
            for h in hits:
                if h.passage_id not in seen or h.score > seen[h.passage_id].score:
                    seen[h.passage_id] = h
        return sorted(seen.values(), key=lambda h: -h.score)[:k]

    def summarise(
        self,
        llm: Any,
        question: str,
        hits: Sequence[Any],
        *,
        round: int = 0,
        max_findings: int = 3,
    ) -> tuple[list[Finding], str | None]:
        """Findings that cite ``hits``, and the reason when the LLM's were not usable.

        With ``llm`` None the findings are extractive by choice (no reason given).
        Citations are checked against the hits (fail closed). When the LLM fails,
        times out or gives unusable output twice, the findings are extractive:
        the best sentences of the passages, verbatim, with their passage ids.
        """
        claims: list[tuple[str, list[str], bool]] = []
        if not hits:
            return [], None
        if llm is None:  # extractive findings by choice (settings agents.findings)
            claims = [(s, [pid], True) for s, pid in extractive(question, hits, max_findings)]
            return self._findings(claims, hits, round), None
        labels = {f"P{i}": h.passage_id for i, h in enumerate(hits, start=1)}
        ids = set(labels.values())

        def resolve(pid: str) -> str | None:
            pid = pid.strip().strip("[]")
            return labels.get(pid.upper()) or (pid if pid in ids else None)

        def check(out: FindingsOut) -> None:
            for c in out.findings:
                bad = [p for p in c.passage_ids if resolve(p) is None]
                if bad:
                    raise ValueError(
                        f"passage ids {bad} are not among the given passages ({', '.join(labels)})"
                    )

        passages = "\n".join(
            f"[{lab}] {clip(h.title + ' :: ' + h.text, 700)}"
            for lab, h in zip(labels, hits, strict=True)
        )
        fmt = {
            "name": self.name,
            "description": self.description,
            "domain": self.domain,
            "question": question,
            "passages": passages,
            "max_findings": max_findings,
        }
        reason = None
        try:
            out = llm.structured(
                self.prompts.system.format(**fmt),
                self.prompts.findings.format(**fmt),
                FindingsOut,
                purpose=f"{self.name}:findings",
                check=check,
            )
            for c in out.findings[:max_findings]:
                pids = list(dict.fromkeys(p for p in map(resolve, c.passage_ids) if p))
                claims.append((c.claim.strip(), pids, False))
        except Exception as err:  # any LLM trouble: extractive findings, run goes on
            reason = str(getattr(err, "message", err))
            log.warning("%s: %s; using extractive findings", self.name, reason)
            claims = [(s, [pid], True) for s, pid in extractive(question, hits, max_findings)]
        return self._findings(claims, hits, round), reason

    def _findings(
        self, claims: list[tuple[str, list[str], bool]], hits: Sequence[Any], round: int
    ) -> list[Finding]:
        return [
            Finding(
                id=f"{self.name}:r{round}:{n}",
                domain=self.domain,
                claim=claim,
                passage_ids=pids,
                agent=self.name,
                round=round,
                extractive=extr,
                entities=knowledge.find_entities(claim + " " + _titles(hits, pids)),
            )
            for n, (claim, pids, extr) in enumerate(claims, start=1)
        ]

    def requery(self, question: str, others: Sequence[Finding]) -> list[str]:
        """Queries for this agent's index from other agents' findings.

        The entities the others name (of this agent's ``requery_kinds``) are looked
        up here: the imaging agent looks up the region the clinical agent reported,
        the genetics agent the genes and conditions the others found.
        """
        q_entities = set(knowledge.find_entities(question))
        kinds = set(self.requery_kinds)
        if "condition" in kinds:  # the older name for phenotypes and diseases
            kinds |= set(knowledge.CONDITION_KINDS)
        names: dict[str, float] = {}
        for f in others:
            if f.domain == self.domain:
                continue
            # an entity from a finding that is on the question's topic weighs more
            weight = 2.5 if q_entities & set(f.entities) else 1.0
            for e in f.entities:
                if knowledge.kind(e) in kinds and not knowledge.is_generic(e):
                    name = knowledge.label(e)
                    names[name] = names.get(name, 0.0) + weight
        ranked = sorted(names, key=lambda n: (-names[n], n))[: self.max_requeries]
        return [self.requery_template.format(entities=n, question=question) for n in ranked]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} domain={self.domain!r}>"


def _titles(hits: Sequence[Any], pids: Sequence[str]) -> str:
    return " ".join(h.title for h in hits if h.passage_id in pids)
