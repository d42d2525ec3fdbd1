"""BrainBench DOIs, to keep BrainBench articles out of evidence retrieved for BrainBench.

Retrieving evidence before scoring a BrainBench item must not return the item's
own article (10.1523/JNEUROSCI.2178-22.2023, for one, is also in the PMC OA
neuroimaging corpus). ``data/brainbench_dois.txt`` lists the 200 DOIs of
BrainBench_Human_v0.1.csv; :func:`brainbench_dois` reads another test-case CSV
when given one.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:")


def normalise_doi(doi: str) -> str:
    """``https://doi.org/10.1523/X`` and ``10.1523/x`` both become ``10.1523/x``."""
    d = doi.strip()
    low = d.lower()
    for p in _PREFIXES:
        if low.startswith(p):
            d = d[len(p) :]
            break
    return d.strip().lower()


@lru_cache(maxsize=1)
def _packaged() -> frozenset[str]:
    text = resources.files("brainweave.scoring").joinpath("data/brainbench_dois.txt").read_text()
    return frozenset(normalise_doi(line) for line in text.splitlines() if line.strip())


def brainbench_dois(csv_path: Path | None = None) -> frozenset[str]:
    """Normalised DOIs of the BrainBench test cases (packaged human set by default)."""
    if csv_path is None:
        return _packaged()
    with Path(csv_path).open(encoding="utf-8", newline="") as f:
        return frozenset(normalise_doi(r["doi"]) for r in csv.DictReader(f) if r.get("doi"))


def is_brainbench_doi(doi: str | None, dois: frozenset[str] | None = None) -> bool:
    return bool(doi) and normalise_doi(doi or "") in (dois if dois is not None else _packaged())


def exclude_brainbench(
    docs: Iterable[T], doi_of: Callable[[T], str | None], dois: frozenset[str] | None = None
) -> list[T]:
    """The documents whose DOI is not a BrainBench DOI."""
    return [d for d in docs if not is_brainbench_doi(doi_of(d), dois)]
