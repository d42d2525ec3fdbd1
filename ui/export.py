"""A run's hypotheses and the reviewers' decisions on them, to take away.

- CSV: one row per hypothesis with its latest decision and the ids and URLs of
  the passages it cites (what a spreadsheet user wants);
- JSON: the run's hypotheses and the full decision history (what a script
  wants: nothing summarised away);
- Markdown: a report to read or paste (the question, each hypothesis with its
  scores, decision and the quoted evidence with links);
- BibTeX and RIS: every cited source record, for a reference manager.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

from brainweave.ui import card as cards
from brainweave.ui import safe
from brainweave.ui.card import score
from brainweave.ui.store import Decision

CSV_FIELDS = [
    "run_id",
    "question",
    "rank",
    "hypothesis_id",
    "statement",
    "domains",
    "plausibility",
    "p_vs_all",
    "perplexity",
    "memorised",
    "passage_ids",
    "urls",
    "decision",
    "edited_statement",
    "edited_plausibility",
    "edited_perplexity",
    "note",
    "reviewer",
    "decided_at",
    "decisions_total",
]


def latest_of(run: dict[str, Any], history: list[Decision]) -> dict[str, Decision]:
    latest: dict[str, Decision] = {}
    for dec in history:
        if dec.run_id == run["run_id"]:
            latest[dec.hypothesis_id] = dec
    return latest


def rows(
    run: dict[str, Any],
    history: list[Decision],
    passages: dict[str, dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """One row per hypothesis of the run, with its latest decision (blank if none)."""
    latest = latest_of(run, history)
    total: dict[str, int] = {}
    for dec in history:
        if dec.run_id == run["run_id"]:
            total[dec.hypothesis_id] = total.get(dec.hypothesis_id, 0) + 1
    by_id = passages if passages is not None else _passages(run)
    out = []
    for h in run.get("hypotheses") or []:
        d: Decision | None = latest.get(h["id"])
        e = d.edited_scores if d else None
        out.append(
            {
                "run_id": run["run_id"],
                "question": run.get("question", ""),
                "rank": h.get("rank"),
                "hypothesis_id": h["id"],
                "statement": h.get("statement", ""),
                "domains": ";".join(h.get("domains", [])),
                "plausibility": score(h, "plausibility"),
                "p_vs_all": score(h, "p_vs_all"),
                "perplexity": score(h, "perplexity"),
                "memorised": bool(score(h, "memorised", False)),
                "passage_ids": ";".join(h.get("passage_ids", [])),
                "urls": ";".join(
                    safe.url((by_id.get(pid) or {}).get("url")) or ""
                    for pid in h.get("passage_ids", [])
                ),
                "decision": d.decision if d else "",
                "edited_statement": (d.edited_statement or "") if d else "",
                "edited_plausibility": e.plausibility if e else None,
                "edited_perplexity": e.perplexity if e else None,
                "note": d.note if d else "",
                "reviewer": d.reviewer if d else "",
                "decided_at": d.created_at if d else "",
                "decisions_total": total.get(h["id"], 0),
            }
        )
    return out


def to_csv(
    run: dict[str, Any],
    history: list[Decision],
    passages: dict[str, dict[str, Any]] | None = None,
) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in rows(run, history, passages):
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return buf.getvalue()


def to_json(run: dict[str, Any], history: list[Decision]) -> str:
    """The run (question, hypotheses with scores and counterfactuals, findings) and
    every decision on it, oldest first."""
    doc = {
        "run_id": run["run_id"],
        "question": run.get("question", ""),
        "hypotheses": run.get("hypotheses") or [],
        "findings": run.get("findings") or [],
        "latest": rows(run, history),
        "decisions": [d.model_dump(mode="json") for d in history if d.run_id == run["run_id"]],
    }
    return json.dumps(doc, indent=2)


def _passages(run: dict[str, Any]) -> dict[str, dict[str, Any]]:
    from brainweave.ui.runs import passages_by_id

    return passages_by_id(run)


# ----- Markdown report ---------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>!|$~&])")


def _md(text: object) -> str:
    """Literal text inside Markdown: the characters that start a link, an image,
    emphasis, code, HTML or maths are escaped (a corpus cannot inject any of them)."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text or "").split()))


def report_md(
    run: dict[str, Any],
    history: list[Decision],
    passages: dict[str, dict[str, Any]] | None = None,
) -> str:
    """A Markdown report of the run: question, hypotheses in rank order with scores,
    latest decision, and the quoted evidence with its source links."""
    passages = passages if passages is not None else _passages(run)
    latest = latest_of(run, history)
    prov = run.get("provenance") or {}
    hyps = run.get("hypotheses") or []
    lines = [
        f"# {_md(run.get('question', ''))}",
        "",
        f"Run `{run['run_id']}` · started {prov.get('started_at', '?')} · "
        f"LLM {_md(prov.get('llm'))}"
        f" · scorer {_md(prov.get('scorer'))} · {len(hyps)} hypotheses · "
        f"{len(run.get('findings') or [])} findings",
        "",
        "Plausibility: the chance that the scorer prefers the statement over a randomly "
        "altered version of it (0.5 = cannot tell).",
        "",
    ]
    for h in hyps:
        d = latest.get(h["id"])
        c = cards.build(run, h, passages, d)
        lines.append(f"## {c.rank if c.rank is not None else '?'}. {_md(c.headline)}")
        lines.append("")
        if c.original:
            lines.append(f"*Edited from:* {_md(c.original)}")
            lines.append("")
        facts = [f"**Domains:** {_md(' + '.join(c.domains))}"]
        if c.bridge:
            facts.append(f"**Bridge:** {_md(', '.join(c.bridge))}")
        if c.plausibility is not None:
            facts.append(
                f"**Plausibility:** {c.plausibility:.2f} ({_md(c.band.label)}): "
                f"{_md(c.band.meaning)}; {_md(c.quality or '')}"
            )
        else:
            facts.append(f"**Plausibility:** not scored ({_md(c.reason or c.band.meaning)})")
        if c.p_vs_all is not None:
            facts.append(f"**p vs all:** {c.p_vs_all:.3f}")
        if c.perplexity is not None:
            facts.append(f"**Perplexity:** {c.perplexity:.2f}")
        beat = sum(o.outcome == "beat" for o in c.outcomes)
        if c.outcomes:
            facts.append(f"**Counterfactuals beaten:** {beat} of {len(c.outcomes)}")
        if c.novelty:
            facts.append(f"**Novelty:** {_md(c.novelty.label)}")
        if d is not None:
            dec = f"**Decision:** {d.decision} by {_md(d.reviewer)} ({d.created_at[:19]})"
            if d.note:
                dec += f": {_md(d.note)}"
            facts.append(dec)
        else:
            facts.append("**Decision:** not reviewed")
        lines += [f"- {f}" for f in facts]
        lines.append("")
        if c.structure:
            chain = " ".join(
                f"{_md(e.subject)} —{_md(e.relation)}→ {_md(e.object)}" for e in c.structure
            )
            lines += [f"Structure: {chain}", ""]
        lines.append("Evidence:")
        lines.append("")
        for q in c.quotes:
            quote = q.sentence or q.claim or "(passage text not available)"
            link = f"[{_md(q.title)}](<{q.url}>)" if q.url else _md(q.title)
            lines.append(f"> {_md(quote)}")
            lines.append(f"> — {link} · `{q.passage_id}` · {_md(q.source)} · {_md(q.license)}")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


# ----- BibTeX and RIS -----------------------------------------------------------------


def records(
    run: dict[str, Any], passages: dict[str, dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """Every source record a hypothesis of the run cites, once, in citation order."""
    passages = passages if passages is not None else _passages(run)
    out: dict[str, dict[str, Any]] = {}
    for h in run.get("hypotheses") or []:
        for pid in h.get("passage_ids", []):
            p = passages.get(pid) or {"passage_id": pid}
            doc = p.get("doc_id") or pid.split("#", 1)[0]
            rec = out.setdefault(
                doc,
                {
                    "doc_id": doc,
                    "title": p.get("title") or doc,
                    "url": safe.url(p.get("url")),
                    "source": p.get("source"),
                    "license": p.get("license"),
                    "metadata": p.get("metadata") or {},
                    "passage_ids": [],
                },
            )
            if pid not in rec["passage_ids"]:
                rec["passage_ids"].append(pid)
    return list(out.values())


def _key(doc_id: str, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9]+", "_", doc_id).strip("_") or "record"
    key, n = base, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    taken.add(key)
    return key


def _bib(text: object) -> str:
    """A BibTeX field value: braces balanced away, specials escaped."""
    s = " ".join(str(text).split())
    s = s.replace("\\", " ").replace("{", "(").replace("}", ")")
    return re.sub(r"([&%$#_])", r"\\\1", s)


def _bib_raw(text: object) -> str:
    """A URL or DOI: kept as is, but no brace or space that would end the field."""
    return re.sub(r"[{}\s\\]", "", str(text))


def _meta(rec: dict[str, Any], *names: str) -> str | None:
    meta = rec.get("metadata") or {}
    for n in names:
        v = meta.get(n)
        if v not in (None, "", []):
            return str(v)
    return None


def bibtex(run: dict[str, Any], passages: dict[str, dict[str, Any]] | None = None) -> str:
    """One BibTeX entry per cited record (@article when it has a journal, else @misc)."""
    taken: set[str] = set()
    entries = []
    for rec in records(run, passages):
        journal = _meta(rec, "journal")
        fields = [("title", rec["title"])]
        if journal:
            fields.append(("journal", journal))
        for name, keys in (
            ("year", ("year",)),
            ("doi", ("doi",)),
            ("pmid", ("pmid",)),
            ("author", ("authors", "author")),
        ):
            v = _meta(rec, *keys)
            if v:
                fields.append((name, v))
        if rec.get("url"):
            fields.append(("url", rec["url"]))
        how = ", ".join(x for x in (rec.get("source"), rec.get("license")) if x)
        if how:
            fields.append(("note", f"{how}; passages {', '.join(rec['passage_ids'])}"))
        kind = "article" if journal else "misc"
        body = ",\n".join(
            f"  {k} = {{{_bib(v) if k not in ('url', 'doi') else _bib_raw(v)}}}" for k, v in fields
        )
        entries.append(f"@{kind}{{{_key(rec['doc_id'], taken)},\n{body}\n}}")
    return "\n\n".join(entries) + ("\n" if entries else "")


def ris(run: dict[str, Any], passages: dict[str, dict[str, Any]] | None = None) -> str:
    """One RIS record per cited record (JOUR when it has a journal, else GEN)."""
    out = []
    for rec in records(run, passages):
        journal = _meta(rec, "journal")
        lines = [f"TY  - {'JOUR' if journal else 'GEN'}", f"TI  - {_ris(rec['title'])}"]
        if journal:
            lines.append(f"JO  - {_ris(journal)}")
        year = _meta(rec, "year")
        if year:
            lines.append(f"PY  - {_ris(year)}")
        doi = _meta(rec, "doi")
        if doi:
            lines.append(f"DO  - {_ris(doi)}")
        if rec.get("url"):
            lines.append(f"UR  - {_ris(rec['url'])}")
        lines.append(f"ID  - {_ris(rec['doc_id'])}")
        how = ", ".join(x for x in (rec.get("source"), rec.get("license")) if x)
        lines.append(f"N1  - {_ris(how + '; passages ' + ', '.join(rec['passage_ids']))}")
        lines.append("ER  - ")
        out.append("\n".join(lines))
    return "\n\n".join(out) + ("\n" if out else "")


def _ris(text: object) -> str:
    return " ".join(str(text).split())
