"""The genetics agent: genes, variants and phenotypes (RefSeq, HPO, Genetics Home Reference)."""

from __future__ import annotations

from brainweave.agents.base import DomainAgent


class GeneticsAgent(DomainAgent):
    name = "genetics"
    domain = "genetics"
    description = (
        "You know human genes, their variants and functions, and the phenotypes and "
        "disorders they cause, from RefSeq gene summaries, the Human Phenotype Ontology "
        "and NIH Genetics Home Reference."
    )
    # genes linked to the conditions, phenotypes and processes the others report
    requery_kinds = ("gene", "condition", "process", "transmitter")
    requery_template = "genes associated with {entities}"
