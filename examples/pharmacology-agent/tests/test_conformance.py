"""The brainweave agent conformance checks, run against this plugin."""

from brainweave_pharmacology import PharmacologyAgent

from brainweave.agents.conformance import AgentConformance


class TestPharmacologyAgent(AgentConformance):
    agent_factory = PharmacologyAgent
    entry_point_name = "pharmacology"
