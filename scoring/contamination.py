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


# BrainBench's human test cases were written from Journal of Neuroscience 2023 abstracts,
# so text used to adapt a scorer leaves out every such abstract, not only the 200 DOIs.
_JNEUROSCI_NAMES = frozenset(
    {"j neurosci", "journal of neuroscience", "the journal of neuroscience"}
)


def is_jneurosci_2023(journal: str | None, year: str | int | None, doi: str | None) -> bool:
    """Whether a record may be a Journal of Neuroscience article of 2023: the journal's
    name (not *J Neurosci Res*, *Eur J Neurosci*, ...) with the year 2023, or a J Neurosci
    DOI ending in .2023 or .2022. The DOI's year is the year of acceptance: 54 of the 200
    BrainBench articles, all published in 2023, end in .2022
    (``10.1523/JNEUROSCI.1045-22.2022``), so late-2022 articles are left out too."""
    d = normalise_doi(doi or "")
    if d.startswith("10.1523/jneurosci.") and d.endswith((".2023", ".2022")):
        return True
    name = (journal or "").split(":")[0].strip().rstrip(".").lower()
    return name in _JNEUROSCI_NAMES and str(year or "").strip()[:4] == "2023"
