"""The BrainBench page: the scorer's accuracy and calibration plot for a chosen
model, from the files ``brainweave bench brainbench`` keeps in ``HOME/bench``.
Every accuracy is shown with its n and a 95% (Wilson) interval, so a 20-item run
is not read against the 200-item reference as if it were as precise."""

from __future__ import annotations

import streamlit as st

from brainweave.ui.bench import bench_dir, command, latest_for, list_results, wilson
from brainweave.ui.views import common

REFERENCE_N = 200
REFERENCE = [  # (model, accuracy on the 200 human-written items, source)
    ("human experts", 0.634, "Luo et al. 2024 (mean of 171 experts)"),
    ("gpt2 (124M)", 0.575, "Luo et al. 2024"),
    ("TinyLlama-1.1B", 0.705, "Luo et al. 2024"),
    ("Mistral-7B-v0.1", 0.830, "Luo et al. 2024"),
]


def interval(acc: float, n: int) -> str:
    ci = wilson(acc * n, n)
    return f"{ci[0]:.1%} – {ci[1]:.1%}" if ci else "–"


def render() -> None:
    from brainweave.scoring.models import ALIASES

    s = common.settings()
    st.header("BrainBench: how good is the scorer?")
    kept = list_results(s.home)
    models = list(dict.fromkeys([s.scorer.model, *ALIASES, *(r.model for r in kept)]))
    model = st.selectbox("Scorer model", models, key="bench_model")
    rec = latest_for(s.home, model) if model else None
    if rec is None:
        st.info(
            f"No BrainBench result for {model} in {bench_dir(s.home)} yet. Produce one with "
            "the evaluation command (it keeps a copy there for this page):"
        )
        st.code(command(s.resolved_data_dir, model or s.scorer.model), language="bash")
    else:
        c1, c2, c3 = st.columns(3)
        c1.metric("accuracy", f"{rec.accuracy:.1%}")
        c2.metric("items (n)", rec.n)
        c3.metric("95% interval", interval(rec.accuracy, rec.n))
        notes = [f"ties (counted wrong): {rec.ties}", f"from {rec.json_path}"]
        if rec.n < REFERENCE_N:
            notes.insert(
                0,
                f"{rec.n} of the {REFERENCE_N} items: compare with the reference only "
                "through the intervals",
            )
        st.caption(" · ".join(notes))
        if rec.png_path:
            st.image(rec.png_path, caption="accuracy by confidence quintile (calibration)")
        if rec.per_section:
            st.dataframe(
                [
                    {"journal section": k, "accuracy": f"{v:.1%}"}
                    for k, v in rec.per_section.items()
                ],
                hide_index=True,
            )
    st.markdown(f"**Published reference points** ({REFERENCE_N} human-written items)")
    st.dataframe(
        [
            {
                "model": name,
                "accuracy": f"{acc:.1%}",
                "n": REFERENCE_N,
                "95% interval": interval(acc, REFERENCE_N) if "human" not in name else "–",
                "source": src,
            }
            for name, acc, src in REFERENCE
        ],
        hide_index=True,
    )
