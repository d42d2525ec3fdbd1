"""The review app's flows through ``streamlit.testing.v1.AppTest``: the fast profile
(fake LLM, lexical scorer) over small real indexes. Ask → hypotheses; accept → a
row in SQLite; edit + re-score → new scores stored; export; history; errors."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from brainweave.retrieval import build_indexes
from brainweave.settings import load_settings
from tests.conftest import DATA_DIR

APP = Path(__file__).resolve().parents[1] / "ui" / "app.py"
QUESTION = "How does memory decline relate to Alzheimer's disease?"


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("ui-index")
    s = load_settings(
        profile="fast", home=home, data_dir=DATA_DIR, index={"max_docs_per_source": 150}
    )
    build_indexes(s)
    return s.index_dir


@pytest.fixture
def home(tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh home per test (runs, reviews) sharing the module's indexes."""
    h = tmp_path / "app-home"
    monkeypatch.setenv("BRAINWEAVE_HOME", str(h))
    monkeypatch.setenv("BRAINWEAVE_PROFILE", "fast")
    monkeypatch.setenv("BRAINWEAVE_DATA_DIR", str(DATA_DIR))
    monkeypatch.setenv("BRAINWEAVE_INDEX__DIR", str(index_dir))
    return h


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[bytes, str | None]]]:
    """What the app hands to download buttons (AppTest keeps no downloadable files)."""
    got: list[tuple[bytes, str | None]] = []
    original = MemoryMediaFileStorage.load_and_get_id

    def spy(self: Any, path_or_data: Any, mimetype: str, kind: Any, filename: Any = None) -> str:
        data = path_or_data.encode() if isinstance(path_or_data, str) else path_or_data
        got.append((bytes(data), filename))
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", spy)
    yield got


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def asked(question: str = QUESTION) -> AppTest:
    """The app after one finished run with the fake LLM."""
    at = ok(AppTest.from_file(str(APP), default_timeout=60).run())
    at.text_input(key="reviewer").input("Ada")
    at.text_area(key="question").input(question)
    ok(at.button(key="ask_button").click().run())
    job = at.session_state["job"]
    assert any(s.label.startswith("Running") and s.state == "running" for s in at.status), (
        "live progress is shown while the run goes on"
    )
    job.thread.join(60)
    assert job.done, "the run finished"
    ok(at.run())
    assert not at.error, [e.value for e in at.error]
    return at


def hypothesis_keys(at: AppTest) -> list[str]:
    """'<run id>-<hypothesis id>' of every card, in rank order."""
    return [r.key.removeprefix("decision-") for r in at.radio if r.key.startswith("decision-")]


def rows(home: Path) -> list[dict[str, Any]]:
    conn = sqlite3.connect(home / "reviews.sqlite")
    conn.row_factory = sqlite3.Row
    return [dict(r) for r in conn.execute("SELECT * FROM decisions ORDER BY id")]


def test_ask_shows_ranked_hypotheses_evidence_and_progress(home: Path) -> None:
    at = asked()
    run_id = at.session_state["run_id"]
    record = json.loads((home / "runs" / run_id / "provenance.json").read_text())
    keys = hypothesis_keys(at)
    assert keys == [f"{run_id}-{h['id']}" for h in record["hypotheses"]], "every candidate"
    assert len(keys) >= 1
    text = " ".join(m.value for m in at.markdown)
    assert record["hypotheses"][0]["statement"] in text
    assert "plan: 3 agents will retrieve" in text, "the run's progress stays readable"
    assert "#### genetics" in text and "#### clinical" in text, "findings by domain"
    assert "](https://" in text, "passages link to their source records"
    graph = at.get("graphviz_chart")
    assert graph and "cluster_" in graph[0].proto.spec
    assert any(e.label.startswith("Counterfactuals: beat") for e in at.expander)


def test_accept_writes_a_row_at_once(home: Path) -> None:
    at = asked()
    key = hypothesis_keys(at)[0]
    at.radio(key=f"decision-{key}").set_value("accept")
    at.text_input(key=f"note-{key}").input("convincing bridge")
    ok(at.button(key=f"save-{key}").click().run())
    assert not at.error, [e.value for e in at.error]
    (row,) = rows(home)
    assert row["run_id"] == at.session_state["run_id"]
    assert key.endswith(row["hypothesis_id"])
    assert (row["decision"], row["reviewer"], row["note"]) == ("accept", "Ada", "convincing bridge")
    scores = json.loads(row["scores"])
    assert 0.0 <= scores["plausibility"] <= 1.0 and scores["perplexity"] > 0
    assert any("accept" in s.value and "Ada" in s.value for s in at.success)


def test_edit_rescores_and_stores_the_new_scores(home: Path) -> None:
    at = asked()
    key = hypothesis_keys(at)[0]
    original = at.text_area(key=f"edited-{key}").value
    edited = "Alzheimer's disease is unrelated to memory decline in trials."
    at.text_area(key=f"edited-{key}").input(edited)
    ok(at.button(key=f"rescore-{key}").click().run())
    assert any(edited in i.value and "plausibility" in i.value for i in at.info), "preview"
    at.radio(key=f"decision-{key}").set_value("edit")
    ok(at.button(key=f"save-{key}").click().run())
    assert not at.error, [e.value for e in at.error]
    (row,) = rows(home)
    assert row["decision"] == "edit" and row["statement"] == original
    assert row["edited_statement"] == edited
    new, old = json.loads(row["edited_scores"]), json.loads(row["scores"])
    assert new["model"] == "lexical-overlap" and new["perplexity"] > 0
    assert new["perplexity"] != old["perplexity"], "the edit was scored on its own"
    assert any("Edited to" in w.value for w in at.warning)


def test_save_without_reviewer_or_choice_says_what_to_do(home: Path) -> None:
    at = asked()
    key = hypothesis_keys(at)[0]
    at.text_input(key="reviewer").input("")
    at.radio(key=f"decision-{key}").set_value("reject")
    ok(at.button(key=f"save-{key}").click().run())
    assert any("who is reviewing" in e.value for e in at.error)
    assert any("sidebar" in i.value for i in at.info)
    assert not (home / "reviews.sqlite").exists() or rows(home) == []


def test_history_lists_the_run_and_exports_its_decisions(
    home: Path, downloads: list[tuple[bytes, str | None]]
) -> None:
    at = asked()
    run_id = at.session_state["run_id"]
    key = hypothesis_keys(at)[0]
    at.radio(key=f"decision-{key}").set_value("reject")
    at.text_input(key=f"note-{key}").input("circular")
    ok(at.button(key=f"save-{key}").click().run())
    downloads.clear()
    ok(at.radio(key="section").set_value("History").run())
    assert at.selectbox(key="history_run").value == run_id
    runs_table = at.dataframe[0].value
    assert run_id in list(runs_table["run"]) and QUESTION in list(runs_table["question"])
    files = {name: data for data, name in downloads}
    exported = list(csv.DictReader(io.StringIO(files[f"brainweave-{run_id}.csv"].decode())))
    mine = [r for r in exported if key.endswith(r["hypothesis_id"])]
    assert mine[0]["decision"] == "reject" and mine[0]["note"] == "circular"
    doc = json.loads(files[f"brainweave-{run_id}.json"])
    assert doc["decisions"][0]["decision"] == "reject" and doc["decisions"][0]["reviewer"] == "Ada"
    assert any(m.label.startswith("AUC") for m in at.metric)
    # open it again for review from the history
    ok(at.button(key="open_run").click().run())
    assert at.radio(key="section").value == "Ask & review"
    assert hypothesis_keys(at)[0] == key


def test_missing_index_is_a_message_with_the_build_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRAINWEAVE_HOME", str(tmp_path / "empty"))
    monkeypatch.setenv("BRAINWEAVE_PROFILE", "fast")
    at = ok(AppTest.from_file(str(APP), default_timeout=60).run())
    at.text_area(key="question").input(QUESTION)
    ok(at.button(key="ask_button").click().run())
    if "job" in at.session_state:  # an error this quick may already have been collected
        at.session_state["job"].thread.join(60)
    ok(at.run())
    assert any("no index is usable" in e.value for e in at.error)
    assert any("brainweave index build" in i.value for i in at.info)


def test_brainbench_page_shows_the_kept_result_or_the_command(home: Path) -> None:
    at = ok(AppTest.from_file(str(APP), default_timeout=30).run())
    ok(at.radio(key="section").set_value("BrainBench").run())
    model = at.selectbox(key="bench_model").value
    assert any("brainweave bench brainbench" in c.value for c in at.code)
    bench = home / "bench"
    bench.mkdir(parents=True)
    (bench / f"{model}.json").write_text(
        json.dumps(
            {
                "model": model,
                "n": 200,
                "accuracy": 0.61,
                "ties": 1,
                "per_section": {"Neuroscience of disease": 0.6},
                "items": [],
            }
        )
    )
    ok(at.run())
    assert any(m.value == "61.0%" for m in at.metric)
