"""brainweave: domain agents that bridge genetics, neuroimaging and clinical
evidence, with a BrainBench-style plausibility scorer.

Layout (each folder is a subpackage of ``brainweave``):

- ``brainweave.retrieval`` (retrieval/): documents, ingest adapters, chunking,
  the embedder and the per-domain FAISS index store
- ``brainweave.corpora`` (corpora/): the manifest of corpus sources
- ``brainweave.agents`` (agents/): the DomainAgent contract and agents
- ``brainweave.graphs`` (graphs/): the LangGraph controller
- ``brainweave.ui`` (ui/): the Streamlit app
- ``brainweave.sweeps`` (sweeps/): scripted, resumable hypothesis sweeps
"""

from brainweave.lazy import lazy_exports

__version__ = "0.1.0"
__all__ = ["__version__", "ask", "sweep"]

# ``brainweave.ask(question, **settings)`` and ``brainweave.sweep(spec, out=...)``:
# loaded on first use (LangGraph, agents)
__getattr__ = lazy_exports(
    __name__, {"ask": "brainweave.graphs.run:ask", "sweep": "brainweave.sweeps.runner:sweep"}
)
