"""The brainweave review app (``brainweave ui`` runs it with ``streamlit run``).

Pages: Ask & review (a question, live progress of the run, then its hypotheses
as cards to judge), History (past runs, reviews, exports, agreement),
BrainBench (the scorer's accuracy). Settings come from the environment the CLI
sets (BRAINWEAVE_PROFILE, BRAINWEAVE_CONFIG, BRAINWEAVE_HOME).

The URL holds the page, the open run and the reviewer (``?page=review&run=ID&
reviewer=Ada``): a reload, a bookmark or a link sent to a colleague opens the
same run; a new session without a reviewer in its URL starts with the name last
typed in this home.
"""

from __future__ import annotations

import streamlit as st

from brainweave.ui import render, safe
from brainweave.ui.views import ask, brainbench, common, history

SECTIONS = {
    "Ask & review": ask.render,
    "History": history.render,
    "BrainBench": brainbench.render,
}
SLUGS = {"Ask & review": "review", "History": "history", "BrainBench": "brainbench"}
BY_SLUG = {v: k for k, v in SLUGS.items()}


def _from_url() -> None:
    """Once per browser session: the page, run and reviewer the URL names."""
    if st.session_state.get("_url_read"):
        return
    qp = st.query_params
    st.session_state["section"] = BY_SLUG.get(qp.get("page", ""), "Ask & review")
    if qp.get("run"):
        st.session_state["run_id"] = qp["run"]
    with common.guarded("reading the remembered reviewer"):
        st.session_state["reviewer"] = qp.get("reviewer") or common.remembered_reviewer()
    st.session_state["_url_read"] = True


def _reviewer_changed() -> None:
    name = (st.session_state.get("reviewer") or "").strip()
    if name:
        common.remember_reviewer(name)


def main() -> None:
    st.set_page_config(page_title="brainweave", page_icon=":material/hub:", layout="wide")
    _from_url()
    st.html(render.PAGE_CSS)
    with st.sidebar:
        st.title(":material/hub: brainweave")
        section = st.radio("Page", list(SECTIONS), key="section")
        st.text_input(
            "Reviewer name", key="reviewer", placeholder="your name", on_change=_reviewer_changed
        )
        with common.guarded("loading the settings"):
            s = common.settings()
            st.caption(f"profile {safe.md(s.profile)} · home {safe.md(s.home)}")
            st.caption(f"decisions in {safe.md(s.home / 'reviews.sqlite')}")
    common.url_state(
        page=SLUGS[section],
        reviewer=(st.session_state.get("reviewer") or "").strip() or None,
    )
    with common.guarded(section):
        SECTIONS[section]()


main()
