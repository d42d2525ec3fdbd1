"""What every page needs: the settings, the review store, the shared scorer, and
showing an error as a message with its next step instead of a traceback."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import streamlit as st

from brainweave.errors import BrainweaveError
from brainweave.settings import Settings, load_settings
from brainweave.ui.store import ReviewStore, reviews_path

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
    st.error(err.message)
    if err.hint:
        st.info(f"Next step: {err.hint}")


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
