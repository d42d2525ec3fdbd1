"""The knowledge layer: entities grounded in real vocabularies, one matcher over
them, MNI peaks read as atlas regions, and the per-domain evidence graph.

>>> from brainweave import knowledge
>>> kn = knowledge.load(data_dir)            # or knowledge.default()
>>> [m.entity_id for m in kn.find("APOE and hippocampal atrophy")]
['NCBIGene:348', 'region:hippocampus', ...]

A process holds its knowledge layers in its ``Services`` (``graphs/services.py``);
a run makes its own the one in use with ``with knowledge.use(kn): ...`` (a context
variable: threads and tasks the run starts inherit it, other runs never see it), and
the functions below (:func:`label`, :func:`find_entities`, ...) read the one in use.

Entity ids are stable vocabulary ids (``NCBIGene:348``, ``HP:0002180``,
``OMIM:104300``, ``region:hippocampus``); :func:`label` gives the readable name.
It imports only ``brainweave.corpora`` (and brainweave's errors and home) from
the project.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from brainweave.knowledge.build import Knowledge, load, vocabulary_versions
from brainweave.knowledge.matcher import Mention
from brainweave.knowledge.vocab import CONDITION_KINDS, KINDS, Entity, VocabInfo, VocabularyError

__all__ = [
    "CONDITION_KINDS",
    "KINDS",
    "Entity",
    "Knowledge",
    "Mention",
    "VocabInfo",
    "VocabularyError",
    "default",
    "default_data_dir",
    "find_entities",
    "is_generic",
    "kind",
    "label",
    "load",
    "use",
    "vocabulary_versions",
]

#: the knowledge layer of the run in progress (set by :func:`use`; each thread and task
#: that a run starts copies it, so concurrent runs over other data directories never mix)
_current: ContextVar[Knowledge | None] = ContextVar("brainweave_knowledge", default=None)


@contextmanager
def use(kn: Knowledge) -> Iterator[Knowledge]:
    """Make ``kn`` the knowledge layer of everything called inside the block (a run uses
    the vocabularies its indexes were annotated with: its data directory's)."""
    token = _current.set(kn)
    try:
        yield kn
    finally:
        _current.reset(token)


def default_data_dir() -> Path | None:
    """BRAINWEAVE_DATA_DIR, else HOME/data where it exists, else None (packaged only)."""
    env = os.environ.get("BRAINWEAVE_DATA_DIR")
    if env:
        return Path(env).expanduser()
    home = os.environ.get("BRAINWEAVE_HOME")
    if home:
        d = Path(home).expanduser() / "data"
    else:
        from brainweave.settings import default_home

        d = default_home() / "data"
    return d if d.is_dir() else None


def default() -> Knowledge:
    """The knowledge layer in use: the run's (:func:`use`), else the default data
    directory's (:func:`default_data_dir`)."""
    kn = _current.get()
    return kn if kn is not None else load(default_data_dir())


def find_entities(text: str, *, genes: bool = True, negated: bool = False) -> list[str]:
    """The entity ids a text names (not negated ones unless asked), sorted and unique."""
    return sorted(
        {
            m.entity_id
            for m in default().find(text)
            if (genes or m.kind != "gene") and (negated or not m.negated)
        }
    )


def label(entity_id: str) -> str:
    """The readable name of an entity id (the id itself when unknown)."""
    e = default().get(entity_id)
    if e is not None:
        return e.name
    prefix, _, name = entity_id.partition(":")
    # "gene:APOE", and "condition:dementia" from runs made before the knowledge layer
    return name if name and (prefix in KINDS or prefix == "condition") else entity_id


def kind(entity_id: str) -> str:
    e = default().get(entity_id)
    if e is not None:
        return e.kind
    prefix = entity_id.split(":", 1)[0]
    if prefix in KINDS:
        return prefix
    if prefix == "condition":
        return "disease"
    return ""


def is_generic(entity_id: str) -> bool:
    e = default().get(entity_id)
    return bool(e and e.generic)
