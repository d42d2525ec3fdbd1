"""The sweep spec: questions times a grid of settings, and the runs it expands to.

A spec is YAML (or a dict, or a :class:`SweepSpec`)::

    name: apoe                       # optional, shown in the summary
    questions:                       # inline ...
      - How do APOE variants relate to hippocampal atrophy?
    questions_file: questions.txt    # ... and/or one per line ('#' comments skipped),
                                     #     relative to the spec file
    profile: fast                    # base settings profile (default: the CLI's / env's)
    settings:                        # any other settings, as in a TOML settings file
      data_dir: ../shared/data
      agents: {max_hypotheses: 5}
    grid:                            # each key a value or a list of values
      agents: [all, "genetics,clinical"]   # agent sets: 'all', 'a,b' or [a, b]
      rounds: [0, 1]                 # -> agents.rounds
      k: [5, 10]                     # -> agents.k
      generator: [smollm2-135m-instruct]   # -> llm.model
      scorer: [smollm2-135m-instruct, gemma3-270m]  # -> scorer.model
      seed: [0, 1]                   # -> llm.seed; see below

Every (question, grid point) pair is one run. Its id is a hash of the question and
the run's *resolved* settings (profile, spec settings, grid point, environment
overrides), minus the machine-local paths (home, data and index directories,
caches, thread counts): the same spec gives the same ids on any machine, and any
change that can change a result gives a new id.

``seed`` sets the LLM's sampling seed (``llm.seed``); at the default temperature 0
the backends answer deterministically and a seed changes the run id, not the answer.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from brainweave.errors import ConfigError
from brainweave.settings import Settings, load_settings

log = logging.getLogger(__name__)

GRID_KEYS = ("agents", "rounds", "k", "generator", "scorer", "seed")
# resolved settings that say where things are on this machine, not what a run computes
LOCAL_FIELDS: dict[str, tuple[str, ...]] = {
    "": ("home", "data_dir"),
    "index": ("dir",),
    "scorer": ("cache_dir", "threads"),
    "llm": ("timeout_s", "api_key_env", "threads"),
    "embedder": ("device", "batch_size"),
}


def _listify(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


class Grid(BaseModel):
    """The settings to sweep; each key takes one value or a list."""

    model_config = ConfigDict(extra="forbid")

    agents: list[str | list[str]] | None = Field(
        None, description="agent sets: 'all', 'genetics,clinical' or [genetics, clinical]"
    )
    rounds: list[int] | None = None
    k: list[int] | None = None
    generator: list[str] | None = Field(None, description="the agents' LLM (llm.model)")
    scorer: list[str] | None = Field(None, description="the plausibility scorer's LM")
    seed: list[int] | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        if value is None:
            return None
        values = _listify(value)
        if not values:
            raise ValueError("give at least one value (or leave the key out)")
        return values

    def points(self) -> list[dict[str, Any]]:
        """The grid's points: one dict per combination, in key order."""
        given = {k: getattr(self, k) for k in GRID_KEYS if getattr(self, k) is not None}
        keys = list(given)
        return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*given.values())]


class SweepSpec(BaseModel):
    """What to sweep. Build with :func:`load_spec`."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    questions: list[str] = Field(default_factory=list)
    questions_file: Path | None = None
    profile: str | None = None
    settings: dict[str, Any] = Field(default_factory=dict)
    grid: Grid = Field(default_factory=Grid)
    base_dir: Path | None = Field(
        None, exclude=True, description="where relative paths resolve (the spec's folder)"
    )

    def all_questions(self) -> list[str]:
        """Inline questions then the file's, stripped, blanks and duplicates dropped."""
        qs = [q.strip() for q in self.questions]
        if self.questions_file is not None:
            path = self.questions_file
            if not path.is_absolute() and self.base_dir is not None:
                path = self.base_dir / path
            if not path.is_file():
                raise ConfigError(
                    f"the questions file {path} does not exist",
                    "give questions_file relative to the spec file, or an absolute path",
                )
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip() and not line.lstrip().startswith("#"):
                    qs.append(line.strip())
        qs = [q for q in qs if q]
        unique = list(dict.fromkeys(qs))
        if len(unique) < len(qs):
            log.warning("%d duplicate question(s) dropped", len(qs) - len(unique))
        if not unique:
            raise ConfigError(
                "the sweep spec has no questions",
                "list them under `questions:` or name a file with one per line "
                "under `questions_file:`",
            )
        return unique


class RunTask(BaseModel):
    """One run of a sweep: what a worker needs, and nothing machine-specific but paths."""

    model_config = ConfigDict(extra="forbid")

    run_id: str
    question: str
    setting: dict[str, Any] = Field(description="the grid point, every grid key resolved")
    setting_id: str
    settings: dict[str, Any] = Field(description="the full resolved settings (JSON)")

    def to_settings(self) -> Settings:
        return Settings(**self.settings)


def load_spec(spec: SweepSpec | dict[str, Any] | str | Path) -> SweepSpec:
    """A spec from a YAML file, a dict, or a spec. Unknown keys fail, naming them."""
    if isinstance(spec, SweepSpec):
        return spec
    base_dir: Path | None = None
    if isinstance(spec, str | Path):
        path = Path(spec)
        if not path.is_file():
            raise ConfigError(f"sweep spec {path} does not exist", "pass a YAML spec file")
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as err:
            raise ConfigError(f"sweep spec {path} is not valid YAML: {err}") from err
        if not isinstance(data, dict):
            raise ConfigError(f"sweep spec {path} must be a mapping (questions:, grid:, ...)")
        base_dir = path.resolve().parent
    else:
        data = dict(spec)
    try:
        parsed = SweepSpec.model_validate(data)
    except ValidationError as err:
        raise ConfigError(f"invalid sweep spec: {_describe(err)}", _spec_hint(err)) from err
    if parsed.base_dir is None and base_dir is not None:
        parsed.base_dir = base_dir
    return parsed


def _describe(err: ValidationError) -> str:
    parts = []
    for e in err.errors():
        loc = ".".join(str(x) for x in e["loc"])
        if e["type"] == "extra_forbidden":
            parts.append(f"unknown key {loc!r}")
        else:
            parts.append(f"{loc}: {e['msg']}")
    return "; ".join(parts)


def _spec_hint(err: ValidationError) -> str:
    if any(e["loc"][:1] == ("grid",) and e["type"] == "extra_forbidden" for e in err.errors()):
        return f"grid keys are: {', '.join(GRID_KEYS)}"
    return (
        "top-level keys are: name, questions, questions_file, profile, settings, grid; "
        f"grid keys are: {', '.join(GRID_KEYS)}"
    )


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _agent_names(value: str | list[str]) -> list[str]:
    names = value.split(",") if isinstance(value, str) else value
    names = [n.strip() for n in names if n.strip()]
    return [] if names == ["all"] else names


def point_overrides(point: dict[str, Any]) -> dict[str, Any]:
    """The settings overrides of one grid point."""
    agents: dict[str, Any] = {}
    out: dict[str, Any] = {}
    if "agents" in point:
        agents["enabled"] = _agent_names(point["agents"])
    if "rounds" in point:
        agents["rounds"] = point["rounds"]
    if "k" in point:
        agents["k"] = point["k"]
    if agents:
        out["agents"] = agents
    llm: dict[str, Any] = {}
    if "generator" in point:
        llm["model"] = point["generator"]
    if "seed" in point:
        llm["seed"] = point["seed"]
    if llm:
        out["llm"] = llm
    if "scorer" in point:
        out["scorer"] = {"model": point["scorer"]}
    return out


def resolve_settings(
    spec: SweepSpec,
    point: dict[str, Any],
    *,
    profile: str | None = None,
    config_file: Path | None = None,
) -> Settings:
    """The settings of one grid point: profile, spec settings, then the point."""
    base = dict(spec.settings)
    if spec.base_dir is not None:  # relative paths in the spec are relative to its file
        for key in ("home", "data_dir"):
            if isinstance(base.get(key), str) and not Path(base[key]).expanduser().is_absolute():
                base[key] = str(spec.base_dir / base[key])
    overrides = _merge(base, point_overrides(point))
    return load_settings(profile=spec.profile or profile, config_file=config_file, **overrides)


def setting_of(settings: Settings, point: dict[str, Any]) -> dict[str, Any]:
    """The grid point with every grid key filled in from the resolved settings."""
    enabled = settings.agents.enabled
    return {
        "profile": settings.profile,
        "agents": ",".join(enabled) if enabled else "all",
        "rounds": settings.agents.rounds,
        "k": settings.agents.k,
        "generator": settings.llm.model,
        # the scorer's LM, or the model-free stand-in ('lexical') the settings use instead
        "scorer": settings.scorer.model
        if settings.scorer.provider == "transformers"
        else settings.scorer.provider,
        "seed": settings.llm.seed,
    }


def experiment_settings(settings: Settings) -> dict[str, Any]:
    """The resolved settings without the machine-local fields (what the run id hashes)."""
    dump = settings.model_dump(mode="json")
    for section, fields in LOCAL_FIELDS.items():
        target = dump if not section else dump.get(section, {})
        for f in fields:
            target.pop(f, None)
    return dump


def content_id(obj: Any, length: int = 16) -> str:
    canonical = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:length]


def expand(
    spec: SweepSpec, *, profile: str | None = None, config_file: Path | None = None
) -> list[RunTask]:
    """Every (question, grid point) run, questions outermost, in spec order."""
    questions = spec.all_questions()
    points = spec.grid.points() or [{}]
    resolved = []
    for point in points:
        s = resolve_settings(spec, point, profile=profile, config_file=config_file)
        setting = setting_of(s, point)
        exp = experiment_settings(s)
        resolved.append((s, setting, exp, content_id({"settings": exp})))
    tasks: list[RunTask] = []
    seen: set[str] = set()
    for q in questions:
        for s, setting, exp, sid in resolved:
            rid = content_id({"question": q, "settings": exp})
            if rid in seen:  # two grid points that resolve to the same settings
                continue
            seen.add(rid)
            tasks.append(
                RunTask(
                    run_id=f"sw-{rid}",
                    question=q,
                    setting=setting,
                    setting_id=sid,
                    settings=s.model_dump(mode="json"),
                )
            )
    if len(tasks) < len(questions) * len(points):
        log.warning(
            "%d grid point(s) resolve to settings already in the grid; each runs once",
            len(points) - len({r[3] for r in resolved}),
        )
    return tasks


def setting_label(setting: dict[str, Any], keys: list[str] | None = None) -> str:
    """'agents=all rounds=1 k=5 ...' for plots and tables (only ``keys`` when given)."""
    keys = keys or [k for k in GRID_KEYS if setting.get(k) is not None]
    return " ".join(f"{k}={setting.get(k)}" for k in keys) or "default"
