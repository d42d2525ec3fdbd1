"""The corpus manifest: which sources feed which domain.

Built-in sources are listed in ``sources.toml`` beside this file; a user's own
sources (``brainweave corpus add``) live in ``HOME/sources.toml`` with the same
format. Data files themselves are never in the package or the repository.
"""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from brainweave.errors import ConfigError

BUILTIN_DOMAINS = ("genetics", "neuroimaging", "clinical")
_SLUG = re.compile(r"^[a-z][a-z0-9_-]*$")


class FieldMap(BaseModel):
    """How the generic adapter reads a user's JSONL/CSV records."""

    model_config = ConfigDict(extra="forbid")

    id: str
    text: str
    title: str | None = None
    url: str | None = None
    metadata: list[str] = Field(default_factory=list)


class Source(BaseModel):
    """One corpus file and how to ingest it."""

    model_config = ConfigDict(extra="forbid")

    name: str
    domain: str
    file: str = Field(description="path, relative to the data directory unless absolute")
    adapter: str
    format: Literal["jsonl", "json-object", "csv"] = "jsonl"
    sha256: str | None = None
    license: str
    upstream: str | None = None
    description: str = ""
    fields: FieldMap | None = None
    builtin: bool = True

    @field_validator("name", "domain")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError(f"{value!r} must be lower-case letters, digits, '-' or '_'")
        return value

    def path(self, data_dir: Path) -> Path:
        p = Path(self.file).expanduser()
        return p if p.is_absolute() else data_dir / p


def builtin_sources() -> list[Source]:
    text = resources.files(__name__).joinpath("sources.toml").read_text(encoding="utf-8")
    return _parse(tomllib.loads(text), "brainweave/corpora/sources.toml", builtin=True)


def user_sources(path: Path) -> list[Source]:
    if not path.is_file():
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(
            f"user source manifest {path} is not valid TOML: {err}",
            "fix or remove the file, then add sources again with `brainweave corpus add`",
        ) from err
    return _parse(data, str(path), builtin=False)


def all_sources(user_file: Path) -> list[Source]:
    """Built-in and user sources; a user source may not reuse a built-in name."""
    sources = builtin_sources()
    names = {s.name for s in sources}
    for s in user_sources(user_file):
        if s.name in names:
            raise ConfigError(
                f"source name {s.name!r} in {user_file} is used twice",
                "give each source its own name",
            )
        names.add(s.name)
        sources.append(s)
    return sources


def domains(sources: list[Source]) -> list[str]:
    """Built-in domains first, then user domains in order of appearance."""
    seen = list(BUILTIN_DOMAINS)
    for s in sources:
        if s.domain not in seen:
            seen.append(s.domain)
    return seen


class Vocabulary(BaseModel):
    """One vocabulary of the knowledge layer (``vocabularies.toml``)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str
    kind: str
    origin: Literal["package", "corpus"] = Field(alias="from")
    package: str | None = None
    source: str | None = None
    file: str
    version: str
    license: str
    upstream: str | None = None
    description: str = ""


def builtin_vocabularies() -> list[Vocabulary]:
    """The vocabularies the knowledge layer is built from, their versions and licences."""
    where = "brainweave/corpora/vocabularies.toml"
    text = resources.files(__name__).joinpath("vocabularies.toml").read_text(encoding="utf-8")
    out = []
    for i, entry in enumerate(tomllib.loads(text).get("vocabulary", []), start=1):
        try:
            out.append(Vocabulary(**entry))
        except ValidationError as err:
            raise ConfigError(f"{where}: vocabulary #{i} is invalid: {err}") from err
    return out


def _parse(data: dict[str, Any], where: str, *, builtin: bool) -> list[Source]:
    out = []
    for i, entry in enumerate(data.get("source", []), start=1):
        try:
            out.append(Source(**{"builtin": builtin, **entry}))
        except ValidationError as err:
            raise ConfigError(f"{where}: source #{i} is invalid: {err}") from err
    return out
