"""The generic adapter for a user's own JSONL/CSV corpus (`brainweave corpus add`)."""

from __future__ import annotations

from brainweave.corpora import Source
from brainweave.retrieval.adapters import Record, SkipRecord, adapter, clean, make_document
from brainweave.retrieval.documents import Document


@adapter("generic")
def generic(rec: Record, source: Source) -> Document:
    fields = source.fields
    if fields is None:
        raise ValueError(f"source {source.name!r} uses the generic adapter but maps no fields")
    if fields.id not in rec:
        raise KeyError(fields.id)
    if fields.text not in rec:
        raise KeyError(fields.text)
    native_id = str(rec[fields.id]).strip()
    if not native_id:
        raise ValueError(f"empty id in field {fields.id!r}")
    text = clean(str(rec[fields.text] or ""))
    if not text:
        raise SkipRecord(f"empty {fields.text!r}")
    title = clean(str(rec.get(fields.title) or "")) if fields.title else ""
    url = str(rec.get(fields.url) or "") or None if fields.url else None
    return make_document(
        source,
        native_id,
        title=title or native_id,
        text=text,
        url=url,
        metadata={k: rec.get(k) for k in fields.metadata},
    )
