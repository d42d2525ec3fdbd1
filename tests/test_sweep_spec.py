"""The sweep spec: grid expansion, stable content ids, and the checks that make a bad
spec fail before any run starts."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from brainweave.cli import app
from brainweave.errors import ConfigError
from brainweave.sweeps.runner import plan
from brainweave.sweeps.spec import expand, load_spec
from tests.sweep_fixtures import QUESTIONS, build_fast_home, spec_dict, write_spec


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_fast_home(tmp_path_factory.mktemp("sweepspec") / "home")


def test_grid_expands_to_every_question_and_setting(tmp_path: Path) -> None:
    spec = spec_dict(tmp_path, rounds=[0, 1], k=[3, 5], agents=["all", "genetics,clinical"])
    tasks = expand(load_spec(spec))
    assert len(tasks) == len(QUESTIONS) * 2 * 2 * 2
    assert len({t.run_id for t in tasks}) == len(tasks)
    assert len({t.setting_id for t in tasks}) == 8
    t = next(t for t in tasks if t.setting["agents"] == "genetics,clinical")
    s = t.to_settings()
    assert s.agents.enabled == ["genetics", "clinical"]
    assert s.profile == "fast" and s.llm.provider == "fake"
    assert {t.setting["k"] for t in tasks} == {3, 5}


def test_grid_points_with_the_same_settings_run_once(tmp_path: Path) -> None:
    tasks = expand(load_spec(spec_dict(tmp_path, k=[5, 5], rounds=[1, 1])))
    assert len(tasks) == len(QUESTIONS) == len({t.run_id for t in tasks})


def test_scalars_lists_and_agent_lists_mean_the_same(tmp_path: Path) -> None:
    a = expand(load_spec(spec_dict(tmp_path, rounds=1, agents=[["genetics", "clinical"]])))
    b = expand(load_spec(spec_dict(tmp_path, rounds=[1], agents="genetics, clinical")))
    assert [t.run_id for t in a] == [t.run_id for t in b]


def test_run_ids_are_stable_and_depend_on_content_only(tmp_path: Path) -> None:
    ids = [t.run_id for t in expand(load_spec(spec_dict(tmp_path / "a")))]
    # another home (machine-local) and another key order: the same runs
    other = spec_dict(tmp_path / "b")
    other["grid"] = dict(reversed(list(other["grid"].items())))
    assert [t.run_id for t in expand(load_spec(other))] == ids
    # a default written out explicitly is the same setting
    assert [t.run_id for t in expand(load_spec(spec_dict(tmp_path, rounds=[0, 1], k=5)))] == ids
    # another question, another setting, another seed: new ids
    changed = expand(load_spec(spec_dict(tmp_path, questions=[QUESTIONS[0] + " And why?"])))
    assert not {t.run_id for t in changed} & set(ids)
    assert not {t.run_id for t in expand(load_spec(spec_dict(tmp_path, rounds=2)))} & set(ids)
    seeded_tasks = expand(load_spec(spec_dict(tmp_path, rounds=[0, 1], seed=7)))
    assert not {t.run_id for t in seeded_tasks} & set(ids)
    assert {t.to_settings().llm.seed for t in seeded_tasks} == {7}, "seed is the LLM's seed"


def test_questions_from_a_file_relative_to_the_spec(tmp_path: Path) -> None:
    (tmp_path / "qs.txt").write_text(
        "# my questions\nWhat links APOE to memory?\n\n" + QUESTIONS[0] + "\n", encoding="utf-8"
    )
    spec = spec_dict(tmp_path, questions=[QUESTIONS[0]])
    spec["questions_file"] = "qs.txt"
    tasks = expand(load_spec(write_spec(tmp_path / "spec.yaml", spec)))
    assert list(dict.fromkeys(t.question for t in tasks)) == [
        QUESTIONS[0],
        "What links APOE to memory?",
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"grid": {"temperature": [0.1]}}, "unknown key 'grid.temperature'"),
        ({"qestions": ["x"]}, "unknown key 'qestions'"),
        ({"questions": []}, "no questions"),
        ({"questions": ["  ", ""]}, "no questions"),
        ({"grid": {"rounds": []}}, "grid.rounds"),
        ({"settings": {"llm": {"colour": "red"}}}, "llm.colour"),
        ({"grid": {"rounds": [9]}}, "agents.rounds"),
    ],
)
def test_bad_specs_fail_naming_the_problem(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    spec = {**spec_dict(tmp_path), **change}
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        plan(spec)


def test_unknown_models_and_agents_fail_before_any_run(home: Path, tmp_path: Path) -> None:
    spec = spec_dict(home, generator=["smollm2-135m-instruct", "no-such-model"])
    spec["settings"]["llm"] = {"provider": "llamacpp"}
    with pytest.raises(ConfigError, match="unknown generator model 'no-such-model'"):
        plan(spec)
    spec = spec_dict(home, scorer=["smolm2-135m-instruct"])
    spec["settings"]["scorer"] = {"provider": "transformers"}
    with pytest.raises(ConfigError, match="did you mean 'smollm2-135m-instruct'"):
        plan(spec)
    with pytest.raises(ConfigError, match="unknown agent 'genetcs'"):
        plan(spec_dict(home, agents=["genetcs,clinical"]))
    with pytest.raises(ConfigError, match="no index is usable"):
        plan(spec_dict(tmp_path / "empty-home"))


def test_cli_rejects_a_bad_spec_without_creating_output(home: Path, tmp_path: Path) -> None:
    spec = write_spec(tmp_path / "bad.yaml", {**spec_dict(home), "grid": {"beam": [2]}})
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["sweep", str(spec), "--out", str(out)])
    assert result.exit_code != 0
    assert "unknown key 'grid.beam'" in str(result.exception) + result.output
    assert not out.exists()


def test_a_good_spec_plans_without_running(home: Path) -> None:
    tasks = plan(spec_dict(home, rounds=[0, 1], k=[3, 5]))
    assert len(tasks) == 12
    assert not (home / "runs").exists()  # nothing ran
