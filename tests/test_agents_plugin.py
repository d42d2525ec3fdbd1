"""The example plugin (examples/pharmacology-agent): installed with pip, discovered
through its entry point, checked by the conformance suite, and run over a corpus the
user adds with `brainweave corpus add`."""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from brainweave.agents.registry import AgentRegistry
from brainweave.graphs.run import ask
from brainweave.graphs.services import Services
from brainweave.retrieval import build_indexes
from brainweave.settings import Settings, load_settings
from tests.conftest import DATA_DIR, REPO

EXAMPLE = REPO / "examples" / "pharmacology-agent"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The example installed by pip into a private directory put on sys.path."""
    tmp = tmp_path_factory.mktemp("plugin")
    src, target = tmp / "src", tmp / "site"
    shutil.copytree(EXAMPLE, src, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(src),
        ],
        check=True,
        capture_output=True,
    )
    sys.path.insert(0, str(target))
    importlib.invalidate_caches()
    yield target
    sys.path.remove(str(target))
    sys.modules.pop("brainweave_pharmacology", None)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A treatment-trials corpus made from real ClinicalTrials.gov records."""
    out = tmp_path_factory.mktemp("corpus") / "treatments.jsonl"
    src = DATA_DIR / "corpora" / "clinical" / "ctgov_neuro_trials.jsonl"
    with src.open() as fh, out.open("w") as w:
        n = 0
        for line in fh:
            rec = json.loads(line)
            if rec.get("intervention") and n < 120:
                text = f"{rec['summary']} Intervention: {rec['intervention']}."
                w.write(
                    json.dumps({"id": rec["nct_id"], "title": rec["title"], "text": text}) + "\n"
                )
                n += 1
    return out


def test_the_entry_point_is_discovered(site: Path) -> None:
    reg = AgentRegistry()
    spec = reg.specs["pharmacology"]
    assert spec.origin == "plugin (brainweave-pharmacology 0.1.0)"
    assert spec.target == "brainweave_pharmacology:PharmacologyAgent"
    agent = reg.get("pharmacology")
    assert agent.domain == "pharmacology" and agent.prompts.findings.startswith("TASK: findings")


def test_the_plugin_passes_the_conformance_suite(site: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(REPO)])}
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(EXAMPLE),
            str(EXAMPLE / "tests"),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=EXAMPLE,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert "6 passed" in res.stdout


def test_ask_with_the_plugin_over_a_user_corpus(
    site: Path, corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from brainweave.cli import app

    home = tmp_path / "home"
    monkeypatch.setenv("BRAINWEAVE_HOME", str(home))
    runner = CliRunner()
    res = runner.invoke(
        app,
        [
            "corpus",
            "add",
            "pharmacology",
            str(corpus),
            "--title-field",
            "title",
            "--license",
            "public domain",
        ],
    )
    assert res.exit_code == 0, res.output
    settings: Settings = load_settings(
        profile="fast", home=home, data_dir=DATA_DIR, index={"max_docs_per_source": 150}
    )
    res = runner.invoke(app, ["--profile", "fast", "agents", "list", "--json"])
    rows = {r["name"]: r for r in json.loads(res.output)["agents"]}
    assert rows["pharmacology"]["index"] == "missing"
    build_indexes(settings, ["pharmacology", "neuroimaging"])
    r = ask(
        "Which treatments help memory in Alzheimer's disease?",
        settings=settings,
        agents="pharmacology,neuroimaging",
        services=Services(),  # a process scans entry points once: this one sees the plugin
    )
    assert {f.domain for f in r.findings} == {"pharmacology", "neuroimaging"}
    pharm = [f for f in r.findings if f.agent == "pharmacology"]
    assert all(p.startswith("treatments/") for f in pharm for p in f.passage_ids)
    assert any(m.sender == "pharmacology" for m in r.messages)
    origins = {a["name"]: a["origin"] for a in r.provenance["agents"]}
    assert origins["pharmacology"].startswith("plugin")
