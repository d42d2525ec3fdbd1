"""Domain agents: the typed domain objects, the :class:`DomainAgent` contract, the
registry (built-ins plus entry-point plugins in the group ``brainweave.agents``),
the three built-in agents and the LLM backends they call.

Heavy modules load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from brainweave.agents.models import AgentIssue, Counterfactual, Finding, Hypothesis, Message
from brainweave.lazy import lazy_exports

if TYPE_CHECKING:
    from brainweave.agents.base import AgentPrompts, DomainAgent
    from brainweave.agents.registry import AgentRegistry, load_agents

__all__ = [
    "AgentIssue",
    "AgentPrompts",
    "AgentRegistry",
    "Counterfactual",
    "DomainAgent",
    "Finding",
    "Hypothesis",
    "Message",
    "load_agents",
]

_LAZY = {
    "DomainAgent": "brainweave.agents.base:DomainAgent",
    "AgentPrompts": "brainweave.agents.base:AgentPrompts",
    "AgentRegistry": "brainweave.agents.registry:AgentRegistry",
    "load_agents": "brainweave.agents.registry:load_agents",
}


__getattr__ = lazy_exports(__name__, _LAZY)
