"""One run open for review: a list of hypothesis cards to work through (sort,
filter, search), the evidence (findings by domain with the passages they cite,
the hypothesis graph), the agents' exchange, and the run's report to take away.

Each card shows the statement as its headline (the edited one once edited), the
sentence of each cited passage that supports it with the entity names marked
and its source link, the plausibility as a band that says what the number
means, the counterfactuals it beat and lost to, and the agents' notes that
concern it; the review form is folded away until it is wanted, and its choice
starts at the saved decision. Every candidate is shown, low scores too.

Corpus, LLM and reviewer text never reaches Markdown unescaped: cards are HTML
built by :mod:`brainweave.ui.render` from escaped text, and the rest goes
through :func:`brainweave.ui.safe.md`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from brainweave.agents.models import Scores
from brainweave.errors import BrainweaveError
from brainweave.ui import card as cards
from brainweave.ui import export, graph, render, runs, safe, worklist
from brainweave.ui.card import score
from brainweave.ui.rescore import rescore
from brainweave.ui.store import Decision, make_decision, scores_of
from brainweave.ui.views import common

DECISIONS = ["accept", "reject", "edit"]
PAST = {"accept": "accepted", "reject": "rejected", "edit": "edited"}
COLUMNS = ("outcome", "kind", "change", "perplexity")


def render_run(run_id: str, events: list[Any] | None = None) -> None:
    s = common.settings()
    run = runs.load_run(s.home, run_id)
    hyps = run.get("hypotheses") or []
    prov = run.get("provenance") or {}
    st.html(render.CSS + render.question_html(run.get("question", "")))
    st.caption(
        f"run {safe.md(run_id)} · {len(run.get('findings') or [])} findings · "
        f"{len(hyps)} hypotheses · LLM {safe.md(prov.get('llm'))} · "
        f"scorer {safe.md(prov.get('scorer'))} · {safe.md(prov.get('wall_s', '?'))} s"
    )
    quality = _scorer_quality(s, prov.get("scorer"))
    if quality:
        st.caption(quality)
    passages = common.passages_of(run)
    latest = common.store().latest(run_id)
    t_hyp, t_ev, t_ex, t_rep = st.tabs(
        ["Hypotheses", "Evidence", "Agents' exchange", "Report & export"]
    )
    with t_hyp:
        if not hyps:
            st.warning(
                "No cross-domain hypothesis: the findings share no gene, region or condition. "
                "Try a broader question, more agents or another exchange round."
            )
        else:
            _worklist(run, latest, passages)
    with t_ev:
        _evidence(run, passages)
    with t_ex:
        _exchange(run, events)
    with t_rep:
        _report(run, passages)


def _scorer_quality(s: Any, scorer: str | None) -> str | None:
    """How good the run's scorer is, from the BrainBench result kept in HOME/bench."""
    from brainweave.ui.bench import latest_for, wilson

    if not scorer:
        return None
    if scorer.startswith("lexical"):
        return (
            "Scorer: lexical overlap, a quick stand-in with no BrainBench accuracy: "
            "read its plausibility as a ranking aid only."
        )
    name = scorer.split(":", 1)[-1]
    rec = latest_for(s.home, name) or latest_for(s.home, scorer)
    if rec is None:
        return (
            f"Scorer {safe.md(scorer)}: no BrainBench result in this home yet "
            "(see the BrainBench page for the command that measures it)."
        )
    ci = wilson(rec.accuracy * rec.n, rec.n)
    band = f", 95% interval {ci[0]:.0%}–{ci[1]:.0%}" if ci else ""
    return (
        f"Scorer {safe.md(rec.model)}: {rec.accuracy:.1%} on BrainBench (n = {rec.n}{band}; "
        "human experts 63.4%)."
    )


# ----- the list of cards -------------------------------------------------------------


def _worklist(
    run: dict[str, Any], latest: dict[tuple[str, str], Decision], passages: dict[str, Any]
) -> None:
    run_id = run["run_id"]
    hyps = run.get("hypotheses") or []
    reviewed = {hid for (rid, hid) in latest if rid == run_id}
    edits = {
        hid: d.edited_statement
        for (rid, hid), d in latest.items()
        if rid == run_id and d.decision == "edit" and d.edited_statement
    }
    c1, c2, c3, c4, c5 = st.columns([1.3, 1.3, 1.2, 2, 0.9], vertical_alignment="bottom")
    sort = c1.selectbox("Sort", worklist.sorts(hyps), key="wl_sort")
    domain_pair = c2.selectbox("Domains", [worklist.ALL, *worklist.pairs(hyps)], key="wl_pair")
    entity = c3.selectbox("Entity", [worklist.ALL, *worklist.entities(run, hyps)], key="wl_entity")
    query = c4.text_input(
        "Search", key="wl_query", placeholder="words in statements, findings and passages"
    )
    unreviewed = c5.toggle("Unreviewed", key="wl_unreviewed")
    shown = worklist.select(
        run,
        sort=sort or "rank",
        domain_pair=domain_pair or worklist.ALL,
        entity=entity or worklist.ALL,
        unreviewed=unreviewed,
        query=query,
        reviewed=reviewed,
        edits=edits,
        passages=passages,
    )
    n_rev = len(reviewed & {h["id"] for h in hyps})
    st.caption(f"showing {len(shown)} of {len(hyps)} · reviewed {n_rev} of {len(hyps)}")
    if not shown:
        st.info("No hypothesis matches: clear the search or the filters.")
        return
    focus = _keys_bar(run, shown, passages)
    for h in shown:
        _card(run, h, latest.get((run_id, h["id"])), passages, focused=h["id"] == focus)


# ----- keyboard: j / k move the focus, a / x / e act on the focused card ---------------

# Streamlit's own shortcuts (``st.button(shortcut=...)``) fire only when no text field
# has the keyboard, so typing a note never triggers one. R (and C) are Streamlit's own
# keys (rerun, clear cache) and cannot be bound: reject is X.
KEYS = {"next": "J", "previous": "K", "accept": "A", "reject": "X", "edit": "E"}
ICONS = {  # the buttons' order on the page
    "previous": "arrow_upward",
    "next": "arrow_downward",
    "accept": "check",
    "reject": "close",
    "edit": "edit",
}


def _keys_bar(run: dict[str, Any], shown: list[dict[str, Any]], passages: dict[str, Any]) -> str:
    """The focused card's id, and one row of buttons that move the focus and act on it."""
    ids = [h["id"] for h in shown]
    if st.session_state.get("wl_focus") not in ids:
        st.session_state["wl_focus"] = ids[0]
    focus = st.session_state["wl_focus"]
    h = shown[ids.index(focus)]
    k = f"{run['run_id']}-{focus}"
    with st.container(horizontal=True, vertical_alignment="center", key="wl_keys"):
        st.caption(f"Focused: #{safe.md(h.get('rank'))} ({ids.index(focus) + 1} of {len(ids)})")
        actions: dict[str, tuple[Callable[..., None], tuple[Any, ...]]] = {
            "previous": (_move, (ids, -1)),
            "next": (_move, (ids, 1)),
            "edit": (_open_edit, (k,)),
        }
        pressed = {
            name: st.button(
                name.capitalize(),
                key=f"kb_{name}",
                shortcut=KEYS[name],
                icon=f":material/{icon}:",
                on_click=actions[name][0] if name in actions else None,
                args=actions[name][1] if name in actions else None,
            )
            for name, icon in ICONS.items()
        }
        accept, reject = pressed["accept"], pressed["reject"]
    if st.session_state.pop("wl_scroll", False):
        _scroll_to(k)
    if accept or reject:
        with common.guarded("saving the decision"):
            # the focus moves on first, so the rerun after the save shows the next card
            after = ids[ids.index(focus) + 1 :] or ids[:1]
            st.session_state["wl_focus"], st.session_state["wl_scroll"] = after[0], True
            _save(run, h, "accept" if accept else "reject", "", "", None)
    return focus


def _move(ids: list[str], step: int) -> None:
    at = ids.index(st.session_state["wl_focus"]) if st.session_state.get("wl_focus") in ids else 0
    st.session_state["wl_focus"] = ids[max(0, min(len(ids) - 1, at + step))]
    st.session_state["wl_scroll"] = True


def _open_edit(k: str) -> None:
    """E: the focused card's review form opened, with edit chosen, ready for the wording."""
    st.session_state[f"review-open-{k}"] = True
    st.session_state[f"decision-{k}"] = "edit"
    st.session_state["wl_scroll"] = True


def _scroll_to(k: str) -> None:
    # the card is rendered after this element; the script waits for it
    st.html(
        "<script>(() => { let n = 0; const go = () => {"
        f" const el = window.parent.document.querySelector('.st-key-card-{k}')"
        f" || document.querySelector('.st-key-card-{k}');"
        " if (el) el.scrollIntoView({block: 'start', behavior: 'instant'});"
        " else if (n++ < 40) setTimeout(go, 50); }; go(); })();</script>",
        unsafe_allow_javascript=True,
        width="content",
    )


def _card(
    run: dict[str, Any],
    h: dict[str, Any],
    last: Decision | None,
    passages: dict[str, Any],
    *,
    focused: bool = False,
) -> None:
    k = f"{run['run_id']}-{h['id']}"
    c = cards.build(run, h, passages, last)
    with st.container(border=True, key=f"card-{k}"):
        if focused:
            st.html(render.focus_css(f"card-{k}"))
        st.html(render.card_html(c))
        left, right = st.columns([3, 2])
        saved = f" · {PAST[last.decision]} by {safe.md(last.reviewer)}" if last else ""
        with left.expander(
            f"Review{saved}",
            icon=":material/rate_review:",
            key=f"review-open-{k}",
            on_change="rerun",
        ):
            if last is not None:
                _last(last)
            _review_form(run, h, last)
        beat = sum(o.outcome == "beat" for o in c.outcomes)
        with right.expander(
            f"Counterfactuals: beat {beat} of {len(c.outcomes)}", icon=":material/compare_arrows:"
        ):
            if c.outcomes:
                st.dataframe(
                    [{k2: getattr(o, k2) for k2 in COLUMNS} for o in c.outcomes],
                    hide_index=True,
                )
                st.caption(
                    "Each row: the statement with its claimed result altered. It beats a "
                    "variant when the scorer finds it more likely (lower perplexity)."
                )
            else:
                st.caption("no counterfactual variant could be formed")


def _scores_line(sc: Scores | dict[str, Any]) -> str:
    d = sc.model_dump() if isinstance(sc, Scores) else sc
    p, ppl, pva = score(d, "plausibility"), score(d, "perplexity"), score(d, "p_vs_all")
    parts = [
        f"plausibility {p:.2f} ({cards.band(p, score(d, 'interval'), cards.rank_only(d)).label})"
        if p is not None
        else "not scored"
    ]
    if pva is not None:
        parts.append(f"p vs all {pva:.3f}")
    if ppl is not None:
        parts.append(f"perplexity {ppl:.2f}")
    outcomes = cards.counterfactual_outcomes(d)
    if outcomes:
        beat = sum(o.outcome == "beat" for o in outcomes)
        parts.append(f"beat {beat} of {len(outcomes)} counterfactuals")
    if score(d, "memorised"):
        parts.append("memorised?")
    if p is None and score(d, "reason"):
        parts.append(safe.md(score(d, "reason")))
    return " · ".join(parts)


def _last(d: Decision) -> None:
    text = f"Latest: **{d.decision}** by {safe.md(d.reviewer)} at {safe.md(d.created_at[:19])}"
    if d.note:
        text += f" — “{safe.md(d.note)}”"
    if d.decision == "edit" and d.edited_statement:
        text += f"\n\nEdited to: {safe.md(d.edited_statement)}"
        if d.edited_scores:
            text += f"\n\nNew scores: {_scores_line(d.edited_scores)}"
    {"accept": st.success, "reject": st.error, "edit": st.warning}[d.decision](text)


def _review_form(run: dict[str, Any], h: dict[str, Any], last: Decision | None) -> None:
    hid, run_id = h["id"], run["run_id"]
    k = f"{run_id}-{hid}"
    with st.form(f"review-{k}"):
        decision = st.radio(
            "Decision",
            DECISIONS,
            # a value the E key put in the session wins; otherwise the saved decision
            index=DECISIONS.index(last.decision)
            if last and f"decision-{k}" not in st.session_state
            else None,
            horizontal=True,
            key=f"decision-{k}",
        )
        start = last.edited_statement if last and last.edited_statement else h["statement"]
        edited = st.text_area(
            "Statement (edit it, then choose edit)", value=start, key=f"edited-{k}", height=80
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
        st.info(
            f"Re-scored “{safe.md(preview[0])}”: {_scores_line(preview[1])}\n\n"
            f"The original: {_scores_line(h)}"
        )
        if score(preview[1], "model") != score(h, "model"):
            st.caption(
                f"scored by {safe.md(score(preview[1], 'model'))}; the run used "
                f"{safe.md(score(h, 'model'))}: the app's settings choose the scorer, so the "
                "numbers may not compare"
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
        make_decision(
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
    common.remember_reviewer(reviewer)
    st.session_state.pop(f"preview-{run['run_id']}-{h['id']}", None)
    st.toast(f"Saved: {decision} on #{h.get('rank')} (decision {saved.id})")
    st.rerun()


# ----- evidence, exchange, report ------------------------------------------------------


def _evidence(run: dict[str, Any], passages: dict[str, Any]) -> None:
    hyps = run.get("hypotheses") or []
    if hyps:
        _graph(run, passages)
    for domain, findings in runs.findings_by_domain(run).items():
        st.markdown(f"#### {safe.md(domain)} · {len(findings)} findings")
        for f in findings:
            names = cards.names_for({}, f)
            items = []
            for pid in f.get("passage_ids", []):
                p = passages.get(pid, {})
                q = cards.Quote(
                    passage_id=pid,
                    finding_id=f["id"],
                    domain=domain,
                    claim=f.get("claim"),
                    sentence=cards.supporting_sentence(p.get("text"), f.get("claim"), names),
                    names=names,
                    title=p.get("title") or pid,
                    url=safe.url(p.get("url")),
                    source=p.get("source"),
                    license=p.get("license"),
                )
                items.append(render.quote_html(q))
            tag = " · verbatim passage sentence" if f.get("extractive") else ""
            st.html(
                '<div class="bw-card" style="margin-bottom:.6rem">'
                f"<div><b>{safe.highlight(f.get('claim', ''), names)}</b></div>"
                f'<div class="bw-src">{safe.esc(f["id"])} · {safe.esc(f.get("agent"))}, '
                f"round {safe.esc(f.get('round', 0))}{tag}</div>"
                f'<ul class="bw-quotes">{"".join(items)}</ul></div>'
            )


def _graph(run: dict[str, Any], passages: dict[str, Any]) -> None:
    g = graph.evidence_graph(run, passages)
    st.markdown("**How the hypotheses reach their passages through the bridge entities**")
    st.caption(
        "Hypotheses (squares) → bridge entities (diamonds) → the passages whose findings "
        "name them (circles, coloured by domain). Hover for the full text; wheel and drag "
        "to zoom and pan; click a node to read its passages below, double-click to clear."
    )
    state = st.vega_lite_chart(
        spec=graph.spec(g), on_select="rerun", selection_mode="node", key="evidence_graph"
    )
    node = graph.selected(state, g)
    if node is None:
        return
    items = []
    for pid in node.passage_ids:
        pn = g.node("p:" + pid)
        if pn is not None:
            link = f' · <a href="{safe.esc(pn.url)}" target="_blank">source</a>' if pn.url else ""
            items.append(f"<li>{safe.esc(pn.detail)}{link} <code>{safe.esc(pid)}</code></li>")
    st.html(
        '<div class="bw-card"><b>'
        + safe.esc(f"{node.kind}: {node.detail}")
        + "</b>"
        + (f'<ul class="bw-quotes">{"".join(items)}</ul>' if items else "")
        + "</div>"
    )


def _exchange(run: dict[str, Any], events: list[Any] | None) -> None:
    prov = run.get("provenance") or {}
    for issue in prov.get("issues") or []:
        st.warning(
            f"{safe.md(issue.get('agent'))} ({safe.md(issue.get('stage'))}): "
            f"{safe.md(issue.get('message'))}"
        )
    rounds = prov.get("rounds") or {}
    st.caption(
        f"rounds: {safe.md(rounds.get('reached'))} of {safe.md(rounds.get('limit'))} · "
        f"stopped: {safe.md(rounds.get('stop_reason') or '–')}"
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
        st.dataframe(
            [{"agent": a, "query": q} for a, qs in queries.items() for q in qs], hide_index=True
        )
    if prov.get("dropped"):
        st.caption(
            "dropped candidates: "
            + ", ".join(f"{safe.md(n)} {safe.md(why)}" for why, n in prov["dropped"].items())
        )
    timings = prov.get("timings_s") or {}
    if timings:
        st.caption("timings (s): " + ", ".join(f"{safe.md(k)} {v:.2f}" for k, v in timings.items()))
    if events:
        from brainweave.ui.views.ask import _events

        with st.expander("How the run went, step by step"):
            _events(events)


def _report(run: dict[str, Any], passages: dict[str, Any]) -> None:
    run_id = run["run_id"]
    history = common.store().history(run_id)
    st.caption(
        "The report has the question, every hypothesis with its scores and latest decision, "
        "and the quoted evidence with links; BibTeX and RIS hold every cited record."
    )
    c1, c2, c3, c4, c5 = st.columns(5)
    c1.download_button(
        "Report (Markdown)",
        export.report_md(run, history, passages),
        file_name=f"brainweave-{run_id}.md",
        mime="text/markdown",
        key="export_md",
    )
    c2.download_button(
        "BibTeX",
        export.bibtex(run, passages),
        file_name=f"brainweave-{run_id}.bib",
        mime="application/x-bibtex",
        key="export_bib",
    )
    c3.download_button(
        "RIS",
        export.ris(run, passages),
        file_name=f"brainweave-{run_id}.ris",
        mime="application/x-research-info-systems",
        key="export_ris",
    )
    c4.download_button(
        "CSV",
        export.to_csv(run, history, passages),
        file_name=f"brainweave-{run_id}.csv",
        mime="text/csv",
        key="export_csv_review",
    )
    c5.download_button(
        "JSON",
        export.to_json(run, history),
        file_name=f"brainweave-{run_id}.json",
        mime="application/json",
        key="export_json_review",
    )
