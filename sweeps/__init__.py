"""Scripted hypothesis sweeps: many questions against a grid of settings, resumable,
on one machine (``--workers N``) or a Ray cluster (``--executor ray``).

- :mod:`~brainweave.sweeps.spec`: the YAML spec, its grid and the runs' content ids
- :mod:`~brainweave.sweeps.validate`: checks before any run starts
- :mod:`~brainweave.sweeps.worker`: one run, as every executor's worker does it
- :mod:`~brainweave.sweeps.executors` / :mod:`~brainweave.sweeps.ray_executor`: where runs go
- :mod:`~brainweave.sweeps.results`: the output directory, written exactly once per run
- :mod:`~brainweave.sweeps.summary`: the end-of-sweep summary and plot
- :mod:`~brainweave.sweeps.runner`: ``sweep(spec, out=...)``, tying them together
"""

from brainweave.lazy import lazy_exports

__all__ = ["RunTask", "SweepSpec", "load_results", "load_spec", "plan", "sweep"]

__getattr__ = lazy_exports(
    __name__,
    {
        "sweep": "brainweave.sweeps.runner:sweep",
        "plan": "brainweave.sweeps.runner:plan",
        "load_results": "brainweave.sweeps.runner:load_results",
        "SweepSpec": "brainweave.sweeps.spec:SweepSpec",
        "RunTask": "brainweave.sweeps.spec:RunTask",
        "load_spec": "brainweave.sweeps.spec:load_spec",
    },
)
