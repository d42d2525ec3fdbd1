"""The review app's flows through ``streamlit.testing.v1.AppTest``: the fast profile
(fake LLM, lexical scorer) over small real indexes. Ask → hypotheses; accept → a
row in SQLite; edit + re-score → new scores stored; export; history; errors."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
import threading
from collections.abc import Iterator
from html import unescape as html_unescape
from pathlib import Path
from typing import Any

import pytest
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
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


def plain(text: str) -> str:
    """Markdown the app escaped, read back as the characters a reader sees."""
    return re.sub(r"\\(.)", r"\1", text)


def html(at: AppTest) -> str:
    """Every st.html body on the page (the cards, the evidence)."""
    return " ".join(e.proto.body for e in at.get("html"))


def html_text(at: AppTest) -> str:
    """The text a reader sees in the st.html parts (tags dropped, entities decoded)."""
    return html_unescape(re.sub(r"<[^>]+>", "", html(at)))


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
    text = plain(" ".join(m.value for m in at.markdown))
    cards = html(at)
    assert record["hypotheses"][0]["statement"] in html_text(at), "the headline"
    assert "plan: 3 agents will retrieve" in text, "the run's progress stays readable"
    assert "#### genetics" in text and "#### clinical" in text, "findings by domain"
    assert 'href="https://' in cards, "passages link to their source records"
    assert "bw-quote" in cards and "plausibility" in cards
    graph = next(
        e.proto
        for e in at.get("vega_lite_chart")
        if any(p.get("name") == "node" for p in json.loads(e.proto.spec).get("params", []))
    )
    nodes = next(d for d in graph.datasets if d.name == "nodes")  # sent as Arrow
    kinds = set(convert_arrow_bytes_to_pandas_df(nodes.data.data)["kind"])
    assert kinds == {"hypothesis", "bridge entity", "passage"}, "the evidence graph's nodes"
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
    assert any(edited in plain(i.value) and "plausibility" in i.value for i in at.info), "preview"
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
    cases = at.code[0].value.split("--testcases ")[1].split()[0]
    assert Path(cases).is_absolute(), "the command runs from any directory"
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
    assert any(m.label == "95% interval" and "54.1%" in m.value for m in at.metric)


def card_order(at: AppTest) -> list[str]:
    """Hypothesis ids of the cards shown, top to bottom."""
    return [k.split("-", 3)[-1] for k in hypothesis_keys(at)]


def test_cards_sort_filter_and_search(home: Path) -> None:
    at = asked()
    run_id = at.session_state["run_id"]
    record = json.loads((home / "runs" / run_id / "provenance.json").read_text())
    hyps = record["hypotheses"]
    assert len(hyps) >= 2, "the question gives more than one hypothesis to order"

    def p(h: dict[str, Any]) -> float:
        v = (h.get("scores") or h).get("plausibility")
        return -1.0 if v is None else float(v)

    assert card_order(at) == [h["id"] for h in hyps], "rank order by default"
    ok(at.selectbox(key="wl_sort").select("plausibility, low first").run())
    scored = [h for h in hyps if p(h) >= 0]
    low_first = [h["id"] for h in sorted(scored, key=p)]
    assert card_order(at)[: len(low_first)] == low_first
    ok(at.selectbox(key="wl_sort").select("rank").run())
    # a word only one statement has
    words = {h["id"]: set(re.findall(r"[a-z]{5,}", h["statement"].lower())) for h in hyps}
    first = hyps[0]["id"]
    unique = sorted(words[first] - set().union(*(w for k, w in words.items() if k != first)))
    if unique:
        ok(at.text_input(key="wl_query").input(unique[0]).run())
        assert first in card_order(at)
    ok(at.text_input(key="wl_query").input("zzqx-nothing-matches").run())
    assert card_order(at) == [] and any("No hypothesis matches" in i.value for i in at.info)
    ok(at.text_input(key="wl_query").input("").run())
    # review the first, then hide the reviewed ones
    key = hypothesis_keys(at)[0]
    at.radio(key=f"decision-{key}").set_value("accept")
    ok(at.button(key=f"save-{key}").click().run())
    assert at.radio(key=f"decision-{key}").value == "accept", "the control shows the saved choice"
    ok(at.toggle(key="wl_unreviewed").set_value(True).run())
    assert first not in card_order(at) and len(card_order(at)) == len(hyps) - 1
    ok(at.toggle(key="wl_unreviewed").set_value(False).run())
    pairs = sorted({" + ".join(sorted(h["domains"])) for h in hyps})
    ok(at.selectbox(key="wl_pair").select(pairs[0]).run())
    want = [h["id"] for h in hyps if " + ".join(sorted(h["domains"])) == pairs[0]]
    assert card_order(at) == want


def test_a_run_has_a_url_and_a_new_session_opens_it_with_the_reviewer(home: Path) -> None:
    at = asked()
    run_id = at.session_state["run_id"]
    assert at.query_params["run"] == [run_id] or at.query_params["run"] == run_id
    key = hypothesis_keys(at)[0]
    at.radio(key=f"decision-{key}").set_value("reject")
    ok(at.button(key=f"save-{key}").click().run())
    # a reload: a new session with only the URL (no reviewer in it) and the home
    again = AppTest.from_file(str(APP), default_timeout=60)
    again.query_params["run"] = run_id
    ok(again.run())
    assert hypothesis_keys(again) == hypothesis_keys(at), "the same run opens"
    assert again.text_input(key="reviewer").value == "Ada", "the reviewer is remembered"
    assert again.radio(key=f"decision-{key}").value == "reject", "and the saved decision shown"
    assert "rejected · Ada" in html(again)
    # a second run's record, so the History deep link has a choice to keep
    other = home / "runs" / "20000101-000000-aaaaaa"
    other.mkdir(parents=True)
    doc = json.loads((home / "runs" / run_id / "provenance.json").read_text())
    doc["run_id"], doc["provenance"]["started_at"] = other.name, "2000-01-01T00:00:00+00:00"
    (other / "provenance.json").write_text(json.dumps(doc))
    hist = AppTest.from_file(str(APP), default_timeout=60)
    hist.query_params["page"] = "history"
    hist.query_params["run"] = other.name
    ok(hist.run())
    assert hist.radio(key="section").value == "History"
    assert hist.selectbox(key="history_run").value == other.name, "not the newest: the URL's"


def test_a_reload_mid_run_shows_its_progress_and_starts_no_second_run(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from brainweave.graphs import run as run_mod
    from brainweave.ui import jobs

    gate = threading.Event()
    original = run_mod.ask
    calls: list[str] = []

    def held(*args: Any, **kwargs: Any) -> Any:  # the real run, held until the test lets go
        calls.append(kwargs.get("run_id") or "")
        gate.wait(60)
        return original(*args, **kwargs)

    monkeypatch.setattr(run_mod, "ask", held)
    at = ok(AppTest.from_file(str(APP), default_timeout=60).run())
    at.text_area(key="question").input(QUESTION)
    ok(at.button(key="ask_button").click().run())
    job = at.session_state["job"]
    try:
        assert not job.done
        url_run = at.query_params["run"]
        url_run = url_run[0] if isinstance(url_run, list) else url_run
        assert url_run == job.run_id
        reload = AppTest.from_file(str(APP), default_timeout=60)
        reload.query_params["run"] = url_run
        ok(reload.run())
        assert any(s.label.startswith("Running") for s in reload.status), "progress again"
        assert reload.button(key="ask_button").disabled, "no second run by accident"
        assert any("loading models and indexes" in b.proto.text for b in reload.get("progress"))
        # a tab without the run in its URL finds the running job of this home too
        other = ok(AppTest.from_file(str(APP), default_timeout=60).run())
        assert other.button(key="ask_button").disabled
    finally:
        gate.set()
        job.thread.join(60)
    assert jobs.running(str(home)) is None and len(calls) == 1
    ok(reload.run())
    assert hypothesis_keys(reload) and all(
        k.startswith(job.run_id) for k in hypothesis_keys(reload)
    )


ATTACK_IMG = "![x](http://127.0.0.1:9/track.png)"


def poison(record: Path, payload: str) -> dict[str, Any]:
    """Put ``payload`` into every text of a run's record a corpus or an LLM controls."""
    doc = json.loads(record.read_text())
    doc["question"] += f" {payload}"
    for h in doc["hypotheses"]:
        h["statement"] += f" {payload}"
    for f in doc["findings"]:
        f["claim"] += f" {payload}"
    for p in doc["provenance"]["retrieved"]:
        p["title"] = f"{p.get('title')} {payload}"
        p["text"] = f"{payload} A passage sentence. {payload}"
    doc["provenance"]["issues"] = [{"agent": "genetics", "stage": "llm", "message": payload}]
    doc["provenance"]["queries"] = {"genetics": [payload]}
    record.write_text(json.dumps(doc))
    return doc


def test_corpus_and_llm_text_is_never_rendered_as_markdown(home: Path) -> None:
    from markdown_it import MarkdownIt

    at = asked()
    run_id = at.session_state["run_id"]
    poison(home / "runs" / run_id / "provenance.json", ATTACK_IMG)
    again = AppTest.from_file(str(APP), default_timeout=60)
    again.session_state["run_id"] = run_id  # the run open in a session (deep links: above)
    ok(again.run())
    md = MarkdownIt("commonmark")
    bodies = [m.value for m in again.markdown] + [e.value for e in again.caption]
    bodies += [e.value for e in (*again.warning, *again.info, *again.error, *again.success)]
    bodies += [e.label for e in again.expander] + [e.value for e in again.subheader]
    assert any(ATTACK_IMG in plain(b) for b in bodies), "the payload is on the page, as text"
    for body in bodies:
        kinds = {c.type for t in md.parse(body) for c in (t.children or [])}
        assert not kinds & {"image", "link_open", "html_inline"}, body
    assert "<img" not in html(again) and 'src="http' not in html(again)


def test_keyboard_moves_the_focus_and_decides_on_the_focused_card(home: Path) -> None:
    """j / k / a / x / e are Streamlit shortcuts on one row of buttons; AppTest cannot press
    keys (the browser test does), so it checks the bindings and clicks what the keys click."""
    at = asked()
    keys = hypothesis_keys(at)
    assert len(keys) >= 4, "the question gives four cards to move through"
    bound = {b.key: b.proto.shortcut for b in at.button if b.key and b.key.startswith("kb_")}
    assert bound == {
        "kb_previous": "k",
        "kb_next": "j",
        "kb_accept": "a",
        "kb_reject": "x",
        "kb_edit": "e",
    }
    assert at.session_state["wl_focus"] == card_order(at)[0], "the first card has the focus"
    assert f"st-key-card-{keys[0]}" in html(at), "and is outlined"
    ok(at.button(key="kb_next").click().run())
    assert at.session_state["wl_focus"] == card_order(at)[1]
    ok(at.button(key="kb_accept").click().run())
    got = rows(home)
    assert [(r["hypothesis_id"], r["decision"], r["reviewer"]) for r in got] == [
        (card_order(at)[1], "accept", "Ada")
    ], "A saved an accept on the focused card, and only on it"
    assert at.session_state["wl_focus"] == card_order(at)[2], "the focus moved on"
    ok(at.button(key="kb_reject").click().run())
    assert rows(home)[-1]["hypothesis_id"] == card_order(at)[2]
    assert rows(home)[-1]["decision"] == "reject"
    assert at.session_state["wl_focus"] == card_order(at)[3]
    for _ in range(5):  # K stops at the first card
        ok(at.button(key="kb_previous").click().run())
    focus = at.session_state["wl_focus"]
    assert focus == card_order(at)[0]
    ok(at.button(key="kb_edit").click().run())
    k = keys[0]
    assert at.radio(key=f"decision-{k}").value == "edit", "E chose edit in the focused form"
    assert at.session_state[f"review-open-{k}"] is True, "and opened it"
    assert len(rows(home)) == 2, "E saves nothing by itself"
