"""The neuroimaging agent: brain regions, networks and imaging findings."""

from __future__ import annotations

from brainweave.agents.base import DomainAgent


class NeuroimagingAgent(DomainAgent):
    name = "neuroimaging"
    domain = "neuroimaging"
    description = (
        "You know brain imaging studies (MRI, fMRI, PET, DTI): which regions and networks "
        "change in which conditions and tasks, from NeuroQuery study cards and PubMed "
        "Central neuroimaging abstracts."
    )
    # the regions and conditions the others report, looked up in imaging studies
    requery_kinds = ("region", "condition", "gene", "process")
    requery_template = "brain imaging of {entities}"
