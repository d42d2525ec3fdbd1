"""Neuroimaging sources: NeuroQuery study cards and PMC OA abstracts."""

from __future__ import annotations

from brainweave.corpora import Source
from brainweave.retrieval.adapters import Record, SkipRecord, adapter, clean, make_document
from brainweave.retrieval.documents import Document

#: Peaks rendered as text per study; the rest are counted ("and 12 more").
MAX_PEAKS_SHOWN = 12


def _hemisphere(x: float) -> str:
    if x < -2:
        return "left"
    if x > 2:
        return "right"
    return "midline"


def render_peaks(peaks: list[list[float]], limit: int = MAX_PEAKS_SHOWN) -> str:
    """MNI peaks as readable text: '(-49, 8, 30) left; (41, 15, 34) right; and 3 more'."""
    shown = []
    for peak in peaks[:limit]:
        x, y, z = (float(c) for c in peak)
        shown.append(f"({x:g}, {y:g}, {z:g}) {_hemisphere(x)}")
    text = "; ".join(shown)
    if len(peaks) > limit:
        text += f"; and {len(peaks) - limit} more"
    return text


def peak_regions(peaks: list[list[float]]) -> str:
    """The Harvard-Oxford regions the peaks fall in, in words: 'left caudate (3),
    right putamen (2)' (brainweave.knowledge.mni)."""
    from brainweave.knowledge import mni

    try:
        return mni.describe([p[:3] for p in peaks if len(p) >= 3])
    except (TypeError, ValueError):
        return ""


@adapter("neuroquery_study")
def neuroquery_study(rec: Record, source: Source) -> Document:
    pmid = str(int(rec["pmid"]))
    title = clean(rec["title"])
    terms = [clean(t) for t in rec.get("abstract_terms") or []]
    peaks = rec.get("peaks_mni") or []
    sentences = [f"Neuroimaging study: {title}."]
    if terms:
        sentences.append("Key terms of its abstract: " + ", ".join(terms) + ".")
    if peaks:
        n_left = sum(1 for p in peaks if float(p[0]) < -2)
        n_right = sum(1 for p in peaks if float(p[0]) > 2)
        regions = peak_regions(peaks)
        if regions:
            sentences.append(f"Its peaks fall in {regions}.")
        sentences.append(
            f"It reports {len(peaks)} activation peaks in MNI space "
            f"({n_left} left, {n_right} right hemisphere): {render_peaks(peaks)}."
        )
    return make_document(
        source,
        f"PMID:{pmid}",
        title=title,
        text=" ".join(sentences),
        url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/",
        metadata={"pmid": pmid, "n_peaks": len(peaks), "peaks_mni": peaks},
    )


@adapter("pmc_abstract")
def pmc_abstract(rec: Record, source: Source) -> Document:
    abstract = clean(rec.get("abstract"))
    if not abstract:
        raise SkipRecord("no abstract")
    pmcid = rec.get("pmcid")
    pmid = rec.get("pmid")
    doi = rec.get("doi")
    if pmcid:
        native, url = f"PMC{pmcid}", f"https://pmc.ncbi.nlm.nih.gov/articles/PMC{pmcid}/"
    elif pmid:
        native, url = f"PMID:{pmid}", f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
    elif doi:
        native, url = f"DOI:{doi}", f"https://doi.org/{doi}"
    else:
        raise ValueError("record has none of pmcid, pmid, doi")
    return make_document(
        source,
        native,
        title=clean(rec["title"]),
        text=abstract,
        url=url,
        metadata={
            "pmcid": f"PMC{pmcid}" if pmcid else None,
            "pmid": str(pmid) if pmid else None,
            "doi": doi,
            "journal": rec.get("journal"),
            "year": rec.get("year"),
        },
    )
