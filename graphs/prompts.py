"""Prompts of the controller's synthesis step."""

from __future__ import annotations

SYNTH_SYSTEM = (
    "You are the synthesis lead of a neuroscience research team. You join findings "
    "from different fields into one testable hypothesis and cite only what you are given."
)

# The fixed instructions come first and the run's question next: llama.cpp keeps the
# evaluated prefix of the previous call, so only the findings of each set are new work.
HYPOTHESIS = """TASK: hypothesis
Join findings from different fields into ONE specific, testable hypothesis: one
sentence that names the bridge entity, the genes, brain regions, conditions or
interventions of the findings, and the direction of the effect (increased,
decreased, ...). Name nothing the findings do not name. Cite the ids (F1, F2, ...)
of the findings it rests on: at least two, from different fields.
Answer with JSON only: {{"statement": "...", "finding_ids": ["F1", "F2"]}}

Example. Bridge: hippocampus. [F1] (genetics) APOE e4 raises the risk of Alzheimer's
disease. [F2] (neuroimaging) Hippocampal volume is lower in Alzheimer's disease.
Answer: {{"statement": "APOE e4 carriers show decreased hippocampal volume.",
"finding_ids": ["F1", "F2"]}}

Question: {question}
Bridge: {bridge}
Findings:
{findings}"""

# Rewording a chain phrased from its structure: the grounding check still applies.
REWORD = """TASK: reword
Rewrite the hypothesis below as ONE clear, testable sentence. Keep every named gene,
brain region, condition and intervention, keep the direction words (increased,
reduced, protects against, ...), and add no other entity.
Answer with JSON only: {{"statement": "..."}}

Question: {question}
Chain: {chain}
Hypothesis: {statement}"""
