"""The LangGraph controller: state, nodes and graph. Not built yet: see the
agents/graph issue."""
