"""The LangGraph controller: state (``state.py``), nodes (``nodes.py``), prompts
(``prompts.py``), the graph (``graph.py``), cross-domain synthesis
(``synthesis.py``) and running a question (``run.py``: :func:`ask`, :func:`resume`).
"""

from __future__ import annotations

from brainweave.lazy import lazy_exports

__all__ = ["RunResult", "ask", "build_graph", "resume"]

_LAZY = {
    "ask": "brainweave.graphs.run:ask",
    "resume": "brainweave.graphs.run:resume",
    "RunResult": "brainweave.graphs.run:RunResult",
    "build_graph": "brainweave.graphs.graph:build_graph",
}


__getattr__ = lazy_exports(__name__, _LAZY)
