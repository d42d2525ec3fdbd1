"""The History page: past runs and their reviews, exports, and how well the
scorer's plausibility agrees with what reviewers decided.

The selected run is the URL's (``?page=history&run=ID``), so a reload keeps it
and an export is always of the run shown."""

from __future__ import annotations

import streamlit as st

from brainweave.ui import export, runs
from brainweave.ui.agreement import MIN_N, agreement, plot
from brainweave.ui.store import known_runs
from brainweave.ui.views import common

TEXT = st.column_config.TextColumn


def _open(run_id: str) -> None:
    """Button callback: open a past run on the Ask & review page."""
    st.session_state["run_id"] = run_id
    st.session_state["section"] = "Ask & review"
    st.session_state.pop("failed_run", None)


def _picked() -> None:
    st.session_state["run_id"] = st.session_state.get("history_run")


def render() -> None:
    s = common.settings()
    store = common.store()
    st.header("Past runs and reviews")
    past = runs.list_runs(s.home)
    known = known_runs(runs.runs_root(s.home))
    if not past:
        st.info("No runs yet in this home: ask a question on the Ask & review page.")
        _agreement(store.latest().values(), known)
        return
    counts = store.counts()
    st.dataframe(
        [
            {
                "run": r.run_id,
                "started": (r.started_at or "")[:19].replace("T", " "),
                "question": r.question,
                "hypotheses": r.hypotheses,
                "decisions": counts.get(r.run_id, 0),
            }
            for r in past
        ],
        hide_index=True,
        width="stretch",
        column_config={
            "run": TEXT(width="medium"),
            "question": TEXT(width="large"),
        },
    )
    by_id = {r.run_id: r for r in past}
    ids = list(by_id)
    wanted = st.session_state.get("run_id")
    if "history_run" not in st.session_state or st.session_state["history_run"] not in by_id:
        st.session_state["history_run"] = wanted if wanted in by_id else ids[0]
    run_id = st.selectbox(
        "Run",
        ids,
        format_func=lambda rid: f"{rid} — {by_id[rid].question[:80]}",
        key="history_run",
        on_change=_picked,
    )
    if run_id is None:
        return
    st.session_state["run_id"] = run_id
    common.url_state(run=run_id)
    st.button("Open for review", on_click=_open, args=(run_id,), key="open_run", type="primary")
    run = runs.load_run(s.home, run_id)
    history = store.history(run_id)
    passages = common.passages_of(run)
    st.markdown("**Hypotheses and their latest decisions**")
    keep = (
        "rank",
        "statement",
        "domains",
        "plausibility",
        "decision",
        "edited_statement",
        "note",
        "reviewer",
        "decided_at",
        "decisions_total",
    )
    shown = [{k: row[k] for k in keep} for row in export.rows(run, history, passages)]
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        column_config={
            "rank": st.column_config.NumberColumn(width="small"),
            "statement": TEXT(width="large"),
            "plausibility": st.column_config.ProgressColumn(
                min_value=0.0, max_value=1.0, format="%.2f", width="small"
            ),
            "edited_statement": TEXT("edited to", width="medium"),
            "decisions_total": st.column_config.NumberColumn("decisions", width="small"),
        },
    )
    c = st.columns(5)
    c[0].download_button(
        "Report (Markdown)",
        export.report_md(run, history, passages),
        file_name=f"brainweave-{run_id}.md",
        mime="text/markdown",
        key="export_md_history",
    )
    c[1].download_button(
        "BibTeX",
        export.bibtex(run, passages),
        file_name=f"brainweave-{run_id}.bib",
        mime="application/x-bibtex",
        key="export_bib_history",
    )
    c[2].download_button(
        "RIS",
        export.ris(run, passages),
        file_name=f"brainweave-{run_id}.ris",
        mime="application/x-research-info-systems",
        key="export_ris_history",
    )
    c[3].download_button(
        "Export CSV",
        export.to_csv(run, history, passages),
        file_name=f"brainweave-{run_id}.csv",
        mime="text/csv",
        key="export_csv",
    )
    c[4].download_button(
        "Export JSON",
        export.to_json(run, history),
        file_name=f"brainweave-{run_id}.json",
        mime="application/json",
        key="export_json",
    )
    with st.expander(f"Every decision on this run ({len(history)}), oldest first"):
        st.dataframe([d.flat() for d in history], hide_index=True, width="stretch")
    _agreement(store.latest().values(), known)


def _agreement(latest: object, known: set[str]) -> None:
    st.markdown("#### Agreement between plausibility and reviewers (all runs)")
    a = agreement(latest, known)  # type: ignore[arg-type]
    c1, c2, c3, c4 = st.columns(4)
    if a.auc is not None and a.ci is not None:
        c1.metric("AUC (kept vs rejected)", f"{a.auc:.2f}")
        c2.metric("95% interval (bootstrap)", f"{a.ci[0]:.2f} – {a.ci[1]:.2f}")
    else:
        c1.metric("AUC (kept vs rejected)", "–")
        c2.metric("95% interval (bootstrap)", "–")
    c3.metric("n (latest decisions, scored)", a.n)
    c4.metric(
        "mean plausibility, kept / rejected",
        " / ".join(f"{m:.2f}" if m is not None else "–" for m in (a.mean_kept, a.mean_rejected)),
    )
    if a.caveat:
        st.warning(f"{a.caveat}.")
    st.caption(
        f"{a.n} latest decisions on scored hypotheses ({a.kept} accepted or edited, "
        f"{a.rejected} rejected). AUC: the chance that a kept hypothesis was scored above a "
        f"rejected one (0.5 = chance). Shown without caveat from {MIN_N} decisions."
        + (
            f" {a.skipped} decisions on runs no longer in this home are not counted."
            if a.skipped
            else ""
        )
    )
    if a.points and a.auc is not None:
        st.pyplot(plot(a), clear_figure=True, width=640)
