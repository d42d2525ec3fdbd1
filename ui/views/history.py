"""The History page: past runs and their reviews, export, and how well the
scorer's plausibility agrees with what reviewers decided."""

from __future__ import annotations

import streamlit as st

from brainweave.ui import export, runs
from brainweave.ui.agreement import agreement, plot
from brainweave.ui.views import common


def _open(run_id: str) -> None:
    """Button callback: open a past run on the Ask & review page."""
    st.session_state["run_id"] = run_id
    st.session_state["section"] = "Ask & review"


def render() -> None:
    s = common.settings()
    store = common.store()
    st.header("Past runs and reviews")
    past = runs.list_runs(s.home)
    if not past:
        st.info("No runs yet in this home: ask a question on the Ask & review page.")
        _agreement(store.latest().values())
        return
    counts = store.counts()
    st.dataframe(
        [
            {
                "run": r.run_id,
                "started": (r.started_at or "")[:19],
                "question": r.question,
                "hypotheses": r.hypotheses,
                "decisions": counts.get(r.run_id, 0),
            }
            for r in past
        ],
        hide_index=True,
    )
    by_id = {r.run_id: r for r in past}
    run_id = st.selectbox(
        "Run",
        list(by_id),
        format_func=lambda rid: f"{rid} — {by_id[rid].question[:80]}",
        key="history_run",
    )
    if run_id is None:
        return
    st.button("Open for review", on_click=_open, args=(run_id,), key="open_run")
    run = runs.load_run(s.home, run_id)
    history = store.history(run_id)
    st.markdown("**Hypotheses and their latest decisions**")
    shown = [
        {k: v for k, v in row.items() if k not in ("run_id", "question")}
        for row in export.rows(run, history)
    ]
    st.dataframe(shown, hide_index=True)
    c1, c2 = st.columns(2)
    c1.download_button(
        "Export CSV",
        export.to_csv(run, history),
        file_name=f"brainweave-{run_id}.csv",
        mime="text/csv",
        key="export_csv",
    )
    c2.download_button(
        "Export JSON",
        export.to_json(run, history),
        file_name=f"brainweave-{run_id}.json",
        mime="application/json",
        key="export_json",
    )
    with st.expander(f"Every decision on this run ({len(history)}), oldest first"):
        st.dataframe([d.flat() for d in history], hide_index=True)
    _agreement(store.latest().values())


def _agreement(latest: object) -> None:
    st.markdown("#### Agreement between plausibility and reviewers (all runs)")
    a = agreement(latest)  # type: ignore[arg-type]
    c1, c2, c3 = st.columns(3)
    c1.metric("AUC (kept vs rejected)", f"{a.auc:.2f}" if a.auc is not None else "–")
    c2.metric("mean plausibility, kept", f"{a.mean_kept:.3f}" if a.mean_kept is not None else "–")
    c3.metric(
        "mean plausibility, rejected",
        f"{a.mean_rejected:.3f}" if a.mean_rejected is not None else "–",
    )
    st.caption(
        f"{a.n} latest decisions on scored hypotheses ({a.kept} accepted or edited, "
        f"{a.rejected} rejected). AUC: the chance that a kept hypothesis was scored above a "
        "rejected one (0.5 = chance)."
    )
    if a.points:
        st.pyplot(plot(a), clear_figure=True, width=640)
