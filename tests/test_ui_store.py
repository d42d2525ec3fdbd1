"""The review app's UI-free parts: the decisions store (WAL, append-only, concurrent
writers), export, the agreement statistic, run views and BrainBench result files."""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from brainweave.agents.models import Finding, Message, Scores
from brainweave.errors import BrainweaveError
from brainweave.ui import export, runs
from brainweave.ui.agreement import agreement, auc
from brainweave.ui.bench import latest_for, list_results, paths_for, slug
from brainweave.ui.jobs import RunJob, describe
from brainweave.ui.store import Decision, ReviewStore, known_runs, make_decision, scores_of

HYP: dict[str, Any] = {
    "id": "H1",
    "statement": "APOE4 carriers show increased hippocampal atrophy.",
    "finding_ids": ["genetics:r0:1", "neuroimaging:r0:1"],
    "passage_ids": ["refseq/APOE#0", "pmc/PMC1#0"],
    "domains": ["genetics", "neuroimaging"],
    "bridge": ["gene:APOE"],
    "plausibility": 0.8,
    "p_vs_all": 0.6,
    "perplexity": 12.5,
    "counterfactuals": [
        {
            "text": "decreased",
            "perplexity": 20.0,
            "kind": "edit",
            "original": "increased",
            "altered": "decreased",
        },
        {
            "text": "x",
            "perplexity": 10.0,
            "kind": "entity:gene",
            "original": "APOE4",
            "altered": "MAPT",
        },
    ],
    "memorisation_flag": False,
    "rank": 1,
}
RUN: dict[str, Any] = {
    "run_id": "r1",
    "question": "APOE and atrophy?",
    "findings": [
        {
            "id": "genetics:r0:1",
            "domain": "genetics",
            "claim": "APOE4 raises risk.",
            "passage_ids": ["refseq/APOE#0"],
            "agent": "genetics",
        },
        {
            "id": "neuroimaging:r0:1",
            "domain": "neuroimaging",
            "claim": 'Atrophy "quoted".',
            "passage_ids": ["pmc/PMC1#0"],
            "agent": "neuroimaging",
        },
        {
            "id": "clinical:r0:1",
            "domain": "clinical",
            "claim": "Uncited.",
            "passage_ids": ["c#0"],
            "agent": "clinical",
        },
    ],
    "messages": [],
    "hypotheses": [HYP, {**HYP, "id": "H2", "statement": "Other.", "plausibility": 0.3, "rank": 2}],
    "provenance": {
        "retrieved": [
            {
                "passage_id": "refseq/APOE#0",
                "title": "APOE",
                "url": "https://www.ncbi.nlm.nih.gov/gene/348",
            }
        ]
    },
}


def write_run(home: Path, run: dict[str, Any] = RUN) -> Path:
    """The run's record where the store looks for it (HOME/runs/<id>/provenance.json)."""
    rec = home / "runs" / run["run_id"] / "provenance.json"
    rec.parent.mkdir(parents=True, exist_ok=True)
    rec.write_text(json.dumps(run))
    return rec


@pytest.fixture
def store(tmp_path: Path) -> ReviewStore:
    """A review store in a home that holds the run RUN."""
    write_run(tmp_path)
    return ReviewStore(tmp_path / "reviews.sqlite")


def decision(kind: str = "accept", hid: str = "H1", who: str = "ada", **kw: Any) -> Decision:
    return Decision(
        run_id="r1",
        hypothesis_id=hid,
        statement="s",
        scores=scores_of(HYP),
        decision=kind,  # type: ignore[arg-type]
        reviewer=who,
        **kw,
    )


def test_store_is_wal_append_only_and_latest_wins(tmp_path: Path, store: ReviewStore) -> None:
    first = store.record(decision("accept", note="fine"))
    second = store.record(
        decision(
            "edit",
            edited_statement="APOE4 carriers show hippocampal atrophy.",
            edited_scores=Scores(plausibility=0.7, perplexity=13.0),
        )
    )
    assert first.id is not None and second.id == first.id + 1
    mode = sqlite3.connect(tmp_path / "reviews.sqlite").execute("PRAGMA journal_mode").fetchone()
    assert mode[0] == "wal"
    hist = store.history("r1")
    assert [d.decision for d in hist] == ["accept", "edit"], "the history keeps both"
    latest = store.latest("r1")[("r1", "H1")]
    assert latest.decision == "edit" and latest.edited_scores is not None
    assert latest.edited_scores.plausibility == 0.7
    assert latest.scores.counterfactuals[0].original == "increased"
    assert store.counts() == {"r1": 2}


def test_an_edit_needs_its_new_statement(store: ReviewStore) -> None:
    with pytest.raises(BrainweaveError, match="edited statement"):
        store.record(decision("edit"))
    assert store.history() == []


def _write_many(path: str, who: str, n: int) -> None:
    store = ReviewStore(Path(path))
    for i in range(n):
        store.record(decision("accept" if i % 2 else "reject", hid=f"H{i}", who=who))


def test_two_processes_and_threads_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    path = str(tmp_path / "reviews.sqlite")
    n = 40
    many = [{**HYP, "id": f"H{i}"} for i in range(n)]
    write_run(tmp_path, {**RUN, "hypotheses": many})
    ReviewStore(Path(path))
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_write_many, args=(path, f"proc{i}", n)) for i in range(2)]
    threads = [threading.Thread(target=_write_many, args=(path, f"thread{i}", n)) for i in range(2)]
    for w in (*procs, *threads):
        w.start()
    for t in threads:
        t.join(60)
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    hist = ReviewStore(Path(path)).history()
    assert len(hist) == 4 * n
    for who in ("proc0", "proc1", "thread0", "thread1"):
        assert sorted(d.hypothesis_id for d in hist if d.reviewer == who) == sorted(
            f"H{i}" for i in range(n)
        )
    assert len({d.id for d in hist}) == 4 * n


def test_export_csv_and_json_carry_the_latest_decision(store: ReviewStore) -> None:
    store.record(decision("reject", note="first thought"))
    store.record(decision("accept", note="on reflection"))
    hist = store.history("r1")
    rows = list(csv.DictReader(io.StringIO(export.to_csv(RUN, hist))))
    assert [r["hypothesis_id"] for r in rows] == ["H1", "H2"]
    assert rows[0]["decision"] == "accept" and rows[0]["note"] == "on reflection"
    assert rows[0]["decisions_total"] == "2" and rows[1]["decision"] == ""
    doc = json.loads(export.to_json(RUN, hist))
    assert [d["decision"] for d in doc["decisions"]] == ["reject", "accept"]
    assert doc["latest"][0]["reviewer"] == "ada"
    assert doc["hypotheses"][0]["counterfactuals"], "scores travel with the export"


def test_agreement_auc_and_means() -> None:
    assert auc([0.9, 0.8], [0.1]) == 1.0
    assert auc([0.5], [0.5]) == 0.5
    assert auc([0.2], [0.9, 0.1]) == 0.5
    assert auc([], [0.3]) is None
    ds = [
        decision("accept", hid="a").model_copy(update={"scores": Scores(plausibility=0.9)}),
        decision("edit", hid="b").model_copy(update={"scores": Scores(plausibility=0.6)}),
        decision("reject", hid="c").model_copy(update={"scores": Scores(plausibility=0.7)}),
        decision("reject", hid="d").model_copy(update={"scores": Scores()}),  # unscored
    ]
    a = agreement(ds)
    assert (a.n, a.kept, a.rejected) == (3, 2, 1)
    assert a.auc == 0.5 and a.mean_kept == pytest.approx(0.75) and a.mean_rejected == 0.7


def test_hypothesis_graph_is_valid_dot_by_domain() -> None:
    dot = runs.hypothesis_graph(RUN)
    assert dot.startswith("digraph") and dot.rstrip().endswith("}")
    assert '"cluster_genetics"' in dot and '"cluster_neuroimaging"' in dot
    assert "cluster_clinical" not in dot, "uncited findings stay out of the picture"
    assert '"h:H1" -> "e:APOE"' in dot and '"e:APOE" -> "f:genetics:r0:1"' in dot
    assert '"h:H1" -> "f:neuroimaging:r0:1"' in dot, "no bridge named there: linked directly"
    assert 'URL="https://www.ncbi.nlm.nih.gov/gene/348"' in dot, "a finding opens its source"
    assert '\\"quoted\\"' in dot, "quotes are escaped"
    assert list(runs.findings_by_domain(RUN)) == ["genetics", "neuroimaging", "clinical"]


def test_counterfactual_outcomes_lower_perplexity_wins() -> None:
    out = runs.counterfactual_outcomes(HYP)
    assert [o["outcome"] for o in out] == ["beat", "lost to"]
    assert out[0]["change"] == "increased → decreased"


def test_runs_are_listed_newest_first_and_missing_ones_say_so(tmp_path: Path) -> None:
    for rid, started in (("a", "2026-01-01"), ("b", "2026-02-01")):
        d = tmp_path / "runs" / rid
        d.mkdir(parents=True)
        doc = {**RUN, "run_id": rid, "provenance": {"started_at": started}}
        (d / "provenance.json").write_text(json.dumps(doc))
    (tmp_path / "runs" / "broken").mkdir()
    (tmp_path / "runs" / "broken" / "provenance.json").write_text("{")
    assert [r.run_id for r in runs.list_runs(tmp_path)] == ["b", "a"]
    assert runs.load_run(tmp_path, "a")["question"] == RUN["question"]
    with pytest.raises(BrainweaveError, match="no record of run"):
        runs.load_run(tmp_path, "nope")


def test_bench_results_are_found_per_model(tmp_path: Path) -> None:
    assert list_results(tmp_path) == [] and latest_for(tmp_path, "gemma3-270m") is None
    js, png = paths_for(tmp_path, "HuggingFaceTB/SmolLM2-135M")
    assert js.name == "HuggingFaceTB_SmolLM2-135M.json" and png.suffix == ".png"
    js.parent.mkdir(parents=True)
    js.write_text(
        json.dumps(
            {
                "model": "HuggingFaceTB/SmolLM2-135M",
                "n": 200,
                "accuracy": 0.61,
                "ties": 0,
                "per_section": {},
                "items": [],
            }
        )
    )
    (js.parent / "junk.json").write_text("[]")
    rec = latest_for(tmp_path, "HuggingFaceTB/SmolLM2-135M")
    assert rec is not None and rec.accuracy == 0.61 and rec.png_path is None
    assert slug("/a b/c.gguf") == "a_b_c.gguf"


def test_progress_lines_and_background_job() -> None:
    ev = describe(
        "agent",
        {
            "findings": [
                Finding(
                    id="genetics:r0:1",
                    agent="genetics",
                    domain="genetics",
                    claim="APOE",
                    passage_ids=["p"],
                )
            ],
            "passages": {"p": {}},
            "issues": [],
        },
    )
    assert ev.text == "genetics (round 0): retrieved 1 passages, 1 findings"
    assert describe(
        "exchange",
        {"messages": [Message(sender="a", recipient="b", findings=["x"], query="q")]},
    ).details

    def run(on_update: Any) -> str:
        on_update("plan", {"agents": ["genetics"]})
        return "done"

    job = RunJob("q", run).start()
    job.thread.join(10)
    assert job.done and job.result == "done" and job.error is None
    assert [e.node for e in job.snapshot()] == ["plan"]

    def fail(on_update: Any) -> None:
        raise RuntimeError("boom")

    bad = RunJob("q", fail).start()
    bad.thread.join(10)
    assert bad.error is not None and "RuntimeError: boom" in bad.error.message


# ----- issue 16, item 7: the store accepts only decisions it can stand behind ----------


def test_store_refuses_unknown_runs_bad_probabilities_and_blank_text(
    tmp_path: Path, store: ReviewStore
) -> None:
    with pytest.raises(BrainweaveError, match="no run 'nope'") as err:
        store.record(decision().model_copy(update={"run_id": "nope"}))
    assert "History" in (err.value.hint or "")
    with pytest.raises(BrainweaveError, match="no run"):
        store.record(decision().model_copy(update={"run_id": "../r1"}))
    with pytest.raises(BrainweaveError, match="no hypothesis 'H9'"):
        store.record(decision(hid="H9"))
    fields = {
        "run_id": "r1",
        "hypothesis_id": "H1",
        "statement": "s",
        "decision": "accept",
        "reviewer": "ada",
    }
    for bad, where in (
        ({"scores": {"plausibility": 5.0}}, "scores.plausibility"),
        ({"scores": {"p_vs_all": -0.1}}, "scores.p_vs_all"),
        ({"scores": {}, "reviewer": "   "}, "reviewer"),
        ({"scores": {}, "statement": ""}, "statement"),
        ({"scores": {}, "run_id": " "}, "run_id"),
    ):
        with pytest.raises(BrainweaveError, match=where):
            make_decision(**{**fields, **bad})
    assert store.history() == [], "nothing was written"
    ok = store.record(make_decision(**fields, scores={"plausibility": 1.0}, note=" "))
    assert ok.id == 1 and store.history()[0].reviewer == "ada"


def test_agreement_skips_decisions_on_unknown_runs_and_rows_written_before_checks(
    tmp_path: Path, store: ReviewStore
) -> None:
    for hid, kind, p in (("H1", "accept", 0.8), ("H2", "reject", 0.3)):
        store.record(decision(kind, hid=hid).model_copy(update={"scores": Scores(plausibility=p)}))
    # what an older app let in: a run that does not exist, a plausibility of 5
    conn = sqlite3.connect(tmp_path / "reviews.sqlite")
    for run_id, scores in (("ghost", '{"plausibility": 0.0}'), ("r1", '{"plausibility": 5.0}')):
        conn.execute(
            "INSERT INTO decisions (run_id, hypothesis_id, statement, scores, decision, note, "
            "reviewer, created_at) VALUES (?, 'H1', 's', ?, 'accept', '', 'x', '2026-01-01')",
            (run_id, scores),
        )
    conn.commit()
    conn.close()
    hist = store.history()
    assert [d.run_id for d in hist] == ["r1", "r1", "ghost"], "the bad row is skipped, not fatal"
    a = agreement(store.latest().values(), known_runs(tmp_path / "runs"))
    assert (a.n, a.kept, a.rejected, a.skipped) == (2, 1, 1, 1)
    assert a.auc == 1.0, "the ghost run's accepted 0.0 would have made it 0.5"
    assert agreement(store.latest().values()).auc == 0.5, "counted without the check"


def test_agreement_has_an_interval_and_a_caveat_below_the_minimum() -> None:
    def ds(kept: list[float], rejected: list[float]) -> list[Decision]:
        out = []
        for i, p in enumerate(kept + rejected):
            kind = "accept" if i < len(kept) else "reject"
            d = decision(kind, hid=f"h{i}").model_copy(update={"scores": Scores(plausibility=p)})
            out.append(d)
        return out

    few = agreement(ds([0.9, 0.7], [0.2]))
    assert few.auc == 1.0 and few.ci is not None and few.caveat and "only 3 decisions" in few.caveat
    kept = [0.5 + 0.4 * ((i * 37) % 17) / 17 for i in range(30)]
    rejected = [0.3 + 0.4 * ((i * 23) % 13) / 13 for i in range(30)]
    many = agreement(ds(kept, rejected))
    assert many.caveat is None and many.ci is not None and many.auc is not None
    lo, hi = many.ci
    assert lo < many.auc < hi and 0.05 < hi - lo < 0.5, "a real interval around the AUC"
    assert agreement(ds(kept, rejected)).ci == many.ci, "the same interval on every rerun"
    assert agreement(ds([0.9], [])).caveat.startswith("no AUC")  # type: ignore[union-attr]


def test_bench_interval_and_command_with_an_absolute_path(tmp_path: Path) -> None:
    from brainweave.ui.bench import command, wilson

    lo, hi = wilson(122, 200)  # type: ignore[misc]
    assert lo == pytest.approx(0.541, abs=0.002) and hi == pytest.approx(0.675, abs=0.002)
    lo20, hi20 = wilson(12, 20)  # type: ignore[misc]
    assert hi20 - lo20 > 2 * (hi - lo), "20 items: a much wider interval"
    cmd = command(Path("data"), "gemma3-270m")
    cases = cmd.split("--testcases ")[1].split(" ")[0]
    assert Path(cases).is_absolute() and cases.endswith("BrainBench_Human_v0.1.csv")
