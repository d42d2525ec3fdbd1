"""A pharmacology agent: drugs, targets and treatment trials, over a corpus you add.

It searches the ``pharmacology`` domain, which brainweave does not ship: add your
own corpus to it first (no code needed), then build its index::

    brainweave corpus add pharmacology drugs.jsonl --text-field text --title-field title
    brainweave index build --domain pharmacology
"""

from __future__ import annotations

from brainweave.agents.base import AgentPrompts, DomainAgent

FINDINGS = """TASK: findings
Question: {question}

Passages about drugs and treatments:
{passages}

Write at most {max_findings} findings about drugs, their targets, doses and effects
on the conditions in the question, each one sentence from the passages, citing the
passage labels (P1, P2, ...). Answer with JSON only, in this form:
{{"findings": [{{"claim": "...", "passage_ids": ["P1"]}}]}}"""


class PharmacologyAgent(DomainAgent):
    name = "pharmacology"
    domain = "pharmacology"
    description = (
        "You know drugs and other treatments of brain disorders: what they target, "
        "how they were tested and what they changed."
    )
    prompts = AgentPrompts(findings=FINDINGS)
    requery_kinds = ("condition", "intervention", "transmitter", "gene")
    requery_template = "treatment of {entities}"
