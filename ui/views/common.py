"""What every page needs: the settings, the review store, the shared scorer, the
state kept in the URL and in a small file under HOME (so a reload or a bookmark
finds the same run and reviewer), and showing an error as a message with its
next step instead of a traceback."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import streamlit as st

from brainweave.errors import BrainweaveError
from brainweave.settings import Settings, load_settings
from brainweave.ui import safe
from brainweave.ui.store import ReviewStore, reviews_path

STATE_FILE = "ui-state.json"  # under HOME: the last reviewer name

log = logging.getLogger(__name__)


def settings(**overrides: Any) -> Settings:
    """The app's settings: environment (BRAINWEAVE_PROFILE, BRAINWEAVE_CONFIG,
    BRAINWEAVE_HOME... as `brainweave ui` passes them on), then any overrides."""
    return load_settings(**overrides)


@st.cache_resource(show_spinner=False)
def _store(path: str) -> ReviewStore:
    return ReviewStore(Path(path))


def store() -> ReviewStore:
    """The review store of this home, opened once per process."""
    return _store(str(reviews_path(settings().home)))


def scorer(s: Settings) -> Any:
    """The graph's scorer for these settings, loaded once per process (the process's
    Services, shared with the runs the app starts)."""
    from brainweave.ui.rescore import scorer_for

    with st.spinner("loading the scorer model…"):
        return scorer_for(s)


def show_error(err: BrainweaveError) -> None:
    # messages quote questions, ids and paths: shown as text, never as Markdown
    st.error(safe.md(err.message))
    if err.hint:
        st.info(f"Next step: {safe.md(err.hint)}")


# ----- state that survives a reload ----------------------------------------------------


def _state_path() -> Path:
    return settings().home / STATE_FILE


def remembered_reviewer() -> str:
    """The reviewer name last typed in this home ('' when none)."""
    try:
        doc = json.loads(_state_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    name = doc.get("reviewer") if isinstance(doc, dict) else None
    return name.strip() if isinstance(name, str) else ""


def remember_reviewer(name: str) -> None:
    path = _state_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"reviewer": name.strip()}), encoding="utf-8")
        tmp.replace(path)
    except OSError as err:  # remembering is a convenience: never an error on the page
        log.warning("cannot remember the reviewer in %s: %s", path, err)


def url_state(**values: str | None) -> None:
    """Put page state in the URL (``?page=...&run=...``) so it can be bookmarked and
    survives a reload; None removes a key. Unchanged values are not rewritten."""
    for key, value in values.items():
        if value:
            if st.query_params.get(key) != value:
                st.query_params[key] = value
        elif key in st.query_params:
            del st.query_params[key]


@st.cache_data(show_spinner=False, max_entries=64)
def _passages(index_dir: str, run_id: str, record_mtime: float) -> dict[str, dict[str, Any]]:
    from brainweave.ui import passages, runs

    return passages.with_text(runs.load_run(settings().home, run_id), Path(index_dir))


def passages_of(run: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The run's passages with their text (from the record or the live index), cached."""
    s = settings()
    rec = s.home / "runs" / run["run_id"] / "provenance.json"
    try:
        mtime = rec.stat().st_mtime
    except OSError:
        mtime = 0.0
    return _passages(str(s.index_dir), run["run_id"], mtime)


@contextmanager
def guarded(what: str) -> Iterator[None]:
    """Errors inside become messages on the page, never a traceback."""
    try:
        yield
    except BrainweaveError as err:
        show_error(err)
    except Exception as err:  # reruns and stops are BaseExceptions and pass through
        log.exception("%s failed", what)
        st.error(f"{what} failed: {type(err).__name__}: {err}")
        st.info("Next step: the terminal running `brainweave ui` has the details.")


def safely(what: str, fn: Callable[[], Any]) -> Any:
    with guarded(what):
        return fn()
    return None
