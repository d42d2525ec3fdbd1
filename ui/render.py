"""HTML for the parts of a card that mix untrusted text with layout.

Every piece of corpus, LLM or reviewer text is escaped here (:mod:`brainweave.ui.safe`)
and links keep only http(s) URLs; ``st.html`` then shows it without parsing any
Markdown, so a passage can neither pull an image nor smuggle a link into the page.
"""

from __future__ import annotations

from brainweave.ui import safe
from brainweave.ui.card import Card, Quote
from brainweave.ui.runs import DOMAIN_COLOURS, OTHER_COLOUR

PAST = {"accept": "accepted", "reject": "rejected", "edit": "edited"}
BADGE = {"accept": "#1e8449", "reject": "#c0392b", "edit": "#d68910"}

PAGE_CSS = """<style>
[data-testid="stMainBlockContainer"] {padding-top: 2.2rem;}
</style>"""

CSS = """<style>
.bw-question {font-size: 1.3rem; font-weight: 600; line-height: 1.35; margin: .2rem 0 0 0;}
.bw-card {line-height: 1.45;}
.bw-head {display: flex; gap: .5rem; align-items: baseline; flex-wrap: wrap;}
.bw-rank {font-weight: 700; opacity: .7;}
.bw-statement {font-size: 1.08rem; font-weight: 600;}
.bw-original {font-size: .85rem; opacity: .7;}
.bw-chip {display: inline-block; padding: 0 .45rem; border-radius: .6rem; font-size: .78rem;
  color: #1a1a1a; margin-right: .2rem;}
.bw-badge {display: inline-block; padding: 0 .5rem; border-radius: .6rem; font-size: .8rem;
  color: #fff; font-weight: 600;}
.bw-meta {font-size: .85rem; opacity: .85; margin: .15rem 0;}
.bw-score {font-size: .9rem; margin: .2rem 0;}
.bw-bar {display: inline-block; width: 7rem; height: .55rem; border-radius: .3rem;
  background: rgba(128,128,128,.25); vertical-align: middle; margin-right: .35rem;}
.bw-bar > span {display: block; height: 100%; border-radius: .3rem;}
.bw-quotes {margin: .3rem 0 .1rem 0; padding-left: 0; list-style: none;}
.bw-quotes li {margin: .25rem 0; padding-left: .6rem; border-left: 3px solid
  rgba(128,128,128,.45); font-size: .9rem;}
.bw-quote {font-style: italic;}
.bw-src {font-size: .8rem; opacity: .8;}
.bw-card mark {background: #fde68a; color: #1a1a1a; padding: 0 .1rem; border-radius: .15rem;}
.bw-structure {font-size: .9rem; margin: .2rem 0;}
.bw-rel {opacity: .75; font-style: italic;}
.bw-notes {font-size: .82rem; color: #b9770e; margin-top: .2rem;}
</style>"""


def focus_css(container_key: str) -> str:
    """The outline of the card the keyboard acts on (``st.container(key=...)``'s class)."""
    cls = "st-key-" + "".join(ch for ch in container_key if ch.isalnum() or ch in "-_")
    return (
        f"<style>.{cls} {{outline: 3px solid #2e86de; outline-offset: 2px;"
        " scroll-margin-top: 4rem;}</style>"
    )


def chip(domain: str) -> str:
    colour = DOMAIN_COLOURS.get(domain, OTHER_COLOUR)
    return f'<span class="bw-chip" style="background:{colour}">{safe.esc(domain)}</span>'


def quote_html(q: Quote, *, with_claim: bool = False) -> str:
    """One cited passage: its domain, the supporting sentence with entities marked, its source."""
    if q.sentence:
        body = f'<span class="bw-quote">“{safe.highlight(q.sentence, q.names)}”</span>'
    elif q.claim:
        body = (
            f'<span class="bw-quote">{safe.highlight(q.claim, q.names)}</span> '
            '<span class="bw-src">(the finding; passage text not available)</span>'
        )
    else:
        body = '<span class="bw-src">passage text not available</span>'
    src = [safe.link(q.url, q.title) if q.url else safe.esc(q.title)]
    src.append(f"<code>{safe.esc(q.passage_id)}</code>")
    if q.source:
        src.append(safe.esc(q.source))
    if q.license:
        src.append(safe.esc(q.license))
    claim = ""
    if with_claim and q.claim and q.sentence and q.claim.strip() not in q.sentence:
        claim = f'<div class="bw-src">finding: {safe.esc(q.claim)}</div>'
    return f'<li>{chip(q.domain)} {body}{claim}<div class="bw-src">{" · ".join(src)}</div></li>'


def score_html(c: Card) -> str:
    b = c.band
    if c.plausibility is None:
        why = c.reason or b.meaning
        return f'<div class="bw-score"><b>not scored</b>: {safe.esc(why)}</div>'
    width = max(0.0, min(1.0, c.plausibility)) * 100
    fill = f'<span style="width:{width:.0f}%;background:{b.colour}"></span>'
    bar = f'<span class="bw-bar">{fill}</span>'
    rank_only = b.label == "rank only"  # no probability: no bar that reads as one
    if rank_only:
        bar = ""
    beat = [o for o in c.outcomes if o.outcome == "beat"]
    lost = [o for o in c.outcomes if o.outcome == "lost to"]
    parts = [
        f"{bar}<b>plausibility {c.plausibility:.2f}</b> · "
        f'<b style="color:{b.colour}">{safe.esc(b.label)}</b>: {safe.esc(b.meaning)}'
    ]
    if c.meaning and not rank_only:  # a rank's band already says what it is
        parts.append(f"the number is {safe.esc(c.meaning)}")
    if c.outcomes:
        line = f"beat {len(beat)} of {len(c.outcomes)} alterations"
        if lost:
            shown = ", ".join(f"“{safe.esc(o.change)}”" for o in lost[:3])
            more = f" and {len(lost) - 3} more" if len(lost) > 3 else ""
            line += f"; lost to {shown}{more}"
        parts.append(line)
    extra = []
    if c.p_vs_all is not None:
        extra.append(f"p vs all {c.p_vs_all:.2f}")
    if c.perplexity is not None:
        extra.append(f"perplexity {c.perplexity:.2f}")
    if c.memorised:
        extra.append("<b>possibly memorised</b>")
    rest = [*parts[1:], *extra]
    second = f"<br>{' · '.join(rest)}" if rest else ""
    quality = f'<br><span class="bw-src">{safe.esc(c.quality)}</span>' if c.quality else ""
    return f'<div class="bw-score">{parts[0]}{second}{quality}</div>'


def question_html(question: str) -> str:
    return f'<div class="bw-question">{safe.esc(question)}</div>'


def card_html(c: Card) -> str:
    """The head of a card: rank, decision, statement, domains, scores, quotes, notes."""
    head = [f'<span class="bw-rank">#{c.rank if c.rank is not None else "?"}</span>']
    if c.decision:
        who = f" · {safe.esc(c.reviewer)}" if c.reviewer else ""
        head.append(
            f'<span class="bw-badge" style="background:{BADGE[c.decision]}">'
            f"{PAST[c.decision]}{who}</span>"
        )
    if c.novelty:
        head.append(
            f'<span class="bw-chip" style="background:#e8daef">{safe.esc(c.novelty.label)}</span>'
        )
    parts = [f'<div class="bw-head">{" ".join(head)}</div>']
    parts.append(f'<div class="bw-statement">{safe.highlight(c.headline, c.bridge)}</div>')
    if c.original:
        parts.append(f'<div class="bw-original">edited from: {safe.esc(c.original)}</div>')
    meta = " ↔ ".join(chip(d) for d in c.domains)
    if c.bridge:
        meta += " through " + ", ".join(f"<b>{safe.esc(b)}</b>" for b in c.bridge)
    if c.phrased_by:
        meta += f" · phrased by {safe.esc(c.phrased_by)}"
    parts.append(f'<div class="bw-meta">{meta}</div>')
    if c.structure:
        edges = []
        for i, e in enumerate(c.structure):
            start = (
                ""
                if i and c.structure[i - 1].object == e.subject
                else f"<b>{safe.esc(e.subject)}</b> "
            )
            edges.append(
                f'{start}<span class="bw-rel">—{safe.esc(e.relation)}→</span> '
                f"<b>{safe.esc(e.object)}</b>"
            )
        parts.append(f'<div class="bw-structure">{" ".join(edges)}</div>')
    if c.novelty and c.novelty.detail:
        parts.append(f'<div class="bw-meta">novelty: {safe.esc(c.novelty.detail)}</div>')
    parts.append(score_html(c))
    if c.quotes:
        parts.append('<ul class="bw-quotes">' + "".join(quote_html(q) for q in c.quotes) + "</ul>")
    for n in c.notes:
        parts.append(
            f'<div class="bw-notes">⚠ {safe.esc(n.get("agent"))} ({safe.esc(n.get("stage"))}): '
            f"{safe.esc(n.get('message'))}</div>"
        )
    return '<div class="bw-card">' + "".join(parts) + "</div>"
