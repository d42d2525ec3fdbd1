"""Sweeps end to end on real (small) indexes with the fast profile: results, resume,
failed runs, a changed spec, local worker processes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import brainweave
from brainweave.sweeps.runner import load_results
from tests.sweep_fixtures import QUESTIONS, assert_same, build_fast_home, spec_dict


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_fast_home(tmp_path_factory.mktemp("sweeprun") / "home")


@pytest.fixture(scope="module")
def serial(home: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    out = tmp_path_factory.mktemp("serial") / "out"
    return out, brainweave.sweep(spec_dict(home), out=out, progress=False)


def lines(out: Path, name: str = "runs.jsonl") -> list[dict[str, Any]]:
    raw = (out / name).read_bytes()
    assert not raw or raw.endswith(b"\n")
    return [json.loads(x) for x in raw.splitlines()]


def test_results_table_files_and_summary(serial: tuple[Path, pd.DataFrame]) -> None:
    out, hyps = serial
    runs = hyps.attrs["runs"]
    assert len(runs) == len(QUESTIONS) * 2 and set(runs["status"]) == {"ok"}
    assert len(hyps) == runs["n_hypotheses"].sum() > 0
    assert {"run_id", "question", "setting", "plausibility", "domains", "memorised"} <= set(
        hyps.columns
    )
    assert hyps["plausibility"].between(0, 1).all()
    assert all(len(d) >= 2 for d in hyps["domains"])
    recs = lines(out)
    assert sorted(r["run_id"] for r in recs) == sorted(runs["run_id"])
    for r in recs:  # the ask JSON plus status and setting
        assert {"findings", "messages", "hypotheses", "provenance", "status", "setting"} <= set(r)
        assert r["status"] == "ok" and r["provenance"]["settings"]["profile"] == "fast"
        assert (out / "provenance" / f"{r['run_id']}.json").is_file()
    table = load_results(out)
    assert len(table) == len(hyps)
    assert sorted(table["hypothesis_id"] + table["run_id"]) == sorted(
        hyps["hypothesis_id"] + hyps["run_id"]
    )
    summ = json.loads((out / "summary.json").read_text())
    assert summ["done"] == len(runs) and summ["failed"] == 0
    assert [q["question"] for q in summ["per_question"]] == QUESTIONS
    assert {s["setting"] for s in summ["per_setting"]} == set(runs["setting"])
    assert summ["domain_pairs"], "the fast profile gives accepted-looking cross-domain hypotheses"
    assert (out / "plausibility.png").read_bytes()[:4] == b"\x89PNG"
    assert "Domain pairs" in (out / "summary.md").read_text()


def test_rerun_skips_completed_runs(home: Path, serial: tuple[Path, pd.DataFrame]) -> None:
    out, hyps = serial
    before = (out / "runs.jsonl").read_bytes()
    again = brainweave.sweep(spec_dict(home), out=out, progress=False)
    assert (out / "runs.jsonl").read_bytes() == before
    assert len(again) == len(hyps)


def test_failed_runs_are_recorded_and_retried(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import brainweave.graphs.run as graph_run

    real_ask = graph_run.ask

    def flaky(question: str, **kw: Any) -> Any:
        if question == QUESTIONS[1]:
            raise RuntimeError("the LLM server went away")
        return real_ask(question, **kw)

    out = tmp_path / "out"
    monkeypatch.setattr(graph_run, "ask", flaky)
    first = brainweave.sweep(spec_dict(home), out=out, progress=False)
    runs = first.attrs["runs"]
    failed = runs[runs["status"] == "failed"]
    assert len(failed) == 2 and set(failed["question"]) == {QUESTIONS[1]}
    assert failed["error"].str.contains("the LLM server went away").all()
    assert (runs["status"] == "ok").sum() == 4, "the sweep went on after the failures"
    assert len(lines(out)) == 4 and len(lines(out, "failures.jsonl")) == 2
    assert first.attrs["summary"]["failed"] == 2

    monkeypatch.setattr(graph_run, "ask", real_ask)
    second = brainweave.sweep(spec_dict(home), out=out, progress=False)
    assert set(second.attrs["runs"]["status"]) == {"ok"}
    ids = [r["run_id"] for r in lines(out)]
    assert len(ids) == len(set(ids)) == 6
    assert len(lines(out, "failures.jsonl")) == 2  # history of the first attempts


def test_a_changed_spec_keeps_old_runs_and_runs_new_pairs(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    a = brainweave.sweep(spec_dict(home, rounds=[0]), out=out, progress=False)
    b = brainweave.sweep(spec_dict(home, rounds=[0, 1]), out=out, progress=False)
    assert set(a.attrs["runs"]["run_id"]) < set(b.attrs["runs"]["run_id"])
    ids = [r["run_id"] for r in lines(out)]
    assert len(ids) == len(set(ids)) == 6
    c = brainweave.sweep(spec_dict(home, rounds=[1]), out=out, progress=False)
    assert len(c.attrs["runs"]) == 3 and len(lines(out)) == 6  # old runs kept, none redone


def test_worker_processes_give_the_same_results(
    home: Path, tmp_path: Path, serial: tuple[Path, pd.DataFrame]
) -> None:
    _, hyps = serial
    par = brainweave.sweep(spec_dict(home), out=tmp_path / "out", workers=2, progress=False)
    assert_same(hyps, par)
    workers = {r["worker"] for r in lines(tmp_path / "out")}
    assert len(workers) >= 1 and all(":" in w for w in workers)
