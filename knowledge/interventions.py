"""Interventions, transmitters and processes.

Interventions come from the ClinicalTrials.gov records' ``intervention`` field
(when the corpus is present) plus a short curated list of the drugs and
therapies the corpora's neurology and psychiatry name, since the trial sample
carries few drug names. Transmitters and processes are closed classes, curated
here.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

from brainweave.knowledge.vocab import Entity, VocabInfo, parse_error, slug

log = logging.getLogger(__name__)

CURATED_VERSION = "1"

# name: synonyms (abbreviations, plurals that are not a trailing "s", brand-free)
INTERVENTIONS: dict[str, list[str]] = {
    "deep brain stimulation": ["DBS"],
    "transcranial magnetic stimulation": [
        "TMS",
        "rTMS",
        "repetitive transcranial magnetic stimulation",
    ],
    "transcranial direct current stimulation": ["tDCS"],
    "electroconvulsive therapy": ["ECT"],
    "vagus nerve stimulation": ["VNS"],
    "cognitive behavioral therapy": [
        "CBT",
        "cognitive behavioural therapy",
        "cognitive-behavioral therapy",
    ],
    "cognitive training": ["cognitive rehabilitation", "cognitive remediation"],
    "exercise": ["physical exercise", "aerobic exercise", "physical activity"],
    "physical therapy": ["physiotherapy"],
    "mindfulness": ["mindfulness-based intervention", "meditation"],
    "gene therapy": [],
    "antisense oligonucleotide": ["ASO"],
    "stem cell therapy": ["stem cell transplantation"],
    "levodopa": ["L-DOPA", "L-dopa", "carbidopa-levodopa"],
    "dopamine agonist": ["pramipexole", "ropinirole", "rotigotine"],
    "MAO-B inhibitor": ["rasagiline", "selegiline", "safinamide"],
    "amantadine": [],
    "cholinesterase inhibitor": [
        "acetylcholinesterase inhibitor",
        "donepezil",
        "rivastigmine",
        "galantamine",
    ],
    "memantine": [],
    "anti-amyloid antibody": ["lecanemab", "aducanumab", "donanemab"],
    "riluzole": [],
    "edaravone": [],
    "tetrabenazine": ["deutetrabenazine", "valbenazine"],
    "antiepileptic drug": [
        "anticonvulsant",
        "antiseizure medication",
        "levetiracetam",
        "lamotrigine",
        "carbamazepine",
        "valproate",
        "valproic acid",
        "topiramate",
        "phenytoin",
    ],
    "antipsychotic": [
        "clozapine",
        "haloperidol",
        "risperidone",
        "olanzapine",
        "quetiapine",
        "aripiprazole",
    ],
    "antidepressant": [
        "SSRI",
        "selective serotonin reuptake inhibitor",
        "fluoxetine",
        "sertraline",
        "escitalopram",
        "citalopram",
        "paroxetine",
    ],
    "ketamine": ["esketamine"],
    "lithium": [],
    "psychostimulant": ["methylphenidate", "atomoxetine", "amphetamine", "modafinil"],
    "botulinum toxin": ["botox"],
    "disease-modifying therapy": ["interferon beta", "natalizumab", "ocrelizumab", "fingolimod"],
    "nusinersen": [],
    "gabapentinoid": ["gabapentin", "pregabalin"],
    "baclofen": [],
    "melatonin": [],
    "cannabidiol": ["CBD"],
    "psilocybin": [],
    "opioid": ["morphine", "buprenorphine", "methadone"],
    "continuous positive airway pressure": ["CPAP"],
}

TRANSMITTERS: dict[str, list[str]] = {
    "dopamine": ["dopaminergic"],
    "serotonin": ["serotonergic", "5-HT", "5-hydroxytryptamine"],
    "glutamate": ["glutamatergic"],
    "GABA": ["GABAergic", "gamma-aminobutyric acid", "γ-aminobutyric acid"],
    "acetylcholine": ["cholinergic"],
    "noradrenaline": ["norepinephrine", "noradrenergic"],
    "glycine": ["glycinergic"],
    "histamine": ["histaminergic"],
}

PROCESSES: dict[str, list[str]] = {
    "amyloid": [
        "amyloid beta",
        "amyloid-beta",
        "beta-amyloid",
        "Aβ",
        "amyloid plaques",
        "amyloid plaque",
    ],
    "tau": [
        "tau protein",
        "tauopathy",
        "tauopathies",
        "neurofibrillary tangles",
        "phosphorylated tau",
        "p-tau",
    ],
    "alpha-synuclein": ["α-synuclein", "synucleinopathy", "lewy bodies"],
    "synaptic plasticity": ["long-term potentiation", "LTP", "long-term depression"],
    "neuroinflammation": ["microglial activation", "microglia", "microglial", "astrogliosis"],
    "myelination": ["myelin", "remyelination"],
    "oxidative stress": [],
    "apoptosis": ["apoptotic"],
    "autophagy": [],
    "mitochondrial dysfunction": [],
    "neurogenesis": [],
    "excitotoxicity": [],
    "blood-brain barrier": ["BBB"],
    "memory": ["episodic memory", "working memory"],
}
GENERIC_PROCESSES = {"memory"}

_PAREN = re.compile(r"\s*\(([^)]*)\)\s*")
_GENERIC = re.compile(
    r"^(placebo|sham|control|intervention|usual care|standard (of )?care|biological|other|"
    r"combined program|treatment|no intervention|waitlist|wait list)\b",
    re.I,
)
# measurements and diagnostic procedures some trials list as their intervention: how a
# study measured, not what it treated with (unless the name says it treats)
_MEASUREMENT = re.compile(
    r"\b(imaging|MRI|fMRI|PET|CT|scans?|EEG|MEG|recordings?|assessments?|measurements?|"
    r"biops(y|ies)|puncture|questionnaires?|interviews?|tests?|testing|surveys?|sampling)\b",
    re.I,
)
_TREATS = re.compile(r"\b(therap\w*|stimulation|treatment|training|rehabilitation)\b", re.I)
_QUALIFIER = re.compile(r"^(active|real|high frequency|low frequency|home|repetitive)\s+", re.I)


def _closed(kind: str, table: dict[str, list[str]], generic: set[str]) -> list[Entity]:
    return [
        Entity(
            id=f"{kind}:{slug(name)}",
            kind=kind,
            name=name,
            synonyms=syns,
            source="brainweave curated list",
            version=CURATED_VERSION,
            generic=name in generic,
        )
        for name, syns in table.items()
    ]


def load_curated() -> tuple[list[Entity], list[VocabInfo]]:
    ents = (
        _closed("intervention", INTERVENTIONS, set())
        + _closed("transmitter", TRANSMITTERS, set())
        + _closed("process", PROCESSES, GENERIC_PROCESSES)
    )
    info = VocabInfo(
        name="curated",
        kind="intervention, transmitter, process",
        source="brainweave/knowledge/interventions.py: drugs and therapies the corpora name, "
        "transmitters, processes",
        version=CURATED_VERSION,
        license="Apache-2.0 (this project)",
        entities=len(ents),
    )
    return ents, [info]


def load_ctgov(
    path: Path | None, english: set[str] | frozenset[str] = frozenset()
) -> tuple[list[Entity], list[VocabInfo]]:
    """One intervention per distinct ClinicalTrials.gov ``intervention`` value that
    names a specific treatment (not a placebo, sham or "intervention"; not one word of
    ordinary English, such as "Examination" or "Schizophrenia", which some trials list)."""
    if path is None or not path.is_file():
        return [], []
    by_slug: dict[str, Entity] = {}
    with path.open(encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as err:
                # a corpus record, not a packaged vocabulary: the index build reports it
                # (and skips it with --skip-bad); the vocabulary goes on without it
                log.warning("%s", parse_error(path, line_no, f"not JSON ({err.msg}); skipped"))
                continue
            raw = rec.get("intervention") if isinstance(rec, dict) else None
            if not raw or not isinstance(raw, str):
                continue
            abbrevs = [a.strip() for a in _PAREN.findall(raw)]
            name = " ".join(_PAREN.sub(" ", raw).split())
            name = _QUALIFIER.sub("", name)
            if _GENERIC.match(name) or len(name) < 4 or len(name.split()) > 6:
                continue
            if re.search(r"\d", name):  # device models, doses: specific to one trial
                continue
            if _MEASUREMENT.search(name) and not _TREATS.search(name):
                continue
            if " " not in name and name.lower() in english:
                continue
            key = slug(name)
            ent = by_slug.get(key)
            if ent is None:
                ent = by_slug[key] = Entity(
                    id=f"intervention:{key}",
                    kind="intervention",
                    name=name,
                    source="ClinicalTrials.gov intervention fields",
                    version=path.name,
                    xrefs=[],
                )
            nct = str(rec.get("nct_id") or "")
            if nct and len(ent.xrefs) < 20:
                ent.xrefs.append(nct)
            for a in abbrevs:
                if (
                    2 <= len(a) <= 10
                    and re.fullmatch(r"[A-Za-z][A-Za-z\-]*", a)
                    and a not in ent.synonyms
                ):
                    ent.synonyms.append(a)
    info = VocabInfo(
        name="ctgov_interventions",
        kind="intervention",
        source=f"ClinicalTrials.gov intervention fields ({path})",
        version=path.name,
        license="ClinicalTrials.gov data: public domain; NeuroTrialNER repository MIT",
        entities=len(by_slug),
    )
    return list(by_slug.values()), [info]
