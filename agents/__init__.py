"""Domain agents: the DomainAgent contract, the registry and the built-in agents
(genetics, neuroimaging, clinical). Not built yet: see the agents/graph issue."""
