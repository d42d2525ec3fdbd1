"""Clinical sources: MedQuAD Q&A (also GHR), ClinicalTrials.gov trials, PubMedQA."""

from __future__ import annotations

from brainweave.corpora import Source
from brainweave.retrieval.adapters import (
    Record,
    SkipRecord,
    adapter,
    clean,
    make_document,
    slug,
)
from brainweave.retrieval.documents import Document


@adapter("medquad_qa")
def medquad_qa(rec: Record, source: Source) -> Document:
    answer = clean(rec["answer"])
    if not answer:
        raise SkipRecord("no answer")
    question = clean(rec["question"])
    # MedQuAD numbers questions per collection, and reuses a number across the
    # conditions one page covers (0000013_2-1 for each myeloproliferative
    # neoplasm): collection, number and focus together identify a pair
    focus = clean(rec.get("focus"))
    native = f"{rec['collection']}:{rec['id']}" + (f":{slug(focus)}" if focus else "")
    return make_document(
        source,
        native,
        title=question,
        text=answer,
        url=rec.get("url"),
        metadata={
            "focus": rec.get("focus"),
            "umls_cuis": list(rec.get("cuis") or []),
            "qtype": rec.get("qtype"),
            "collection": rec.get("collection"),
        },
    )


@adapter("ctgov_trial")
def ctgov_trial(rec: Record, source: Source) -> Document:
    nct = str(rec["nct_id"])
    if not nct.startswith("NCT"):
        raise ValueError(f"trial id {nct!r} does not start with 'NCT'")
    summary = clean(rec["summary"])
    if not summary:
        raise SkipRecord("no summary")
    facts = []
    if rec.get("condition"):
        facts.append(f"Condition: {clean(rec['condition'])}.")
    if rec.get("intervention"):
        kind = f" ({rec['intervention_type'].lower()})" if rec.get("intervention_type") else ""
        facts.append(f"Intervention{kind}: {clean(rec['intervention'])}.")
    if rec.get("phase"):
        facts.append(f"Phase: {rec['phase']}.")
    return make_document(
        source,
        nct,
        title=clean(rec["title"]) or f"Clinical trial {nct}",
        text=" ".join([summary, *facts]),
        url=f"https://clinicaltrials.gov/study/{nct}",
        metadata={
            "nct": nct,
            "phase": rec.get("phase"),
            "start_date": rec.get("start_date"),
            "condition": rec.get("condition"),
            "intervention": rec.get("intervention"),
        },
    )


@adapter("pubmedqa")
def pubmedqa(rec: Record, source: Source) -> Document:
    # json-object sources pass the object key as "_key" (here: the PMID)
    pmid = str(rec["_key"])
    contexts = [clean(c) for c in rec["CONTEXTS"]]
    labels = rec.get("LABELS") or []
    parts = [
        f"{label.title()}: {c}" if label else c for label, c in zip(labels, contexts, strict=False)
    ]
    parts.extend(contexts[len(parts) :])
    text = " ".join(parts)
    if rec.get("LONG_ANSWER"):
        text += " Conclusion: " + clean(rec["LONG_ANSWER"])
    return make_document(
        source,
        f"PMID:{pmid}",
        title=clean(rec["QUESTION"]),
        text=text,
        url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/",
        metadata={
            "pmid": pmid,
            "year": rec.get("YEAR"),
            "mesh": list(rec.get("MESHES") or []),
            "final_decision": rec.get("final_decision"),
        },
    )
