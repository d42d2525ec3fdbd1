"""The brainweave review app (``brainweave ui`` runs it with ``streamlit run``).

Pages: Ask & review (a question, live progress, the hypotheses with their
evidence and decision forms), History (past runs, reviews, export, agreement),
BrainBench (the scorer's accuracy). Settings come from the environment the CLI
sets (BRAINWEAVE_PROFILE, BRAINWEAVE_CONFIG, BRAINWEAVE_HOME).
"""

from __future__ import annotations

import streamlit as st

from brainweave.ui.views import ask, brainbench, common, history

SECTIONS = {
    "Ask & review": ask.render,
    "History": history.render,
    "BrainBench": brainbench.render,
}


def main() -> None:
    st.set_page_config(page_title="brainweave", page_icon=":material/hub:", layout="wide")
    with st.sidebar:
        st.title(":material/hub: brainweave")
        section = st.radio("Page", list(SECTIONS), key="section")
        st.text_input("Reviewer name", key="reviewer", placeholder="your name")
        with common.guarded("loading the settings"):
            s = common.settings()
            st.caption(f"profile {s.profile} · home {s.home}")
            st.caption(f"decisions in {s.home / 'reviews.sqlite'}")
    with common.guarded(section):
        SECTIONS[section]()


main()
