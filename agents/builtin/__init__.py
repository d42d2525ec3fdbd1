"""The three built-in agents: genetics, neuroimaging, clinical."""

from brainweave.agents.builtin.clinical import ClinicalAgent
from brainweave.agents.builtin.genetics import GeneticsAgent
from brainweave.agents.builtin.neuroimaging import NeuroimagingAgent

__all__ = ["ClinicalAgent", "GeneticsAgent", "NeuroimagingAgent"]
