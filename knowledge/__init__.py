"""The knowledge layer: entities grounded in real vocabularies, one matcher over
them, MNI peaks read as atlas regions, and the per-domain evidence graph.

>>> from brainweave import knowledge
>>> kn = knowledge.load(data_dir)            # or knowledge.default()
>>> [m.entity_id for m in kn.find("APOE and hippocampal atrophy")]
['NCBIGene:348', 'region:hippocampus', ...]

Entity ids are stable vocabulary ids (``NCBIGene:348``, ``HP:0002180``,
``OMIM:104300``, ``region:hippocampus``); :func:`label` gives the readable name.
It imports only ``brainweave.corpora`` (and brainweave's errors and home) from
the project.
"""

from __future__ import annotations

import os
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
    "configure",
    "default",
    "find_entities",
    "is_generic",
    "kind",
    "label",
    "load",
    "vocabulary_versions",
]

_data_dir: Path | None = None
_configured = False


def configure(data_dir: Path | None) -> None:
    """Use the vocabularies of this data directory for :func:`default` (the index
    build and a run call it with the settings' data directory)."""
    global _data_dir, _configured
    _data_dir, _configured = data_dir, True


def _default_data_dir() -> Path | None:
    if _configured:
        return _data_dir
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
    """The knowledge layer for the configured (or default) data directory."""
    return load(_default_data_dir())


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
