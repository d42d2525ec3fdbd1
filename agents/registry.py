"""The agent registry: the built-in agents plus plugins from the entry-point group
``brainweave.agents``, loaded lazily by name.

An entry point names a ``DomainAgent`` subclass, an instance, a factory that
returns one, or a config dict (``name``, ``domain``, ``description``,
``prompts``). A plugin that fails to import or raises is reported by name and
skipped; the run goes on without it. An unknown name gets a did-you-mean error.
"""

from __future__ import annotations

import difflib
import importlib
import logging
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

from brainweave.agents.base import DomainAgent
from brainweave.agents.models import AgentIssue
from brainweave.errors import BrainweaveError, ConfigError

log = logging.getLogger(__name__)

GROUP = "brainweave.agents"

BUILTINS: dict[str, str] = {
    "genetics": "brainweave.agents.builtin.genetics:GeneticsAgent",
    "neuroimaging": "brainweave.agents.builtin.neuroimaging:NeuroimagingAgent",
    "clinical": "brainweave.agents.builtin.clinical:ClinicalAgent",
}


class AgentLoadError(BrainweaveError):
    """A plugin agent could not be imported or built."""


@dataclass
class AgentSpec:
    """A registered agent, not loaded yet."""

    name: str
    target: str  # "module:attr"
    origin: str  # "builtin" or "plugin (<distribution> <version>)"
    _ep: Any = field(default=None, repr=False)

    def load(self) -> DomainAgent:
        try:
            if self._ep is not None:
                obj = self._ep.load()
            else:
                module, attr = self.target.split(":")
                obj = getattr(importlib.import_module(module), attr)
            agent = _build(obj)
        except Exception as err:
            raise AgentLoadError(
                f"agent {self.name!r} ({self.origin}, {self.target}) failed to load: "
                f"{type(err).__name__}: {err}",
                "fix or uninstall the plugin; the other agents still run",
            ) from err
        if not agent.name or not agent.domain:
            raise AgentLoadError(f"agent {self.name!r} ({self.target}) has no name or domain")
        if agent.name != self.name:
            log.warning("agent %r registered as %r; using %r", agent.name, self.name, self.name)
        return agent


def _build(obj: Any) -> DomainAgent:
    if isinstance(obj, DomainAgent):
        return obj
    if isinstance(obj, type) and issubclass(obj, DomainAgent):
        return obj()
    if isinstance(obj, dict):
        return DomainAgent.from_config(**obj)
    if callable(obj):
        made = obj()
        if isinstance(made, DomainAgent):
            return made
        raise TypeError(f"the factory returned {type(made).__name__}, not a DomainAgent")
    raise TypeError(f"{type(obj).__name__} is not a DomainAgent, a subclass, factory or config")


class AgentRegistry:
    """Every available agent by name. Nothing is imported until an agent is loaded."""

    def __init__(self, *, plugins: bool = True) -> None:
        self.specs: dict[str, AgentSpec] = {
            name: AgentSpec(name, target, "builtin") for name, target in BUILTINS.items()
        }
        self.issues: list[AgentIssue] = []
        self._loaded: dict[str, DomainAgent] = {}
        if plugins:
            self._discover()

    def _discover(self) -> None:
        for ep in entry_points(group=GROUP):
            dist = getattr(ep, "dist", None)
            origin = f"plugin ({dist.name} {dist.version})" if dist else "plugin"
            if ep.name in self.specs:
                self.issues.append(
                    AgentIssue(
                        agent=ep.name,
                        stage="discover",
                        message=f"{origin} names an agent {ep.name!r} that exists already "
                        f"({self.specs[ep.name].origin}); ignored",
                    )
                )
                continue
            self.specs[ep.name] = AgentSpec(ep.name, ep.value, origin, ep)

    def names(self) -> list[str]:
        return list(self.specs)

    def spec(self, name: str) -> AgentSpec:
        if name not in self.specs:
            close = difflib.get_close_matches(name, self.specs, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ConfigError(
                f"unknown agent {name!r}",
                f"{hint}available agents: {', '.join(self.specs)} (`brainweave agents list`)",
            )
        return self.specs[name]

    def get(self, name: str) -> DomainAgent:
        """One agent, loaded once. AgentLoadError when it fails to load."""
        spec = self.spec(name)
        if name not in self._loaded:
            self._loaded[name] = spec.load()
        return self._loaded[name]

    def load(self, names: list[str] | None = None) -> tuple[list[DomainAgent], list[AgentIssue]]:
        """The named agents (all by default). Unknown names raise; broken plugins are
        reported and skipped."""
        wanted = names or self.names()
        for n in wanted:
            self.spec(n)  # unknown names fail before anything loads
        agents, issues = [], list(self.issues)
        for n in dict.fromkeys(wanted):
            try:
                agents.append(self.get(n))
            except AgentLoadError as err:
                log.warning("%s", err.message)
                issues.append(AgentIssue(agent=n, stage="load", message=err.message))
        return agents, issues


def load_agents(names: list[str] | None = None) -> tuple[list[DomainAgent], list[AgentIssue]]:
    return AgentRegistry().load(names)
