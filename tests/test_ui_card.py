"""What a card, the work list, the exports and the progress line show, without
Streamlit: the supporting sentence with entities marked and escaped, the
plausibility band, the notes that concern a hypothesis, sort/filter/search, the
Markdown report and the BibTeX/RIS/CSV exports parsed back, and stage ETAs."""

from __future__ import annotations

import copy
import csv
import io
import re
from typing import Any

import bibtexparser
import pytest
import rispy
from markdown_it import MarkdownIt

from brainweave.agents.models import Scores
from brainweave.ui import card as cards
from brainweave.ui import export, progress, render, safe, worklist
from brainweave.ui.store import Decision

ATTACK = "![x](http://127.0.0.1:9/track.png) <img src=x onerror=alert(1)> [y](javascript:alert(1))"


def hyp(hid: str, p: float | None, domains: list[str], rank: int, **kw: Any) -> dict[str, Any]:
    return {
        "id": hid,
        "statement": f"APOE4 carriers show increased hippocampal atrophy ({hid}).",
        "finding_ids": ["genetics:r0:1", "neuroimaging:r0:1"],
        "passage_ids": ["refseq/APOE#0", "pmc/PMC1#0"],
        "domains": domains,
        "bridge": ["gene:APOE"],
        "phrased_by": "template",
        "plausibility": p,
        "scorer": "smollm2-135m-instruct",
        "perplexity": 12.5 if p is not None else None,
        "counterfactuals": [
            {
                "text": "a",
                "perplexity": 20.0,
                "kind": "edit",
                "original": "increased",
                "altered": "decreased",
            },
            {
                "text": "b",
                "perplexity": 10.0,
                "kind": "entity:gene",
                "original": "APOE4",
                "altered": "MAPT",
            },
        ]
        if p is not None
        else [],
        "rank": rank,
        **kw,
    }


def run_doc() -> dict[str, Any]:
    return {
        "run_id": "r1",
        "question": "APOE and atrophy?",
        "findings": [
            {
                "id": "genetics:r0:1",
                "domain": "genetics",
                "agent": "genetics",
                "claim": "APOE4 raises the risk of Alzheimer's disease.",
                "passage_ids": ["refseq/APOE#0"],
                "entities": ["gene:APOE"],
            },
            {
                "id": "neuroimaging:r0:1",
                "domain": "neuroimaging",
                "agent": "neuroimaging",
                "claim": "Hippocampal volume loss tracks memory decline.",
                "passage_ids": ["pmc/PMC1#0"],
                "entities": ["region:hippocampus"],
            },
            {
                "id": "clinical:r0:1",
                "domain": "clinical",
                "agent": "clinical",
                "claim": "Donepezil trial in mild cognitive impairment.",
                "passage_ids": ["ct/NCT1#0"],
                "entities": ["condition:dementia"],
            },
        ],
        "messages": [],
        "hypotheses": [
            hyp("H1", 0.74, ["genetics", "neuroimaging"], 1),
            hyp(
                "H2",
                0.31,
                ["clinical", "genetics"],
                2,
                finding_ids=["genetics:r0:1", "clinical:r0:1"],
                passage_ids=["refseq/APOE#0", "ct/NCT1#0"],
                bridge=["condition:dementia"],
            ),
            hyp("H3", None, ["genetics", "neuroimaging"], 3, score_reason="no variant"),
        ],
        "provenance": {
            "retrieved": [
                {
                    "passage_id": "refseq/APOE#0",
                    "doc_id": "refseq/APOE",
                    "domain": "genetics",
                    "title": "APOE apolipoprotein E",
                    "url": "https://www.ncbi.nlm.nih.gov/gene/348",
                    "source": "refseq",
                    "license": "public domain",
                    "text": "The protein is a lipoprotein. The APOE4 allele raises the risk of "
                    "late-onset Alzheimer's disease. It is on chromosome 19.",
                },
                {
                    "passage_id": "pmc/PMC1#0",
                    "doc_id": "pmc/PMC1",
                    "domain": "neuroimaging",
                    "title": "Hippocampal atrophy in ageing",
                    "url": "javascript:alert(1)",
                    "source": "pmc",
                    "license": "CC BY",
                    "metadata": {"journal": "Neuroimage", "year": "2021", "doi": "10.1/x_y"},
                    "text": "We scanned 200 adults. Hippocampal volume loss tracks memory "
                    "decline over five years.",
                },
                {
                    "passage_id": "ct/NCT1#0",
                    "doc_id": "ct/NCT1",
                    "domain": "clinical",
                    "title": "Donepezil in MCI",
                    "url": "https://clinicaltrials.gov/study/NCT1",
                    "source": "ctgov",
                    "license": "public domain",
                    "text": "A trial of donepezil in mild cognitive impairment and dementia.",
                },
            ],
            "issues": [
                {
                    "agent": "neuroimaging",
                    "stage": "llm",
                    "message": "LLM gave no usable answer; extractive findings used",
                },
                {"agent": "clinical", "stage": "llm", "message": "timeout"},
                {"agent": "synthesis", "stage": "llm", "message": "template statement used"},
            ],
        },
    }


def passages(run: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["passage_id"]: p for p in run["provenance"]["retrieved"]}


def test_the_card_quotes_the_supporting_sentence_and_notes_its_own_issues() -> None:
    run = run_doc()
    c = cards.build(run, run["hypotheses"][0], passages(run))
    assert c.headline.startswith("APOE4 carriers") and c.original is None
    assert [q.sentence for q in c.quotes] == [
        "The APOE4 allele raises the risk of late-onset Alzheimer's disease.",
        "Hippocampal volume loss tracks memory decline over five years.",
    ]
    assert c.quotes[0].url == "https://www.ncbi.nlm.nih.gov/gene/348"
    assert c.quotes[1].url is None, "a javascript: link is not kept"
    # the number says what it is, its band, and how good the scorer is (shipped figures)
    assert c.band.label == "high" and "74%" in c.band.meaning
    assert c.meaning and "not an altered version" in c.meaning
    assert c.quality and "61.0% (n = 200" in c.quality and "BrainBench" in c.quality
    html_score = render.score_html(c)
    assert "high" in html_score and "not an altered version" in html_score
    assert "61.0% (n = 200" in html_score
    assert [o.outcome for o in c.outcomes] == ["beat", "lost to"]
    notes = {n["agent"] for n in c.notes}
    assert notes == {"neuroimaging", "synthesis"}, "the clinical agent's note is not this card's"
    html = render.card_html(c)
    assert "The <mark>APOE4</mark> allele" in html and "beat 1 of 2 alterations" in html
    assert "lost to “APOE4 → MAPT”" in html
    unscored = cards.build(run, run["hypotheses"][2], passages(run))
    assert unscored.band.label == "not scored" and "no variant" in render.card_html(unscored)


def test_an_edit_becomes_the_headline() -> None:
    run = run_doc()
    last = Decision(
        run_id="r1",
        hypothesis_id="H1",
        statement="s",
        scores=Scores(),
        decision="edit",
        edited_statement="APOE4 speeds hippocampal atrophy.",
        reviewer="ada",
    )
    c = cards.build(run, run["hypotheses"][0], passages(run), last)
    assert c.headline == "APOE4 speeds hippocampal atrophy."
    assert c.original and c.original.startswith("APOE4 carriers") and c.decision == "edit"
    assert "edited · ada" in render.card_html(c)


def test_corpus_and_llm_text_is_escaped_in_every_card_part() -> None:
    run = run_doc()
    bad = copy.deepcopy(run)
    bad["hypotheses"][0]["statement"] = f"APOE {ATTACK}"
    bad["findings"][0]["claim"] = ATTACK
    for p in bad["provenance"]["retrieved"]:
        p["text"] = f"APOE is here. {ATTACK}"
        p["title"] = ATTACK
        p["source"] = "<b>x</b>"
    bad["provenance"]["issues"][0]["message"] = ATTACK
    html = render.card_html(cards.build(bad, bad["hypotheses"][0], passages(bad)))
    assert "<img" not in html and "<b>x</b>" not in html
    assert 'href="javascript' not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    # in Markdown contexts nothing parses as an image, a link or HTML
    tokens = MarkdownIt("commonmark").parseInline(safe.md(ATTACK))[0].children or []
    assert {t.type for t in tokens} == {"text"}, [t.type for t in tokens]
    assert safe.url("https://ok.org/a?b=1") == "https://ok.org/a?b=1"
    for link in ("javascript:alert(1)", "data:text/html,x", "//evil", "http://a b", None):
        assert safe.url(link) is None


def test_structure_and_novelty_show_when_the_hypothesis_carries_them() -> None:
    run = run_doc()
    h = {
        **run["hypotheses"][0],
        "structure": [
            {
                "subject": "gene:APOE",
                "relation": "associated with",
                "object": "region:hippocampus",
                "passage_id": "refseq/APOE#0",
            },
            {"subject": "region:hippocampus", "relation": "tracks", "object": "memory decline"},
        ],
        "novelty": {"label": "bridged", "detail": "no passage names APOE with memory decline"},
    }
    c = cards.build(run, h, passages(run))
    assert [(e.subject, e.object) for e in c.structure] == [
        ("APOE", "hippocampus"),
        ("hippocampus", "memory decline"),
    ]
    html = render.card_html(c)
    assert "—associated with→" in html and "bridged" in html
    assert cards.build(run, run["hypotheses"][0], passages(run)).structure == []


def test_scores_read_from_the_nested_model_or_flat_fields() -> None:
    flat = hyp("H1", 0.6, ["a", "b"], 1, memorisation_flag=True, scorer="lexical")
    nested = {
        "id": "H1",
        "scores": {
            "plausibility": 0.6,
            "memorised": True,
            "model": "lexical",
            "counterfactuals": flat["counterfactuals"],
            "perplexity": 12.5,
        },
    }
    for h in (flat, nested):
        assert cards.score(h, "plausibility") == 0.6
        assert cards.score(h, "memorised") is True and cards.score(h, "model") == "lexical"
        assert [o.outcome for o in cards.counterfactual_outcomes(h)] == ["beat", "lost to"]


def test_the_work_list_sorts_filters_and_searches() -> None:
    run = run_doc()
    ps = passages(run)
    ids = lambda hs: [h["id"] for h in hs]  # noqa: E731
    assert ids(worklist.select(run)) == ["H1", "H2", "H3"]
    assert ids(worklist.select(run, sort="plausibility, low first")) == ["H2", "H1", "H3"]
    assert ids(worklist.select(run, sort="plausibility, high first")) == ["H1", "H2", "H3"]
    assert ids(worklist.select(run, sort="domains")) == ["H2", "H1", "H3"]
    assert worklist.pairs(run["hypotheses"]) == ["clinical + genetics", "genetics + neuroimaging"]
    assert ids(worklist.select(run, domain_pair="clinical + genetics")) == ["H2"]
    assert "dementia" in worklist.entities(run, run["hypotheses"])
    assert ids(worklist.select(run, entity="hippocampus")) == ["H1", "H3"]
    assert ids(worklist.select(run, unreviewed=True, reviewed={"H1"})) == ["H2", "H3"]
    assert ids(worklist.select(run, query="donepezil", passages=ps)) == ["H2"], "finding claim"
    assert ids(worklist.select(run, query="chromosome 19", passages=ps)) == ["H1", "H2", "H3"]
    assert ids(worklist.select(run, query="(H3)")) == ["H3"], "statement"
    assert ids(worklist.select(run, query="speeds", edits={"H2": "APOE speeds it"})) == ["H2"]
    assert worklist.NOVELTY_SORT not in worklist.sorts(run["hypotheses"])
    run["hypotheses"][2]["novelty"] = "bridged"
    run["hypotheses"][0]["novelty"] = "known"
    assert worklist.NOVELTY_SORT in worklist.sorts(run["hypotheses"])
    assert ids(worklist.select(run, sort=worklist.NOVELTY_SORT)) == ["H3", "H1", "H2"]


def decided(run: dict[str, Any]) -> list[Decision]:
    return [
        Decision(
            run_id="r1",
            hypothesis_id="H1",
            statement="s",
            scores=Scores(),
            decision="accept",
            note="solid *bridge*",
            reviewer="ada",
        ),
    ]


def test_the_report_parses_back_with_every_hypothesis_quote_and_link() -> None:
    run = run_doc()
    run["question"] = f"APOE {ATTACK}"
    md = export.report_md(run, decided(run), passages(run))
    tokens = MarkdownIt("commonmark").parse(md)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert len(headings) == 1 + len(run["hypotheses"])
    assert headings[1].startswith("1. APOE4 carriers")
    inline = [c for t in tokens if t.type == "inline" for c in (t.children or [])]
    assert not [c for c in inline if c.type in ("image", "html_inline")], "nothing injected"
    links = [c.attrs["href"] for c in inline if c.type == "link_open"]
    assert "https://www.ncbi.nlm.nih.gov/gene/348" in links
    assert not any(str(h).startswith("javascript") for h in links)
    quotes = [t for t in tokens if t.type == "blockquote_open"]
    assert len(quotes) == sum(len(h["passage_ids"]) for h in run["hypotheses"])
    text = MarkdownIt("commonmark").render(md)
    assert "APOE4 allele raises the risk" in text and "accept by ada" in text
    assert "Plausibility:</strong> 0.74 (high)" in text
    assert "not reviewed" in text


def test_bibtex_ris_and_csv_carry_every_cited_record() -> None:
    run = run_doc()
    lib = bibtexparser.parse_string(export.bibtex(run, passages(run)))
    assert not lib.failed_blocks
    by_id = {e.key: e for e in lib.entries}
    assert set(by_id) == {"refseq_APOE", "pmc_PMC1", "ct_NCT1"}
    pmc = by_id["pmc_PMC1"]
    assert pmc.entry_type == "article" and pmc.fields_dict["journal"].value == "Neuroimage"
    assert pmc.fields_dict["doi"].value == "10.1/x_y" and "url" not in pmc.fields_dict
    assert by_id["refseq_APOE"].fields_dict["url"].value == "https://www.ncbi.nlm.nih.gov/gene/348"
    entries = rispy.loads(export.ris(run, passages(run)))
    assert len(entries) == 3
    jour = next(e for e in entries if e["type_of_reference"] == "JOUR")
    assert jour["title"] == "Hippocampal atrophy in ageing" and jour["year"] == "2021"
    rows = list(csv.DictReader(io.StringIO(export.to_csv(run, decided(run), passages(run)))))
    assert rows[0]["passage_ids"] == "refseq/APOE#0;pmc/PMC1#0"
    assert rows[0]["urls"].split(";")[0] == "https://www.ncbi.nlm.nih.gov/gene/348"
    assert rows[0]["decision"] == "accept" and rows[1]["decision"] == ""


def record(wall: float, **t: float) -> dict[str, Any]:
    return {"provenance": {"wall_s": wall, "timings_s": t}}


def test_stage_progress_and_eta_from_measured_stage_times() -> None:
    past = [
        record(30, retrieve=2, llm=10, synthesis=4, scoring=6),
        record(40, retrieve=2, llm=10, synthesis=6, scoring=8, exchange=2, exchange_llm=4),
        record(34, retrieve=2, llm=10, synthesis=5, scoring=7),
        {"provenance": {}},  # an old record without times is skipped
    ]
    exp = progress.expected(past)
    assert exp is not None and exp.n == 3
    assert exp.seconds == {"agents": 20.0, "exchange": 0.0, "synthesis": 5.0, "scoring": 7.0}
    p = progress.progress(["plan", "agent"], started=100.0, now=110.0, exp=exp)
    assert p.stage == "agents" and p.eta_s == pytest.approx(22.0)
    p = progress.progress(["plan", "agent", "exchange", "synthesise"], 100.0, 127.0, exp)
    assert p.stage == "scoring" and p.eta_s == pytest.approx(5.0)
    late = progress.progress(["plan"], 100.0, 200.0, exp)
    assert late.eta_s == pytest.approx(12.0) and late.fraction < 1.0, "overdue: never negative"
    assert progress.progress(["plan"], 0.0, 5.0, None).eta_s is None, "no past run: no ETA"
    assert progress.progress(["rank"], 0.0, 5.0, exp).fraction == 1.0


def test_highlight_marks_whole_words_only_and_escapes() -> None:
    out = safe.highlight("APOE and APOE4 <b>; apoe-linked, APOER2", ["APOE"])
    assert out == (
        "<mark>APOE</mark> and <mark>APOE4</mark> &lt;b&gt;; <mark>apoe</mark>-linked, APOER2"
    )
    assert re.search(r"\\[!\[\]()]", safe.md("![a](b)"))


def test_the_first_run_announces_the_model_preparation(tmp_path: Any) -> None:
    from brainweave.settings import load_settings

    fresh = load_settings(scorer={"cache_dir": tmp_path / "cache"})
    note = progress.first_run_note(fresh)
    assert note and "dequantised once" in note and fresh.scorer.model in note
    assert progress.first_run_note(load_settings(profile="fast")) is None, "lexical: nothing"


def test_an_uncalibrated_scorers_number_is_shown_as_a_rank_not_a_band() -> None:
    """The fast profile's lexical scorer gives 1.00 with no calibration: the card says it is
    a ranking score, with no 'high' band or interval made up for it."""
    from brainweave.scoring.plausibility import rank_meaning

    run = run_doc()
    h = copy.deepcopy(run["hypotheses"][0])
    meaning = rank_meaning("lexical-overlap")
    h.pop("plausibility", None)
    h["scores"] = {"plausibility": 1.0, "band": None, "meaning": meaning, "model": "lexical"}
    c = cards.build(run, h, passages(run))
    assert c.band.label == "rank only" and c.meaning == meaning
    html = render.score_html(c)
    assert "rank only" in html and "bw-bar" not in html, html  # no bar reading as certainty
    assert ">high<" not in html and "interval" not in html
