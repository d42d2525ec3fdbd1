"""One matcher over every vocabulary (Aho-Corasick, ``pyahocorasick``).

- Names and synonyms match case-insensitively on whole words, with hyphens,
  dashes and underscores read as spaces and a trailing plural "s" allowed;
  where matches overlap the longest wins ("brain atrophy" over "atrophy").
- Gene symbols match case-sensitively (and in the mouse form, "Trem2", when
  that is not an English word). A symbol that is an English word (CAT, SET,
  REST) or has at most three letters and no digit (TH, CP, MAX) counts only in
  gene context: a gene word nearby ("gene", "mutation", "expression", …), the
  gene's name in the text, or another gene symbol close by.
- A disease's or phenotype's short form of at most three letters from the
  ontologies (DCM, BPD, AEA; not ADHD) counts only where the text defines it
  or names the entity in full: in neuroscience text it often stands for
  something else (dynamic causal modelling, anandamide).
- Abbreviations defined in the text count: "frontotemporal dementia (FTD)"
  makes every later "FTD" a mention of frontotemporal dementia; an
  abbreviation defined as something else ("cerebral palsy (CP)", "principal
  component (PC)") is never read as a gene symbol in that text.
- A mention after a negation cue in its clause ("no", "without", "absence of")
  is flagged ``negated``; it is kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from brainweave.knowledge.vocab import Entity, VocabularyError

# how a mention was matched
NAME, SYNONYM, SYMBOL, SYMBOL_CONTEXT, ABBREVIATION, NESTED = (
    "name",
    "synonym",
    "symbol",
    "symbol+context",
    "abbreviation",
    "nested",
)

_FOLD = str.maketrans({"-": " ", "‐": " ", "‑": " ", "–": " ", "_": " ", "’": "'", "‘": "'"})
_GENE_CUES = re.compile(
    r"\b(genes?|genetic|genotyp\w*|protein|proteins|mutation\w*|mutant\w*|variants?|alleles?|"
    r"polymorphism\w*|expression|expressed|express\w*|knock ?outs?|knock-?down|transcripts?|"
    r"encod\w+|locus|loci|isoforms?|snps?|carriers?|deletions?|duplications?|haplotypes?|"
    r"mrna|promoter|signal+ing|pathway|enzyme|kinase|receptor|deficien\w+|homozygous|"
    r"heterozygous|knockdown|overexpress\w*)\b",
    re.I,
)
_NEGATION = re.compile(
    r"\b(no|not|without|absence of|absent|lack of|lacking|negative for|free of|denies|denied|"
    r"ruled out|rule out|neither|nor|never)\b",
    re.I,
)
_CLAUSE_END = re.compile(r"[.;:!?]|\bbut\b|\bhowever\b|\bwhereas\b", re.I)
_LIST_GAP = re.compile(r"\s*(,|or|nor|and/or|,\s*or)?\s*", re.I)
_CLAUSE = re.compile(r"[.;!?](\s|$)")
_ABBR_DEF = re.compile(r"\(\s*([A-Za-z][A-Za-z0-9αβ\-]{1,9})\s*\)")
_GENE_AFTER = re.compile(r"\s+gene\b")
_WORDS = re.compile(r"[A-Za-z0-9αβ]+")
CONTEXT_CHARS = 80
# "Corpus callosum, agenesis of", "Factor XIII, A subunit, deficiency of"
_INVERTED = re.compile(r",[^,]*\b(of|in|for)$", re.I)
# OMIM entries for quantitative traits, not diseases ("Cognitive function 1, social")
_TRAIT_HEADS = frozenset(
    [
        "function",
        "visualization",
        "level",
        "levels",
        "density",
        "index",
        "height",
        "pigmentation",
        "color",
        "colour",
        "size",
        "count",
        "concentration",
        "trait",
        "traits",
    ]
)
# organisations: a run of capitalised words around one of these ("National Institute of
# Neurological Disorders and Stroke", "Alzheimer's Association"); names inside it are not
# mentions
_ORG_HEAD = re.compile(
    r"\b(Institutes?|Association|Foundation|Society|Council|Alliance|Organi[sz]ation|"
    r"Federation|Academy|Agency|Cent(?:er|re)s?|College|University|Hospital|Department|"
    r"Consortium|Initiative)\b"
)
_ORG_WORD = re.compile(r"[A-Z][\w'’.-]*|of|and|on|for|the|&|,")


class Mention(NamedTuple):
    """One place a text names an entity."""

    entity_id: str
    kind: str
    start: int
    end: int
    text: str
    how: str
    negated: bool


def fold(text: str) -> str:
    """Lower case with separators read as spaces; the same length as ``text``."""
    low = text.lower()
    if len(low) != len(text):  # a character whose lower case is longer (rare)
        low = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    return low.translate(_FOLD)


def _key(phrase: str) -> str:
    return " ".join(fold(phrase).split())


def _bare(phrase: str) -> str:
    key = _key(phrase).replace("'s", "").replace("’s", "")
    return key[:-1] if key.endswith("s") else key


def same_name(written: str, name: str) -> bool:
    """Whether ``written`` is ``name`` in another spelling: case, separators, a plural,
    a possessive ("Alzheimer's disease"), British spelling, "type 3" / "3"."""
    forms = [name, *_possessive_forms(name), *_british_forms(name), *_numbered_forms(name)]
    return _bare(written) in {_bare(f) for f in forms}


def _possessive_forms(name: str) -> list[str]:
    """'Alzheimer disease' -> "Alzheimer's disease", "Alzheimer's"; and back."""
    out = []
    m = re.match(r"^([A-Z][a-z]+)(?:'s)? (disease|syndrome|disorder|chorea|palsy)$", name)
    if m:
        out += [f"{m.group(1)}'s {m.group(2)}", f"{m.group(1)} {m.group(2)}"]
        if m.group(2) == "disease":
            out.append(f"{m.group(1)}'s")
    return out


def _disease_family(name: str) -> str | None:
    """'Parkinson disease 7, autosomal recessive' -> 'Parkinson disease'.

    None for OMIM's inverted names ('Corpus callosum, agenesis of': the part before
    the comma is an organ, not a disease) and for quantitative traits ('Cognitive
    function 1, social')."""
    if _INVERTED.search(name):
        return None
    base = re.split(r",|;| with | due to ", name, maxsplit=1)[0].strip()
    base = re.sub(r"\s+(\d+[A-Z]?|type \w+|[A-Z])$", "", base).strip()
    base = re.sub(r",? susceptibility to$", "", base).strip()
    # one word ("Synostosis, carpal, ...", "Dysphasia, familial") names a sign, not a disease
    if not base or base == name or len(base.split()) < 2:
        return None
    return None if base.split()[-1].lower() in _TRAIT_HEADS else base


_BRITISH = [
    (re.compile(r"(?<=[^a\s])emia\b"), "aemia"),  # anaemia, ischaemia, bacteraemia
    (re.compile(r"\bhem(?=at|or|og|ol|op|o\b)"), "haem"),  # haemorrhage, haematoma
    (re.compile(r"\bedema"), "oedema"),
    (re.compile(r"\besophag"), "oesophag"),
    (re.compile(r"\bpediatric"), "paediatric"),
    (re.compile(r"\btumor"), "tumour"),
    (re.compile(r"\bestrogen"), "oestrogen"),
    (re.compile(r"\bbehavior"), "behaviour"),
]


def _british_forms(phrase: str) -> list[str]:
    """The British spelling of a name ("anaemia", "haemorrhage", "oedema"), if it differs."""
    low = phrase.lower()
    out = low
    for pat, rep in _BRITISH:
        out = pat.sub(rep, out)
    return [out] if out != low else []


_DEFICIT = re.compile(r"^([A-Za-z]+) (impairment|deficits?|dysfunction)$", re.I)


def _deficit_forms(phrase: str) -> list[str]:
    """'Memory impairment' is also written 'memory deficits', 'memory dysfunction',
    'impaired memory' and 'memory decline' (a one-word faculty and an impairment head;
    a term written as a decline, a deterioration, is not read as an impairment)."""
    m = _DEFICIT.match(phrase)
    if not m:
        return []
    x = m.group(1).lower()
    heads = ("impairment", "deficit", "deficits", "dysfunction", "decline")
    forms = [f"{x} {h}" for h in heads if h != m.group(2).lower()]
    # 'impaired memory', not 'impaired cognitive' (an adjective: "impaired cognitive control")
    return forms if re.search(r"(ive|al|ic|ar)$", x) else [*forms, f"impaired {x}"]


def _numbered_forms(name: str) -> list[str]:
    """'Spinocerebellar ataxia type 3' <-> 'Spinocerebellar ataxia 3': both are written."""
    m = re.match(r"^(.*\S)\s+type\s+(\d+[A-Z]?|[IVX]+)$", name, re.I)
    if m:
        return [f"{m.group(1)} {m.group(2)}"]
    m = re.match(r"^(.*[A-Za-z])\s+(\d+[A-Z]?|[IVX]+)$", name)
    if m and not re.search(r"\btype$", m.group(1), re.I):
        return [f"{m.group(1)} type {m.group(2)}"]
    return []


class Matcher:
    """Finds every mention of every entity of its vocabulary in a text."""

    def __init__(self, entities: Sequence[Entity], english: Iterable[str] = ()) -> None:
        try:
            import ahocorasick
        except ImportError as err:
            raise VocabularyError(
                "the entity matcher needs the package 'pyahocorasick'",
                "install it with `pip install pyahocorasick`",
            ) from err
        self.ids = [e.id for e in entities]
        self.kinds = [e.kind for e in entities]
        words = {w.lower() for w in english}
        # phrase key -> (priority, entity index, how); lower priority wins
        phrases: dict[str, tuple[float, int, str]] = {}
        symbols: dict[str, tuple[int, bool]] = {}  # symbol -> (entity index, ambiguous)
        #: the long names of entities whose short form counts only in context: a gene's
        #: full name; a disease's or phenotype's name and long synonyms
        self.long_names: dict[int, list[str]] = {}

        def add(phrase: str, idx: int, how: str, priority: float) -> None:
            key = _key(phrase)
            priority += len(entities[idx].name) / 1000  # ties: the shorter (general) name
            if len(key) < 3 or key.isdigit():
                return
            for k in (key, *_british_forms(key)):
                old = phrases.get(k)
                if old is None or priority < old[0]:
                    phrases[k] = (priority, idx, how)

        kind_rank = {"transmitter": 0, "process": 0, "intervention": 1, "region": 1}
        for idx, e in enumerate(entities):
            if e.kind == "gene":
                if len(e.name) < 2 or not any(c.isalpha() for c in e.name):
                    continue  # a record without a usable symbol
                amb = e.name.lower() in words or (
                    len(e.name) <= 3 and not any(c.isdigit() for c in e.name)
                )
                if e.name not in symbols or not e.id.startswith("NCBIGene"):
                    symbols[e.name] = (idx, amb)
                mouse = e.name[:1] + e.name[1:].lower()
                if len(e.name) >= 4 and mouse != e.name and mouse.lower() not in words:
                    symbols.setdefault(mouse, (idx, amb))
                for n in e.synonyms:  # the full name ("apolipoprotein E")
                    add(n, idx, NAME, 6)
                self.long_names[idx] = [_key(n) for n in e.synonyms]
                continue
            base = kind_rank.get(e.kind, 2 if e.kind == "phenotype" else 3)
            if e.source.startswith("ClinicalTrials.gov"):
                base = 3  # a trial's own wording yields to the ontologies
            if e.kind == "disease" and e.id.startswith("OMIM:"):
                base = 4
            for phrase, how, pr in [
                (e.name, NAME, base),
                *((s, SYNONYM, base + 5) for s in e.synonyms),
                *((p, SYNONYM, base + 5) for p in _possessive_forms(e.name)),
                *((p, SYNONYM, base + 5) for p in _numbered_forms(e.name)),
                # derived wordings rank below every written synonym of any entity
                *(
                    (p, SYNONYM, base + 8)
                    for n in (e.name, *e.synonyms)
                    if e.kind == "phenotype"
                    for p in _deficit_forms(n)
                ),
            ]:
                # short forms with capitals (ACC, SSRI, DLPFC, tDCS) match only as written
                if (
                    len(phrase) <= 5
                    and re.fullmatch(r"[A-Za-z]*[A-Z][A-Za-z0-9]*", phrase)
                    and (sum(c.isupper() for c in phrase) >= 2)
                ):
                    # a disease's or phenotype's abbreviation of at most three letters
                    # (DCM, BPD, AEA; as for gene symbols) stands for other things in
                    # neuroscience text (dynamic causal modelling, anandamide): it counts
                    # where the text defines it or names the entity in full, not alone
                    amb = how == SYNONYM and e.kind in ("disease", "phenotype") and len(phrase) <= 3
                    symbols.setdefault(phrase, (idx, amb))  # DLPFC, dlPFC, mPFC, tDCS
                    if amb:
                        long = [_key(n) for n in (e.name, *e.synonyms) if len(n) > 5]
                        self.long_names[idx] = long
                    continue
                add(phrase, idx, how, pr)
            if e.kind == "disease":
                fam = _disease_family(e.name)
                if fam:
                    # "Parkinson disease, late-onset" stands for the family before
                    # "Parkinson disease 4"
                    numbered = bool(re.match(re.escape(fam) + r"\s+\d", e.name))
                    pr = 20 + 2 * numbered
                    add(fam, idx, SYNONYM, pr)
                    for p in _possessive_forms(fam):
                        add(p, idx, SYNONYM, pr + 1)
        self._phrases = ahocorasick.Automaton()
        for key, (_, idx, how) in phrases.items():
            self._phrases.add_word(key, (len(key), idx, how))
        self._phrases.make_automaton()
        self._symbols = ahocorasick.Automaton()
        for sym, (idx, amb) in symbols.items():
            self._symbols.add_word(sym, (len(sym), idx, amb))
        self._symbols.make_automaton()
        self.symbol_set = frozenset(symbols)

    # ----- matching ------------------------------------------------------------
    def find(self, text: str) -> list[Mention]:
        """Every mention in ``text``, in order, overlaps resolved (longest first)."""
        if not text:
            return []
        folded = fold(text)
        n = len(text)
        cands: list[tuple[int, int, int, str, bool]] = []  # start, end, idx, how, ambiguous
        for end_i, (length, idx, how) in self._phrases.iter(folded):
            start, end = end_i - length + 1, end_i + 1
            if start > 0 and (
                folded[start - 1].isalnum()
                or (text[start - 1] == "-" and start > 1 and text[start - 2].isalnum())
            ):
                continue  # inside a word, or the second half of a compound ("Opitz-Frias")
            if end < n and folded[end].isalnum():
                if folded[end] == "s" and (end + 1 == n or not folded[end + 1].isalnum()):
                    end += 1  # plural
                else:
                    continue
            cands.append((start, end, idx, how, False))
        for end_i, (length, idx, amb) in self._symbols.iter(text):
            start, end = end_i - length + 1, end_i + 1
            if start > 0 and (
                text[start - 1].isalnum()
                or (text[start - 1] == "-" and start > 1 and text[start - 2].isalnum())
            ):
                continue
            if end < n and text[end].isalnum():
                # APOE4, SNCA's: an allele digit or a plural after the symbol
                nxt = text[end]
                after = text[end + 1] if end + 1 < n else " "
                if not ((nxt.isdigit() or nxt == "s") and not after.isalnum()):
                    continue
                if text[start : end + 1] in self.symbol_set:
                    continue
            cands.append((start, end, idx, SYMBOL, amb))
        if not cands and "(" not in text:
            return []
        if _ORG_HEAD.search(text):
            orgs = _organisations(text)
            cands = [c for c in cands if not any(a <= c[0] and c[1] <= b for a, b in orgs)]
        chosen = self._resolve(cands)
        chosen = self._nested_regions(cands, chosen)
        if "(" in text:
            chosen = self._split_names(text, chosen)
        chosen = self._abbreviations(text, chosen)
        chosen = self._gene_context(text, folded, chosen)
        out: list[Mention] = []
        prev_end, prev_neg = 0, False
        for s, e, idx, how, _ in chosen:
            between = text[prev_end:s]
            if out and prev_neg and _LIST_GAP.fullmatch(between):
                neg = True  # "no seizures, tremor or ataxia"
            else:
                neg = _negated(text[prev_end if out else 0 : s])
            out.append(Mention(self.ids[idx], self.kinds[idx], s, e, text[s:e], how, neg))
            prev_end, prev_neg = e, neg
        return out

    @staticmethod
    def _resolve(
        cands: list[tuple[int, int, int, str, bool]],
    ) -> list[tuple[int, int, int, str, bool]]:
        cands.sort(key=lambda c: (c[0], -(c[1] - c[0]), c[3] == SYMBOL))
        out: list[tuple[int, int, int, str, bool]] = []
        last_end = -1
        for c in cands:
            if c[0] >= last_end:
                out.append(c)
                last_end = c[1]
        return out

    def _nested_regions(
        self,
        cands: list[tuple[int, int, int, str, bool]],
        chosen: list[tuple[int, int, int, str, bool]],
    ) -> list[tuple[int, int, int, str, bool]]:
        """A region inside a longer phenotype ("hippocampal atrophy") is named too."""
        outer = [c for c in chosen if self.kinds[c[2]] not in ("region", "gene")]
        if not outer:
            return chosen
        inner = [
            (c[0], c[1], c[2], NESTED, False)
            for c in cands
            if self.kinds[c[2]] == "region"
            and any(o[0] <= c[0] and c[1] <= o[1] and (o[0], o[1]) != (c[0], c[1]) for o in outer)
        ]
        if not inner:
            return chosen
        seen = set()
        uniq = []
        for c in inner:  # one per span
            if (c[0], c[1]) not in seen:
                seen.add((c[0], c[1]))
                uniq.append(c)
        return sorted(chosen + uniq)

    def _split_names(
        self, text: str, chosen: list[tuple[int, int, int, str, bool]]
    ) -> list[tuple[int, int, int, str, bool]]:
        """A name with its abbreviation inside it: "von Hippel-Lindau (VHL) disease" names
        the disease, and so does a later "VHL disease"."""
        found: list[tuple[int, int, int, str, bool]] = []
        for m in _ABBR_DEF.finditer(text):
            abbr = m.group(1)
            lo, hi = max(0, m.start() - 80), min(len(text), m.end() + 60)
            left = text[lo : m.start()].rstrip()
            right = text[m.end() : hi]
            if not left or not right[:1].isspace() or not right.strip():
                continue
            right = right.lstrip()
            r0 = hi - len(right)
            joined = fold(left + " " + right)
            cut = len(left)
            best = None
            for end_i, (length, idx, _how) in self._phrases.iter(joined):
                s0, e0 = end_i - length + 1, end_i + 1
                if not (s0 < cut < e0 - 1) or (s0 > 0 and joined[s0 - 1].isalnum()):
                    continue
                if e0 < len(joined) and joined[e0].isalnum():
                    continue
                if not _abbreviates(abbr, left[s0:]):
                    continue
                if best is None or e0 - s0 > best[1] - best[0]:
                    best = (s0, e0, idx)
            if best is None:
                continue
            s0, e0, idx = best
            start, end = lo + s0, r0 + (e0 - cut - 1)
            found.append((start, end, idx, ABBREVIATION, False))
            tail = text[r0:end]
            pat = rf"(?<![\w-]){re.escape(abbr)}\s+{re.escape(tail)}(?![\w-])"
            found += [
                (x.start(), x.end(), idx, ABBREVIATION, False) for x in re.finditer(pat, text)
            ]
        if not found:
            return chosen
        keep = [c for c in chosen if not any(f[0] < c[1] and c[0] < f[1] for f in found)]
        return sorted(keep + found)

    def _abbreviations(
        self, text: str, chosen: list[tuple[int, int, int, str, bool]]
    ) -> list[tuple[int, int, int, str, bool]]:
        if "(" not in text:
            return chosen
        defined: dict[str, int | None] = {}  # abbreviation -> entity index (None: not an entity)
        first_use: dict[str, int] = {}
        ends = {c[1]: c for c in chosen}
        for m in _ABBR_DEF.finditer(text):
            abbr = m.group(1)
            if abbr.islower() or not any(c.isupper() for c in abbr):
                continue
            before = text[: m.start()].rstrip()
            cand = ends.get(len(before))
            if cand is not None and _abbreviates(abbr, text[cand[0] : cand[1]]):
                if not (self.kinds[cand[2]] == "gene" and abbr == text[cand[0] : cand[1]]):
                    defined[abbr] = cand[2]
                    first_use[abbr] = m.start()
                continue
            words = _WORDS.findall(before[-80:])
            for k in range(1, min(len(words), len(abbr) + 3) + 1):
                if _abbreviates(abbr, " ".join(words[-k:])):
                    if abbr not in defined:
                        defined[abbr] = None
                        first_use[abbr] = m.start()
                    break
        if not defined:
            return chosen
        # "the VHL gene" names the gene even where VHL abbreviated something else
        out = [
            c
            for c in chosen
            if not (
                c[3] == SYMBOL
                and text[c[0] : c[1]] in defined
                and not _GENE_AFTER.match(text, c[1])
            )
        ]
        taken = [(c[0], c[1]) for c in out]
        extra = []
        for abbr, idx in defined.items():
            if idx is None:
                continue
            for m in re.finditer(rf"(?<![\w-]){re.escape(abbr)}s?(?![\w-])", text):
                if m.start() < first_use[abbr]:
                    continue
                if any(s < m.end() and m.start() < e for s, e in taken):
                    continue
                extra.append((m.start(), m.start() + len(abbr), idx, ABBREVIATION, False))
        return sorted(out + extra)

    def _gene_context(
        self, text: str, folded: str, chosen: list[tuple[int, int, int, str, bool]]
    ) -> list[tuple[int, int, int, str, bool]]:
        if not any(c[4] for c in chosen):
            return chosen
        firm_genes = [c for c in chosen if self.kinds[c[2]] == "gene" and not c[4]]
        out = []
        for c in chosen:
            if not c[4]:
                out.append(c)
                continue
            s, e, idx = c[0], c[1], c[2]
            lo, hi = max(0, s - CONTEXT_CHARS), min(len(text), e + CONTEXT_CHARS)
            for m in _CLAUSE.finditer(text, lo, s):  # the symbol's own sentence only
                lo = m.end()
            m2 = _CLAUSE.search(text, e, hi)
            hi = m2.start() if m2 else hi
            if self.kinds[idx] != "gene":  # a short form of a disease or phenotype
                near = any(k and k in folded for k in self.long_names.get(idx, []))
            else:
                near = (
                    _GENE_CUES.search(text, lo, hi) is not None
                    or any(k and k in folded for k in self.long_names.get(idx, []))
                    or any(lo <= g[0] < hi and g[2] != idx for g in firm_genes)
                )
            if near:
                out.append((s, e, idx, SYMBOL_CONTEXT, False))
        return out


def _organisations(text: str) -> list[tuple[int, int]]:
    """Spans of organisation names: capitalised words (and 'of', 'and', …) on both
    sides of an organisation word, trimmed of the joining words at their ends."""
    spans: list[tuple[int, int]] = []
    toks = [(t.start(), t.end(), t.group()) for t in re.finditer(r"[\w'’.&-]+|,", text)]
    for m in _ORG_HEAD.finditer(text):
        i = next(k for k, t in enumerate(toks) if t[0] <= m.start() < t[1])
        lo = hi = i
        while lo > 0 and _ORG_WORD.fullmatch(toks[lo - 1][2]):
            lo -= 1
        while hi + 1 < len(toks) and _ORG_WORD.fullmatch(toks[hi + 1][2]):
            hi += 1
        while lo < i and not toks[lo][2][:1].isupper():
            lo += 1
        while hi > i and not toks[hi][2][:1].isupper():
            hi -= 1
        spans.append((toks[lo][0], toks[hi][1]))
    return spans


def _abbreviates(abbr: str, long_form: str) -> bool:
    """Schwartz-Hearst: the abbreviation's letters appear in order in the long form,
    the first one starting a word of it."""
    a = [c for c in abbr.lower() if c.isalnum()]
    lf = long_form.lower()
    if not a or len(lf) <= len(a) or not lf[:1].isalnum() or lf[0] != a[0]:
        return False
    pos = 0
    for ch in a:
        pos = lf.find(ch, pos)
        if pos < 0:
            return False
        pos += 1
    return True


def _negated(before: str) -> bool:
    """Whether the text before a mention (back to the previous mention) ends in a
    negation cue within its clause and six words."""
    window = before[-60:]
    ends = [m.end() for m in _CLAUSE_END.finditer(window)]
    if ends:
        window = window[ends[-1] :]
    window = " ".join(window.split()[-6:])
    return _NEGATION.search(window) is not None
