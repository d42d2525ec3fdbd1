"""One run open for review: the hypothesis cards with their decision forms, the
evidence (findings by domain, passages with source links, the hypothesis graph)
and the agents' exchange. Every candidate is shown, the low-scored ones too."""

from __future__ import annotations

from typing import Any

import streamlit as st

from brainweave.agents.models import Scores
from brainweave.errors import BrainweaveError
from brainweave.ui import runs
from brainweave.ui.rescore import rescore
from brainweave.ui.store import Decision, scores_of
from brainweave.ui.views import common

DECISIONS = ["accept", "reject", "edit"]
ICONS = {
    "accept": ":material/check_circle:",
    "reject": ":material/cancel:",
    "edit": ":material/edit:",
}
COLUMNS = ("outcome", "kind", "change", "perplexity")
PAST = {"accept": "accepted", "reject": "rejected", "edit": "edited"}


def render_run(run_id: str) -> None:
    s = common.settings()
    run = runs.load_run(s.home, run_id)
    hyps = run.get("hypotheses") or []
    st.subheader(run.get("question", ""))
    prov = run.get("provenance") or {}
    st.caption(
        f"run {run_id} · {len(run.get('findings') or [])} findings · {len(hyps)} hypotheses · "
        f"LLM {prov.get('llm')} · scorer {prov.get('scorer')} · {prov.get('wall_s', '?')} s"
    )
    issues = prov.get("issues") or []
    if issues:
        st.warning(
            f"{len(issues)} notes from the agents (failed or fallen-back steps): "
            "see the Agents' exchange tab."
        )
    t_hyp, t_ev, t_ex = st.tabs(["Hypotheses", "Evidence", "Agents' exchange"])
    with t_hyp:
        if not hyps:
            st.warning(
                "No cross-domain hypothesis: the findings share no gene, region or condition. "
                "Try a broader question, more agents or another exchange round."
            )
        latest = common.store().latest(run_id)
        passages = runs.passages_by_id(run)
        for h in hyps:
            _card(run, h, latest.get((run_id, h["id"])), passages)
    with t_ev:
        _evidence(run)
    with t_ex:
        _exchange(run)


def _scores_line(sc: Scores) -> str:
    p, ppl = sc.plausibility, sc.perplexity
    parts = [f"plausibility {p:.3f}" if p is not None else "not scored"]
    if ppl is not None:
        parts.append(f"perplexity {ppl:.2f}")
    if sc.memorised:
        parts.append("memorised?")
    if p is None and sc.reason:
        parts.append(sc.reason)
    return " · ".join(parts)


def _card(
    run: dict[str, Any], h: dict[str, Any], last: Decision | None, passages: dict[str, Any]
) -> None:
    hid, run_id = h["id"], run["run_id"]
    with st.container(border=True, key=f"card-{run_id}-{hid}"):
        badge = f" {ICONS[last.decision]} {PAST[last.decision]}" if last else ""
        st.markdown(f"**#{h.get('rank', '?')}**{badge} — {h['statement']}")
        c1, c2, c3, c4 = st.columns([3, 1, 1, 1])
        sc = scores_of(h)
        p = sc.plausibility
        if p is not None:
            c1.progress(min(max(float(p), 0.0), 1.0), text=f"plausibility **{p:.3f}**")
        else:
            why = sc.reason or "no counterfactual could be formed"
            c1.warning(f"not scored: {why}")
        ppl = sc.perplexity
        c2.metric("perplexity", f"{ppl:.2f}" if ppl is not None else "–")
        pva = sc.p_vs_all
        c3.metric("p vs all variants", f"{pva:.3f}" if pva is not None else "–")
        c4.metric("memorised?", "yes ⚠️" if sc.memorised else "no")
        st.caption(
            f"bridges {' + '.join(h.get('domains', []))}"
            + (f" through {', '.join(h['bridge'])}" if h.get("bridge") else "")
            + f" · phrased by {h.get('phrased_by', '?')} · scorer {sc.model or '–'}"
        )
        outcomes = runs.counterfactual_outcomes(h)
        beat = sum(o["outcome"] == "beat" for o in outcomes)
        with st.expander(f"Counterfactuals: beat {beat} of {len(outcomes)}"):
            if outcomes:
                st.dataframe(
                    [{k: o[k] for k in COLUMNS} for o in outcomes],
                    hide_index=True,
                )
            else:
                st.caption("no counterfactual variant")
        with st.expander(f"Cited evidence: {len(h.get('passage_ids', []))} passages"):
            for pid in h.get("passage_ids", []):
                st.markdown(_passage_line(pid, passages.get(pid, {})))
        if last is not None:
            _last(last)
        _review_form(run, h)


def _passage_line(pid: str, p: dict[str, Any]) -> str:
    title = (p.get("title") or pid).replace("[", "(").replace("]", ")")
    link = f"[{title}]({p['url']})" if p.get("url") else title
    return f"- {link} · `{pid}` · {p.get('source') or '?'} ({p.get('license') or 'licence ?'})"


def _last(d: Decision) -> None:
    text = f"Latest: **{d.decision}** by {d.reviewer} at {d.created_at[:19]}"
    if d.note:
        text += f" — “{d.note}”"
    if d.decision == "edit" and d.edited_statement:
        text += f"\n\nEdited to: {d.edited_statement}"
        if d.edited_scores:
            text += f"\n\nNew scores: {_scores_line(d.edited_scores)}"
    {"accept": st.success, "reject": st.error, "edit": st.warning}[d.decision](text)


def _review_form(run: dict[str, Any], h: dict[str, Any]) -> None:
    hid, run_id = h["id"], run["run_id"]
    k = f"{run_id}-{hid}"
    with st.form(f"review-{k}"):
        decision = st.radio("Decision", DECISIONS, index=None, horizontal=True, key=f"decision-{k}")
        edited = st.text_area(
            "Statement (edit it, then choose edit)",
            value=h["statement"],
            key=f"edited-{k}",
            height=80,
        )
        note = st.text_input("Note", key=f"note-{k}")
        b1, b2 = st.columns(2)
        rescore_now = b1.form_submit_button("Re-score the edit", key=f"rescore-{k}")
        save = b2.form_submit_button("Save decision", type="primary", key=f"save-{k}")
    preview_key = f"preview-{k}"
    if rescore_now:
        with common.guarded("re-scoring"):
            st.session_state[preview_key] = (edited.strip(), _rescore(edited.strip(), h, run))
    preview = st.session_state.get(preview_key)
    if preview is not None:
        st.info(f"Re-scored “{preview[0]}”: {_scores_line(preview[1])}")
        if preview[1].model != scores_of(h).model:
            st.caption(
                f"scored by {preview[1].model}; the run used {scores_of(h).model}: the app's "
                "settings choose the scorer, so the numbers may not compare"
            )
    if save:
        with common.guarded("saving the decision"):
            _save(run, h, decision, edited.strip(), note.strip(), preview)


def _rescore(statement: str, h: dict[str, Any], run: dict[str, Any]) -> Scores:
    if not statement:
        raise BrainweaveError("the edited statement is empty", "type the new wording")
    s = common.settings()
    return rescore(statement, h, run, common.scorer(s))


def _save(
    run: dict[str, Any],
    h: dict[str, Any],
    decision: str | None,
    edited: str,
    note: str,
    preview: tuple[str, Scores] | None,
) -> None:
    reviewer = (st.session_state.get("reviewer") or "").strip()
    if not reviewer:
        raise BrainweaveError("who is reviewing?", "type your name in the sidebar first")
    if decision is None:
        raise BrainweaveError("no decision chosen", "choose accept, reject or edit")
    edited_scores = None
    if decision == "edit":
        if not edited or edited == h["statement"].strip():
            raise BrainweaveError(
                "the statement is unchanged", "change its wording, or choose accept"
            )
        edited_scores = preview[1] if preview and preview[0] == edited else _rescore(edited, h, run)
    saved = common.store().record(
        Decision(
            run_id=run["run_id"],
            hypothesis_id=h["id"],
            statement=h["statement"],
            scores=scores_of(h),
            decision=decision,
            edited_statement=edited if decision == "edit" else None,
            edited_scores=edited_scores,
            note=note,
            reviewer=reviewer,
        )
    )
    st.session_state.pop(f"preview-{run['run_id']}-{h['id']}", None)
    st.toast(f"Saved: {decision} on #{h.get('rank')} (decision {saved.id})")
    st.rerun()


def _evidence(run: dict[str, Any]) -> None:
    hyps = run.get("hypotheses") or []
    if hyps:
        st.markdown("**How the hypotheses connect to the findings across domains**")
        st.graphviz_chart(runs.hypothesis_graph(run))
    passages = runs.passages_by_id(run)
    for domain, findings in runs.findings_by_domain(run).items():
        st.markdown(f"#### {domain} · {len(findings)} findings")
        for f in findings:
            with st.container(border=True):
                tag = " (verbatim passage sentence)" if f.get("extractive") else ""
                st.markdown(f"{f['claim']}")
                st.caption(f"{f['id']} · {f['agent']}, round {f.get('round', 0)}{tag}")
                for pid in f.get("passage_ids", []):
                    st.markdown(_passage_line(pid, passages.get(pid, {})))


def _exchange(run: dict[str, Any]) -> None:
    prov = run.get("provenance") or {}
    for issue in prov.get("issues") or []:
        st.warning(f"{issue.get('agent')} ({issue.get('stage')}): {issue.get('message')}")
    rounds = prov.get("rounds") or {}
    st.caption(
        f"rounds: {rounds.get('reached')} of {rounds.get('limit')} · "
        f"stopped: {rounds.get('stop_reason') or '–'}"
    )
    msgs = run.get("messages") or []
    if msgs:
        st.markdown("**Messages between agents**")
        st.dataframe(
            [
                {
                    "round": m.get("round"),
                    "from": m.get("sender"),
                    "to": m.get("recipient"),
                    "findings": ", ".join(m.get("findings", [])),
                    "query": m.get("query"),
                }
                for m in msgs
            ],
            hide_index=True,
        )
    else:
        st.caption("no messages were exchanged")
    queries = prov.get("queries") or {}
    if queries:
        st.markdown("**Queries each agent ran**")
        for agent, qs in queries.items():
            st.markdown(f"- **{agent}**: " + " · ".join(qs))
    if prov.get("dropped"):
        st.caption(
            "dropped candidates: " + ", ".join(f"{n} {why}" for why, n in prov["dropped"].items())
        )
    timings = prov.get("timings_s") or {}
    if timings:
        st.caption("timings (s): " + ", ".join(f"{k} {v:.2f}" for k, v in timings.items()))
