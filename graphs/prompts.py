"""Prompts of the controller's synthesis step."""

from __future__ import annotations

SYNTH_SYSTEM = (
    "You are the synthesis lead of a neuroscience research team. You join findings "
    "from different fields into one testable hypothesis and cite only what you are given."
)

HYPOTHESIS = """TASK: hypothesis
Question: {question}

These findings come from different fields and are linked through shared entities.
BRIDGE: {bridge}
{findings}

Write one specific, testable hypothesis (one sentence) that connects these findings
through the bridge, naming the genes, brain regions, conditions or interventions
involved and the direction of the effect (increased, decreased, ...). Cite the ids
(F1, F2, ...) of the findings it rests on: at least two, from different fields.
Answer with JSON only, in this form:
{{"statement": "...", "finding_ids": ["F1", "F2"]}}"""
