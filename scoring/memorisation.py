"""Memorisation check: is a text recited by the model rather than inferred?

As in Luo et al. (after Carlini et al., 2021), compare how well the model
predicts a text with how well a generic compressor does: the ratio of the
model's log-perplexity to the text's zlib entropy. Both are taken as total code
lengths in bits, so the ratio does not depend on the text's length::

    ratio = (sum of token NLLs in nats / ln 2) / (8 * len(zlib.compress(text)))

A text scored after a context is compared with zlib's marginal cost of it after
the same context. A novel text the model has to infer costs the model a good
fraction of what it costs zlib; a text the model has memorised costs it far
less. Texts whose ratio is below the model's threshold are flagged.

The ratio depends on length (zlib gains little on one sentence), so the
threshold is set at the scale it is used at, a sentence after its context. For
each packaged model (``data/calibration-<model>.json``) two sets are scored:
the last sentence of 100 BrainBench abstracts given the rest of the prompt
(2023 results the model cannot know by heart), and the second half of
well-known texts (:data:`RECITED_TEXTS`) given their first half. The threshold
is the geometric midpoint between the lowest BrainBench ratio and the highest
recited ratio below it (:func:`threshold_between`), so no BrainBench sentence is
flagged. :data:`DEFAULT_THRESHOLD` is used for other models.
"""

from __future__ import annotations

import math
import zlib

DEFAULT_THRESHOLD = 0.12

# Texts that LMs trained on web data have seen many times (public domain or licence text).
RECITED_TEXTS: dict[str, str] = {
    "gettysburg": (
        "Four score and seven years ago our fathers brought forth on this continent, a new "
        "nation, conceived in Liberty, and dedicated to the proposition that all men are "
        "created equal. Now we are engaged in a great civil war, testing whether that nation, "
        "or any nation so conceived and so dedicated, can long endure."
    ),
    "declaration": (
        "We hold these truths to be self-evident, that all men are created equal, that they "
        "are endowed by their Creator with certain unalienable Rights, that among these are "
        "Life, Liberty and the pursuit of Happiness."
    ),
    "apache-license": (
        'Licensed under the Apache License, Version 2.0 (the "License"); you may not use this '
        "file except in compliance with the License. You may obtain a copy of the License at "
        "http://www.apache.org/licenses/LICENSE-2.0 Unless required by applicable law or agreed "
        'to in writing, software distributed under the License is distributed on an "AS IS" '
        "BASIS, WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied."
    ),
    "mit-license": (
        "Permission is hereby granted, free of charge, to any person obtaining a copy of this "
        'software and associated documentation files (the "Software"), to deal in the Software '
        "without restriction, including without limitation the rights to use, copy, modify, "
        "merge, publish, distribute, sublicense, and/or sell copies of the Software"
    ),
}


def zlib_bits(text: str, context: str | None = None) -> int:
    """zlib's code length for ``text`` in bits, after ``context`` when one is given.

    With a context this is the marginal cost, ``bits(context + text) -
    bits(context)``, the compressor's counterpart of the model's conditional
    log-likelihood; without one, zlib's fixed overhead (``compress(b"")``) is
    left out. At least 8 bits.
    """
    if context:
        cost = len(zlib.compress((context + text).encode("utf-8"))) - len(
            zlib.compress(context.encode("utf-8"))
        )
    else:
        cost = len(zlib.compress(text.encode("utf-8"))) - _EMPTY
    return 8 * max(cost, 1)


_EMPTY = len(zlib.compress(b""))


def memorisation_ratio(sum_logprob: float, text: str, context: str | None = None) -> float:
    """Model code length over zlib code length (bits / bits) of the scored text."""
    model_bits = -sum_logprob / math.log(2)
    return model_bits / zlib_bits(text, context)


def threshold_between(recited: list[float], novel: list[float]) -> float:
    """Geometric midpoint between the novel texts' lowest ratio and the highest recited
    ratio below it. A "recited" text whose ratio falls among the novel ones is one this
    model has not memorised (it does not count); with none below, 0.9 x the lowest."""
    lo = min(novel)
    below = [r for r in recited if r < lo]
    return math.sqrt(max(below) * lo) if below else 0.9 * lo
