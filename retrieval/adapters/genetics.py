"""Genetics sources: RefSeq gene summaries and HPO terms (MedQuAD GHR uses medquad_qa)."""

from __future__ import annotations

from brainweave.corpora import Source
from brainweave.retrieval.adapters import Record, SkipRecord, adapter, clean, make_document
from brainweave.retrieval.documents import Document


@adapter("refseq_gene_summary")
def refseq_gene_summary(rec: Record, source: Source) -> Document:
    gene_id = str(rec["id"]).removeprefix("NCBIGene:")
    summary = clean(rec["summary"])
    if not summary:
        raise SkipRecord("no summary")
    go = [str(t) for t in rec.get("go_bp") or []]
    text = summary
    if go:
        text += " GO biological processes: " + "; ".join(go) + "."
    return make_document(
        source,
        f"NCBIGene:{gene_id}",
        title=f"{rec['symbol']} ({rec['name']})",
        text=text,
        url=f"https://www.ncbi.nlm.nih.gov/gene/{gene_id}",
        metadata={
            "ncbi_gene": gene_id,
            "symbol": rec["symbol"],
            "refseq": rec.get("refseq"),
            "review_status": rec.get("review_status"),
        },
    )


@adapter("hpo_term")
def hpo_term(rec: Record, source: Source) -> Document:
    hpo_id = str(rec["id"])
    if not hpo_id.startswith("HP:"):
        raise ValueError(f"HPO id {hpo_id!r} does not start with 'HP:'")
    name = clean(rec["name"])
    definition = clean(rec.get("definition"))
    synonyms = [s for s in rec.get("synonyms") or [] if s != name]
    parts = [f"{name}: {definition}" if definition else name]
    if synonyms:
        parts.append("Synonyms: " + "; ".join(synonyms) + ".")
    return make_document(
        source,
        hpo_id,
        title=f"{name} ({hpo_id})",
        text=" ".join(parts),
        url=f"https://hpo.jax.org/browse/term/{hpo_id}",
        metadata={"hpo": hpo_id, "is_a": list(rec.get("is_a") or [])},
    )
