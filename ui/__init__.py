"""The Streamlit review app (``brainweave ui``).

``app.py`` is the script Streamlit runs; ``views/`` draws its pages. The logic
they show is plain Python, testable without Streamlit: ``store`` (decisions in
SQLite, WAL, append-only), ``runs`` (past runs from their provenance records,
evidence views, the hypothesis graph), ``export`` (CSV/JSON), ``agreement``
(plausibility vs decisions), ``jobs`` (a run in a background thread with its
progress), ``rescore`` (an edited statement through the graph's scorer) and
``bench`` (where BrainBench results are kept).
"""
