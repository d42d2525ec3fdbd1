"""The clinical agent: symptoms, course, diagnosis and treatment trials."""

from __future__ import annotations

from brainweave.agents.base import DomainAgent


class ClinicalAgent(DomainAgent):
    name = "clinical"
    domain = "clinical"
    description = (
        "You know the clinical picture of neurological and psychiatric disorders: "
        "symptoms, course, diagnosis and treatment trials, from MedQuAD, "
        "ClinicalTrials.gov and PubMedQA."
    )
    requery_kinds = ("condition", "intervention", "gene", "region")
    requery_template = "clinical features and treatment of {entities}"
