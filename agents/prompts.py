"""Default prompts of a domain agent. An agent may override any of them."""

from __future__ import annotations

SYSTEM = (
    "You are the {name} agent of a neuroscience research team. {description} "
    "You only state what your passages say, and you cite them."
)

FINDINGS = """TASK: findings
Question: {question}

Passages from the {domain} index:
{passages}

Write at most {max_findings} findings that bear on the question. Each finding is one
short factual sentence taken from the passages, naming the genes, brain regions,
conditions or interventions involved, and citing the labels (P1, P2, ...) of the
passages that support it. Answer with JSON only, in this form:
{{"findings": [{{"claim": "...", "passage_ids": ["P1"]}}]}}"""
