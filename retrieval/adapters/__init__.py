"""Ingest adapters: one function per source format, mapping a record to a Document.

An adapter is registered by name with :func:`adapter` and named in the corpus
manifest. It raises :class:`SkipRecord` for a record that is well-formed but has
nothing to index (counted and reported), and lets ``KeyError``/``TypeError``/
``ValueError`` escape for a malformed one (reported with file and line).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from difflib import get_close_matches
from typing import Any

from brainweave.corpora import Source
from brainweave.errors import ConfigError
from brainweave.retrieval.documents import Document

Record = dict[str, Any]
Adapter = Callable[[Record, Source], Document]

ADAPTERS: dict[str, Adapter] = {}

#: Bump when an adapter's output changes, so existing indexes are rebuilt.
ADAPTER_VERSION = 2  # 2: NeuroQuery cards name the atlas regions of their peaks


class SkipRecord(Exception):
    """A well-formed record with nothing to index; the message is the reason."""


def adapter(name: str) -> Callable[[Adapter], Adapter]:
    def register(fn: Adapter) -> Adapter:
        ADAPTERS[name] = fn
        return fn

    return register


def get_adapter(name: str) -> Adapter:
    try:
        return ADAPTERS[name]
    except KeyError:
        close = get_close_matches(name, ADAPTERS, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(sorted(ADAPTERS))}"
        raise ConfigError(f"unknown corpus adapter {name!r}", hint) from None


def make_document(source: Source, native_id: str, **fields: Any) -> Document:
    """A Document for ``source`` whose id is '<source>/<native id>'."""
    return Document(
        id=f"{source.name}/{native_id}",
        domain=source.domain,
        source=source.name,
        license=source.license,
        **fields,
    )


def clean(value: Any) -> str:
    """Text with runs of whitespace collapsed (MedQuAD answers carry layout
    indentation); a missing value (None, or the NaN some exports write) is ''."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {type(value).__name__} {value!r}")
    return " ".join(value.split())


def slug(text: str) -> str:
    """'Polycythemia Vera' -> 'polycythemia-vera' (for readable, stable ids)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# Register the built-in adapters.
from brainweave.retrieval.adapters import clinical, generic, genetics, neuroimaging  # noqa: E402

__all__ = [
    "ADAPTERS",
    "ADAPTER_VERSION",
    "SkipRecord",
    "adapter",
    "clean",
    "clinical",
    "generic",
    "genetics",
    "get_adapter",
    "make_document",
    "neuroimaging",
    "slug",
]
