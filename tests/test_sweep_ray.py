"""The Ray executor on a local Ray instance gives the same results as the local one."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

import brainweave
from tests.sweep_fixtures import assert_same, build_fast_home, spec_dict

ray = pytest.importorskip("ray")

pytestmark = pytest.mark.slow  # starting Ray and its actors takes ~20 s on 2 cores


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_fast_home(tmp_path_factory.mktemp("sweepray") / "home")


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    ray.init(
        num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING
    )
    yield
    ray.shutdown()


def test_ray_gives_the_same_results_as_local(home: Path, tmp_path: Path, local_ray: None) -> None:
    spec = spec_dict(home, rounds=[0, 1], k=[3, 5])
    local = brainweave.sweep(spec, out=tmp_path / "local", progress=False)
    on_ray = brainweave.sweep(spec, out=tmp_path / "ray", executor="ray", workers=2, progress=False)
    assert set(on_ray.attrs["runs"]["status"]) == {"ok"}
    assert list(on_ray.attrs["runs"]["run_id"]) == list(local.attrs["runs"]["run_id"])
    assert_same(local, on_ray)
    workers = {json.loads(x)["worker"] for x in (tmp_path / "ray" / "runs.jsonl").open()}
    assert len(workers) == 2, "both actors ran"
    assert ray.is_initialized(), "a Ray the caller started is left running"
    # resumable on Ray too: nothing is rerun
    before = (tmp_path / "ray" / "runs.jsonl").read_bytes()
    brainweave.sweep(spec, out=tmp_path / "ray", executor="ray", workers=2, progress=False)
    assert (tmp_path / "ray" / "runs.jsonl").read_bytes() == before
