"""Settings: flags over environment over TOML file over profile over defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from brainweave.errors import ConfigError
from brainweave.settings import load_settings


def test_defaults_use_the_packaged_embedder_and_a_user_home(tmp_path: Path) -> None:
    s = load_settings()
    assert s.profile == "default"
    assert s.embedder.model == "all-MiniLM-L6-v2"
    assert s.index_dir == tmp_path / "home" / "indexes"  # BRAINWEAVE_HOME from conftest
    assert not str(s.index_dir).startswith(str(Path(__file__).resolve().parents[1]))


def test_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    toml = tmp_path / "bw.toml"
    toml.write_text('profile = "fast"\n[embedder]\nbatch_size = 8\n[index]\nchunk_overlap = 3\n')
    s = load_settings(config_file=toml)
    assert s.profile == "fast" and s.embedder.model == "hash"  # profile named by the file
    assert s.embedder.batch_size == 8 and s.index.chunk_overlap == 3  # file over profile
    assert s.index.chunk_tokens == 128  # profile over default
    monkeypatch.setenv("BRAINWEAVE_EMBEDDER__BATCH_SIZE", "4")
    s = load_settings(config_file=toml)
    assert s.embedder.batch_size == 4  # environment over file
    s = load_settings(config_file=toml, embedder={"batch_size": 2})
    assert s.embedder.batch_size == 2 and s.embedder.model == "hash"  # flags over all


def test_bad_settings_are_clear_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="unknown settings profile 'turbo'"):
        load_settings(profile="turbo")
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(config_file=tmp_path / "missing.toml")
    monkeypatch.setenv("BRAINWEAVE_INDEX__CHUNK_TOKENS", "-5")
    with pytest.raises(ConfigError, match=r"index\.chunk_tokens"):
        load_settings()
