"""Is a hypothesis's end-to-end link already stated? "known" when some passage of any
domain names A and C together (that passage is cited), "bridged" when only the chain
through B links them.

The indexes' stored mentions are searched (every passage of each domain, not only
the retrieved ones: ``EvidenceGraph.passages_naming_both``), and so are the run's
retrieved passages, so a run over indexes built without mentions still answers.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from brainweave.agents.models import Novelty

log = logging.getLogger(__name__)

#: passages cited per domain for a known link
CITE = 3


def assess(
    a: str,
    c: str,
    graphs: Mapping[str, Any],
    retrieved: Mapping[str, set[str]] | None = None,
    retrieved_domain: Mapping[str, str] | None = None,
    linking_terms: int = 0,
) -> Novelty:
    """The novelty of the link A-C.

    ``graphs``: domain -> ``EvidenceGraph`` (the indexes' mentions); ``retrieved``:
    passage id -> entity ids it names (not negated); ``retrieved_domain``: passage
    id -> domain.
    """
    counts: dict[str, int] = {}
    passages: list[str] = []
    checked: list[str] = []
    for domain, eg in sorted(graphs.items()):
        try:
            n, pids = eg.passages_naming_both(a, c, CITE)
        except Exception as err:  # an index without mentions: say which, go on
            log.warning("novelty: %s index not searched: %s", domain, err)
            continue
        checked.append(domain)
        if n:
            counts[domain] = n
            passages += pids
    for pid, ids in sorted((retrieved or {}).items()):
        if a in ids and c in ids and pid not in passages:
            passages.append(pid)
            d = (retrieved_domain or {}).get(pid, "retrieved")
            if d not in checked or not counts.get(d):
                counts[d] = counts.get(d, 0) + 1
    return Novelty(
        status="known" if passages else "bridged",
        a=a,
        c=c,
        passages=passages,
        counts=counts,
        linking_terms=linking_terms,
        checked=checked,
    )


def known_share(novelties: Iterable[Novelty | None]) -> dict[str, int]:
    """How many are known, bridged, or not assessed."""
    out = {"known": 0, "bridged": 0, "unknown": 0}
    for n in novelties:
        out[n.status if n is not None else "unknown"] += 1
    return out
