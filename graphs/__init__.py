"""The LangGraph controller: state (``state.py``), nodes (``nodes.py``), prompts
(``prompts.py``), the graph (``graph.py``), cross-domain synthesis
(``synthesis.py``) and running a question (``run.py``: :func:`ask`, :func:`resume`).
"""

from __future__ import annotations

from typing import Any

__all__ = ["RunResult", "ask", "build_graph", "resume"]

_LAZY = {
    "ask": "brainweave.graphs.run:ask",
    "resume": "brainweave.graphs.run:resume",
    "RunResult": "brainweave.graphs.run:RunResult",
    "build_graph": "brainweave.graphs.graph:build_graph",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'brainweave.graphs' has no attribute {name!r}")
    import importlib

    module, attr = _LAZY[name].split(":")
    return getattr(importlib.import_module(module), attr)
