"""Text from corpora, LLMs and other reviewers, made safe to show in the app.

Streamlit renders Markdown (images, links, ``:material/...:`` icons, LaTeX) in
``st.markdown``, captions, alerts and labels; a passage containing
``![x](http://host/track.png)`` would make the reviewer's browser fetch that URL.
Every such text goes through one of these before it reaches the page:

- :func:`md` escapes it for a Markdown context (every ASCII punctuation mark
  backslash-escaped, so no syntax survives; line breaks become spaces);
- :func:`esc` escapes it for HTML (``st.html``), where Markdown is not parsed;
- :func:`url` keeps a link only when it is ``http`` or ``https``;
- :func:`highlight` escapes a text and marks given names in it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

_MD_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character


def md(text: object) -> str:
    """``text`` as literal characters inside Streamlit Markdown."""
    s = " ".join(str(text if text is not None else "").split())
    return _MD_PUNCT.sub(r"\\\1", s)


def esc(text: object) -> str:
    """``text`` as literal characters inside HTML (quotes too: safe in attributes)."""
    return html.escape(str(text if text is not None else ""), quote=True)


def url(link: object) -> str | None:
    """The link if it is an absolute http(s) URL, else None (``javascript:``, data: ...)."""
    if not isinstance(link, str):
        return None
    link = link.strip()
    try:
        parts = urlsplit(link)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if any(c.isspace() or ord(c) < 32 for c in link):
        return None
    return link


def link(href: object, text: object) -> str:
    """An HTML link opening in a new tab, or the escaped text when the URL is not http(s)."""
    safe = url(href)
    if safe is None:
        return esc(text)
    return f'<a href="{esc(safe)}" target="_blank" rel="noopener noreferrer">{esc(text)}</a>'


def highlight(text: str, names: Iterable[str], tag: str = "mark") -> str:
    """``text`` escaped for HTML with every whole-word, case-insensitive occurrence of
    ``names`` wrapped in ``<tag>``, with trailing digits (an allele or isoform: APOE ->
    APOE4). Longer names win where two overlap."""
    wanted = sorted({n for n in names if n and n.strip()}, key=len, reverse=True)
    if not wanted:
        return esc(text)
    pattern = re.compile(
        r"(?<!\w)(?:" + "|".join(re.escape(n) for n in wanted) + r")\d*(?!\w)", re.IGNORECASE
    )
    out, last = [], 0
    for m in pattern.finditer(text):
        out.append(esc(text[last : m.start()]))
        out.append(f"<{tag}>{esc(m.group(0))}</{tag}>")
        last = m.end()
    out.append(esc(text[last:]))
    return "".join(out)
