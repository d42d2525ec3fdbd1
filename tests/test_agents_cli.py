"""`brainweave ask` and `brainweave agents list` as a user runs them: errors are one clear
message and exit code 1, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_cli import run


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("ask", "   "), "the question is empty"),
        (("ask", "memory", "--agents", "genetcs"), "did you mean 'genetics'?"),
        (("ask", "memory"), "brainweave index build --domain genetics"),
        (("ask", "memory", "--rounds", "9"), "rounds must be between 0 and 5, got 9"),
    ],
)
def test_ask_errors_are_clear(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    r = run(*args, home=tmp_path)
    assert r.returncode != 0
    assert message in r.stderr
    assert "Traceback" not in r.stderr


def test_default_llm_without_llama_cpp_says_what_to_install(tmp_path: Path) -> None:
    from importlib.util import find_spec

    r = run("ask", "memory", home=tmp_path, profile="default")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    if find_spec("llama_cpp") is None:
        assert "pip install llama-cpp-python" in r.stderr
    else:  # with llama.cpp installed the next missing piece is the index
        assert "brainweave index build" in r.stderr


def test_agents_list_shows_origin_and_index_status(tmp_path: Path) -> None:
    r = run("agents", "list", home=tmp_path)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert any(
        ln.startswith("genetics  [builtin]  domain genetics  index: missing") for ln in lines
    )
    assert "brainweave index build --domain clinical" in r.stdout
