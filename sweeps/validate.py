"""Checks run before a sweep starts, so a bad spec fails in a second, not after hours.

Each distinct setting is checked the way the loaders would resolve it, without
loading any model: agent names through the agent registry (did-you-mean), the
generator through llama.cpp's GGUF resolution, the scorer model through the
scorer's aliases, paths and the local Hugging Face cache, and the agents' indexes
through the index store. Every problem found is reported together.
"""

from __future__ import annotations

import importlib.util
import logging

from brainweave.errors import BrainweaveError, ConfigError
from brainweave.settings import Settings
from brainweave.sweeps.spec import RunTask

log = logging.getLogger(__name__)


def check_generator(settings: Settings) -> str | None:
    """Why the agents' LLM cannot be loaded, or None."""
    llm = settings.llm
    if llm.provider == "llamacpp":
        from brainweave.agents.llamacpp import resolve_gguf

        try:
            resolve_gguf(llm.model)
        except BrainweaveError as err:
            return f"unknown generator model {llm.model!r}: {err}"
        if importlib.util.find_spec("llama_cpp") is None:
            return "the llama.cpp generator needs the package llama-cpp-python"
    if llm.provider == "openai" and not llm.base_url:
        return "the 'openai' generator needs llm.base_url"
    return None  # 'fake' takes any name; served models are the server's to know


def check_scorer(settings: Settings) -> str | None:
    """Why the scorer cannot be made, or None: its provider, and its model resolved
    the way the loader resolves it (:func:`brainweave.scoring.models.resolve_model`)."""
    from brainweave.scoring.backends import backend_class
    from brainweave.scoring.models import hub_model_cached, resolve_model

    try:
        backend_class(settings.scorer.provider)
    except ConfigError as err:
        return str(err).replace("\n  ->", ";")
    if settings.scorer.provider != "transformers":
        return None
    name = settings.scorer.model
    try:
        ref = resolve_model(name)
    except ConfigError as err:
        return str(err).replace("\n  ->", ";")
    if ref.kind == "hub" and not hub_model_cached(name):
        return f"unknown scorer model {name!r}: not an alias, a path, or in the local HF cache"
    return None


def check_agents(settings: Settings) -> list[str]:
    """Unknown agent names, and agent sets with no usable index."""
    from brainweave.agents.registry import AgentRegistry
    from brainweave.retrieval.service import no_usable_index
    from brainweave.retrieval.store import IndexStore

    registry = AgentRegistry()
    names = settings.agents.enabled or registry.names()
    problems = []
    for n in names:
        try:
            registry.spec(n)
        except ConfigError as err:
            problems.append(str(err).replace("\n  ->", ";"))
    if problems:
        return problems
    domains = {}
    for n in names:
        try:
            domains[n] = registry.get(n).domain
        except BrainweaveError as err:  # a broken plugin: ask reports it and goes on
            log.warning("%s", err)
    missing = no_usable_index(IndexStore(settings.index_dir), domains)
    if missing is not None:
        problems += [missing.message, missing.hint or ""]
    return problems


def preflight(tasks: list[RunTask]) -> None:
    """Raise ConfigError naming every problem of every distinct setting."""
    if not tasks:
        raise ConfigError("the sweep has no runs", "give questions and a grid")
    seen: dict[str, RunTask] = {}
    for t in tasks:
        seen.setdefault(t.setting_id, t)
    problems: list[str] = []
    checked: set[str] = set()
    for t in seen.values():
        s = t.to_settings()
        for check in (check_generator, check_scorer):
            why = check(s)
            if why and why not in checked:
                problems.append(why)
                checked.add(why)
        for why in check_agents(s):
            if why not in checked:
                problems.append(why)
                checked.add(why)
    if problems:
        raise ConfigError(
            "the sweep cannot start:\n    " + "\n    ".join(problems),
            "fix the spec (grid values, settings) or build the missing indexes, then rerun",
        )
    if (
        any(t.to_settings().scorer.provider != "transformers" for t in seen.values())
        and len({t.settings["scorer"]["model"] for t in seen.values()}) > 1
    ):
        log.warning("the grid's scorer models change nothing where scorer.provider is 'lexical'")
    seeds = {int(t.setting["seed"]) for t in tasks if t.setting.get("seed") is not None}
    if len(seeds) > 1 and all(t.to_settings().llm.temperature == 0 for t in tasks):
        log.warning(
            "seeds %s change no answer at temperature 0 (the LLM answers greedily); "
            "set llm.temperature above 0 in the spec's settings for seeds to matter",
            sorted(seeds),
        )
