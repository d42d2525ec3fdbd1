"""The BrainBench page: the scorer's accuracy and calibration plot for a chosen
model, from the files ``brainweave bench brainbench`` keeps in ``HOME/bench``."""

from __future__ import annotations

import streamlit as st

from brainweave.ui.bench import COMMAND, bench_dir, latest_for, list_results
from brainweave.ui.views import common

REFERENCE = [
    {"model": "human experts", "BrainBench (human)": "63.4%", "source": "Luo et al. 2024"},
    {"model": "gpt2 (124M)", "BrainBench (human)": "57.5%", "source": "Luo et al. 2024"},
    {"model": "TinyLlama-1.1B", "BrainBench (human)": "70.5%", "source": "Luo et al. 2024"},
    {"model": "Mistral-7B-v0.1", "BrainBench (human)": "83.0%", "source": "Luo et al. 2024"},
]


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
        st.code(COMMAND.format(model=model), language="bash")
    else:
        c1, c2, c3 = st.columns(3)
        c1.metric("accuracy", f"{rec.accuracy:.1%}")
        c2.metric("items", rec.n)
        c3.metric("ties (counted wrong)", rec.ties)
        st.caption(f"from {rec.json_path}")
        if rec.png_path:
            st.image(rec.png_path, caption="accuracy by confidence quintile (calibration)")
        if rec.per_section:
            sections = rec.per_section.items()
            st.dataframe(
                [{"journal section": k, "accuracy": f"{v:.1%}"} for k, v in sections],
                hide_index=True,
            )
    st.markdown("**Published reference points** (same 200 human-written items)")
    st.dataframe(REFERENCE, hide_index=True)
