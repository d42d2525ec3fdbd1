"""The openai-logprobs scoring backend against a real server: llama-cpp-python's own
OpenAI-compatible server on 127.0.0.1 with the packaged SmolLM2 GGUF (slow), and the
errors of a server that is down or returns no prompt log-probabilities."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from brainweave.errors import BrainweaveError, ConfigError
from brainweave.scoring.brainbench import load_testcases
from brainweave.scoring.openai_logprobs_scorer import OpenAILogprobsScorer

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
CSV = DATA / "brainbench" / "BrainBench_Human_v0.1.csv"
DEFAULT = "smollm2-135m-instruct"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(gguf: Path, *extra: str) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(gguf),
            "--model_alias",
            DEFAULT,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_threads",
            "1",
            "--verbose",
            "false",
            *(extra or ("--n_ctx", "512")),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            pytest.fail(f"llama_cpp.server exited {proc.returncode}: {err[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/models", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    pytest.fail("llama_cpp.server did not start within 120 s")


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def gguf() -> Path:
    from brainweave.scoring.llamacpp_scorer import resolve_gguf

    return resolve_gguf(DEFAULT)


@pytest.fixture(scope="module")
def gemma_server() -> Iterator[tuple[str, Path]]:
    """Gemma adds a BOS token: the model on which llama-cpp-python's server pairs each
    prompt token with the right logits row (see scoring/RESULTS.md for SmolLM2)."""
    from brainweave.scoring.llamacpp_scorer import resolve_gguf

    path = resolve_gguf("gemma3-270m")
    proc, url = _serve(path, "--n_ctx", "256")
    try:
        yield url, path
    finally:
        _stop(proc)


def test_no_base_url_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"needs scorer\.base_url"):
        OpenAILogprobsScorer("", DEFAULT)


def test_a_server_that_is_down_is_a_clear_error() -> None:
    url = f"http://127.0.0.1:{_free_port()}/v1"  # nothing listens there
    scorer = OpenAILogprobsScorer(url, DEFAULT, timeout_s=5)
    with pytest.raises(BrainweaveError, match="is not answering") as err:
        scorer.score("Neurons fire.")
    assert "scorer.base_url" in (err.value.hint or "")


@pytest.mark.slow
def test_server_scores_equal_the_in_process_llamacpp_backend(
    gemma_server: tuple[str, Path],
) -> None:
    """The head of a BrainBench abstract (the server sorts the whole 262k vocabulary in
    Python for every prompt token, seconds per token): the same log-probabilities."""
    from brainweave.scoring.llamacpp_scorer import LlamaCppScorer

    url, path = gemma_server
    local = LlamaCppScorer(path, name="gemma3-270m", window=256, threads=1)
    remote = OpenAILogprobsScorer(url, "gemma3-270m")
    text = " ".join(load_testcases(CSV)[0].original.split()[:7])
    rows = remote.prompt_logprobs(text)
    ids = local.encode(text)
    lp = local.token_logprobs(ids)
    # the server leaves the first token after BOS unscored (null, like OpenAI's first token)
    assert len(rows) == len(ids) - 1 and rows[0][2] is None
    assert [v for _, _, v in rows][1:] == pytest.approx(list(lp[1:]), abs=1e-4)
    got = remote.score(text)
    assert got.n_tokens == len(ids) - 2
    assert got.sum_logprob == pytest.approx(float(lp[1:].sum()), abs=1e-3)


@pytest.mark.slow
def test_a_server_without_prompt_logprobs_is_a_clear_error(gguf: Path) -> None:
    proc, url = _serve(gguf, "--logits_all", "false")
    try:
        with pytest.raises(BrainweaveError, match="scoring server") as err:
            OpenAILogprobsScorer(url, DEFAULT).score("Neurons fire in bursts.")
        assert "prompt log-probabilities" in (err.value.hint or "")
    finally:
        _stop(proc)
