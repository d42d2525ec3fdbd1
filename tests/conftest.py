"""Shared fixtures. The real corpora live beside the project at ../shared/data
(BRAINWEAVE_TEST_DATA overrides); they are read in place, never copied into git."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from brainweave.settings import Settings, load_settings

REPO = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("BRAINWEAVE_TEST_DATA", REPO.parent / "shared" / "data")).resolve()
CORPORA = DATA_DIR / "corpora"


def pytest_sessionstart(session: pytest.Session) -> None:
    if not CORPORA.is_dir():
        raise pytest.UsageError(
            f"the real test data is missing: {CORPORA} does not exist. "
            "Put shared/data beside the project or set BRAINWEAVE_TEST_DATA."
        )


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test sees the developer's own settings or writes to their home."""
    for key in list(os.environ):
        if key.startswith("BRAINWEAVE_") and key != "BRAINWEAVE_TEST_DATA":
            monkeypatch.delenv(key)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("BRAINWEAVE_HOME", str(tmp_path / "home"))


@pytest.fixture(scope="session")
def _knowledge_cache(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """One on-disk cache of the knowledge layer for every test home (and, through the
    pytest cache, for later sessions). Safe to share: brainweave.knowledge.build keys
    each entry by a hash of every version it depends on (its own code, the packages,
    the corpus files), so a change builds a new entry instead of reading a stale one."""
    cache = getattr(request.config, "cache", None)  # None with -p no:cacheprovider
    if cache is not None:
        shared = Path(cache.mkdir("brainweave-knowledge"))
        # one entry per version of the rules: keep the newest few (about 50 MB each)
        old = sorted(shared.glob("*.pickle"), key=lambda p: p.stat().st_mtime)[:-3]
        for p in old:
            p.unlink(missing_ok=True)
        return shared
    return tmp_path_factory.mktemp("knowledge-cache")


@pytest.fixture(autouse=True)
def _shared_knowledge_cache(
    _isolated_env: None, _knowledge_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRAINWEAVE_KNOWLEDGE_CACHE", str(_knowledge_cache))


@pytest.fixture
def data_dir() -> Path:
    return DATA_DIR


@pytest.fixture
def fast_settings(tmp_path: Path) -> Settings:
    """The fast profile (hash embedder) over the real data, in a private home."""
    return load_settings(
        profile="fast",
        home=tmp_path / "home",
        data_dir=DATA_DIR,
        index={"max_docs_per_source": 150},
    )


def clean_env() -> dict[str, str]:
    """This process's environment for a CLI subprocess: no BRAINWEAVE_ setting of ours
    leaks in, except the session's shared vocabulary cache (keyed by its versions, so
    sharing it is safe; without it each subprocess builds the vocabularies, ~25 s)."""
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("BRAINWEAVE_") or k == "BRAINWEAVE_KNOWLEDGE_CACHE"
    }
