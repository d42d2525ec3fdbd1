"""BASELINE ONLY: the hand-written lexicon brainweave used before the knowledge layer
(agents/entities.py at commit 1cbb2ba), kept verbatim for benchmarks/entities.py to
compare against. Nothing in the package imports it."""

from __future__ import annotations

import re
from functools import lru_cache

LEXICON: dict[str, dict[str, list[str]]] = {
    "condition": {
        "Alzheimer's disease": [
            "alzheimer's disease",
            "alzheimer disease",
            "alzheimer's",
            "alzheimer",
        ],
        "Parkinson's disease": [
            "parkinson's disease",
            "parkinson disease",
            "parkinson's",
            "parkinsonism",
        ],
        "Huntington's disease": ["huntington's disease", "huntington disease", "huntington"],
        "amyotrophic lateral sclerosis": ["amyotrophic lateral sclerosis", "motor neuron disease"],
        "multiple sclerosis": ["multiple sclerosis"],
        "epilepsy": ["epilepsy", "epileptic", "seizure", "seizures"],
        "schizophrenia": ["schizophrenia", "schizophrenic", "psychosis", "psychotic"],
        "autism": ["autism", "autistic", "autism spectrum disorder"],
        "depression": ["depression", "depressive", "major depressive disorder"],
        "bipolar disorder": ["bipolar disorder", "bipolar"],
        "dementia": ["dementia", "dementias"],
        "frontotemporal dementia": ["frontotemporal dementia", "frontotemporal lobar degeneration"],
        "stroke": ["stroke", "cerebral infarction", "ischemic stroke"],
        "migraine": ["migraine"],
        "ADHD": ["attention deficit hyperactivity disorder", "adhd"],
        "anxiety": ["anxiety", "anxiety disorder"],
        "intellectual disability": ["intellectual disability", "mental retardation"],
        "neurodegeneration": ["neurodegeneration", "neurodegenerative"],
        "mild cognitive impairment": ["mild cognitive impairment"],
        "cognitive decline": ["cognitive decline", "cognitive impairment", "memory decline"],
        "memory impairment": ["memory impairment", "memory loss", "amnesia"],
        "ataxia": ["ataxia", "ataxic"],
        "dystonia": ["dystonia"],
        "neuropathy": ["neuropathy", "neuropathic"],
        "glioma": ["glioma", "glioblastoma"],
        "traumatic brain injury": ["traumatic brain injury", "concussion"],
        "chronic pain": ["chronic pain", "fibromyalgia"],
        "atrophy": ["atrophy", "brain atrophy"],
        "microcephaly": ["microcephaly"],
        "hydrocephalus": ["hydrocephalus"],
        "tremor": ["tremor", "essential tremor"],
        "insomnia": ["insomnia", "sleep disorder", "sleep disturbance"],
        "addiction": ["addiction", "substance use disorder", "alcohol use disorder"],
    },
    "region": {
        "hippocampus": ["hippocampus", "hippocampal"],
        "amygdala": ["amygdala", "amygdalar"],
        "prefrontal cortex": ["prefrontal cortex", "prefrontal", "dorsolateral prefrontal"],
        "striatum": ["striatum", "striatal", "caudate", "putamen"],
        "cerebellum": ["cerebellum", "cerebellar"],
        "thalamus": ["thalamus", "thalamic"],
        "hypothalamus": ["hypothalamus", "hypothalamic"],
        "substantia nigra": ["substantia nigra", "nigral", "nigrostriatal"],
        "entorhinal cortex": ["entorhinal cortex", "entorhinal"],
        "insula": ["insula", "insular cortex"],
        "cingulate cortex": ["cingulate cortex", "cingulate"],
        "nucleus accumbens": ["nucleus accumbens"],
        "visual cortex": ["visual cortex", "occipital cortex", "occipital"],
        "motor cortex": ["motor cortex", "primary motor"],
        "temporal lobe": ["temporal lobe", "temporal cortex", "medial temporal"],
        "parietal cortex": ["parietal cortex", "parietal"],
        "frontal lobe": ["frontal lobe", "frontal cortex"],
        "basal ganglia": ["basal ganglia"],
        "white matter": ["white matter"],
        "gray matter": ["gray matter", "grey matter"],
        "brainstem": ["brainstem", "brain stem"],
        "cortex": ["cerebral cortex", "cortical thickness", "neocortex"],
        "default mode network": ["default mode network", "default-mode network"],
    },
    "intervention": {
        "deep brain stimulation": ["deep brain stimulation"],
        "transcranial magnetic stimulation": ["transcranial magnetic stimulation", "rtms", "tms"],
        "transcranial direct current stimulation": [
            "transcranial direct current stimulation",
            "tdcs",
        ],
        "levodopa": ["levodopa", "l-dopa"],
        "antidepressant": ["antidepressant", "antidepressants", "ssri", "ssris"],
        "antipsychotic": ["antipsychotic", "antipsychotics"],
        "cholinesterase inhibitor": ["cholinesterase inhibitor", "donepezil", "rivastigmine"],
        "exercise": ["exercise", "physical activity"],
        "cognitive training": ["cognitive training", "cognitive rehabilitation"],
        "ketamine": ["ketamine"],
        "lithium": ["lithium"],
    },
    "transmitter": {
        "dopamine": ["dopamine", "dopaminergic"],
        "serotonin": ["serotonin", "serotonergic"],
        "glutamate": ["glutamate", "glutamatergic", "nmda"],
        "GABA": ["gaba", "gabaergic"],
        "acetylcholine": ["acetylcholine", "cholinergic"],
        "noradrenaline": ["noradrenaline", "norepinephrine", "noradrenergic"],
    },
    "process": {
        "amyloid": ["amyloid", "amyloid beta", "amyloid-beta"],
        "tau": ["tau", "tauopathy", "neurofibrillary"],
        "alpha-synuclein": ["alpha-synuclein", "synuclein"],
        "synaptic plasticity": ["synaptic plasticity", "long-term potentiation"],
        "neuroinflammation": ["neuroinflammation", "microglia", "microglial"],
        "myelination": ["myelination", "myelin", "demyelination"],
        "memory": ["memory", "episodic memory", "working memory"],
        "lipid metabolism": ["lipid metabolism", "cholesterol", "lipoprotein"],
    },
}

# Entities too broad to bridge or re-query on by themselves
GENERIC = {"condition:atrophy", "condition:neurodegeneration", "process:memory"}

# Uppercase words that look like gene symbols but are not.
_NOT_GENES = {
    "MRI",
    "FMRI",
    "PET",
    "EEG",
    "MEG",
    "DTI",
    "BOLD",
    "DNA",
    "RNA",
    "MRNA",
    "CNS",
    "CSF",
    "ADHD",
    "ALS",
    "AD",
    "PD",
    "HD",
    "MS",
    "MCI",
    "FTD",
    "TBI",
    "OCD",
    "PTSD",
    "ASD",
    "USA",
    "NIH",
    "FDA",
    "COVID",
    "HIV",
    "SARS",
    "II",
    "III",
    "IV",
    "VI",
    "VII",
    "VIII",
    "IX",
    "XI",
    "XII",
    "QA",
    "NCT",
    "HPO",
    "ID",
    "OMIM",
    "GO",
    "UK",
    "EU",
    "WHO",
    "TMS",
    "TDCS",
    "RTMS",
    "DBS",
    "SSRI",
    "NMDA",
    "GABA",
    "ATP",
    "ADP",
    "NAD",
    "MNI",
    "ROI",
    "ICA",
    "PCA",
    "SD",
    "SE",
    "CI",
    "OR",
    "HR",
    "RR",
    "BMI",
    "IQ",
    "ECG",
    "ICU",
    "ER",
    "NOT",
    "AND",
    "THE",
    "FOR",
    "WITH",
    "RESULTS",
    "METHODS",
    "BACKGROUND",
    "CONCLUSIONS",
}
_GENE = re.compile(r"(?<![\w-])([A-Z][A-Z0-9]{1,7}|C\d+orf\d+)(?!\w)")
# Well-known neuro genes without a digit in their symbol (others need a digit to count)
KNOWN_GENES = {
    "APOE",
    "APP",
    "MAPT",
    "SNCA",
    "GBA",
    "HTT",
    "GRN",
    "BDNF",
    "MECP2",
    "DISC1",
    "COMT",
    "TREM2",
    "SORL1",
    "CLU",
    "PICALM",
    "BIN1",
    "ABCA7",
    "CD33",
    "PRNP",
    "TARDBP",
    "FUS",
    "PRKN",
    "OXTR",
    "RELN",
    "NRXN1",
    "DRD2",
    "GRIN2B",
    "SYNGAP1",
    "DYRK1A",
    "PTEN",
    "DCTN1",
}


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    out = []
    for kind, names in LEXICON.items():
        for canonical, aliases in names.items():
            alts = sorted({a.lower() for a in [canonical, *aliases]}, key=len, reverse=True)
            body = "|".join(re.escape(a).replace("\\'", "'?") for a in alts)
            out.append((f"{kind}:{canonical}", re.compile(rf"(?<![\w-])(?:{body})(?![\w-])", re.I)))
    return out


def find_entities(text: str, *, genes: bool = True) -> list[str]:
    """The ``kind:name`` entities a text names, sorted and unique."""
    found = {key for key, pat in _patterns() if pat.search(text)}
    if genes:
        for m in _GENE.finditer(text):
            sym = m.group(1)
            if sym.upper() in _NOT_GENES:
                continue
            if sym in KNOWN_GENES or (any(c.isdigit() for c in sym) and len(sym) >= 3):
                found.add(f"gene:{sym}")
    return sorted(found)


def label(entity: str) -> str:
    """The name part of ``kind:name``."""
    return entity.split(":", 1)[1] if ":" in entity else entity


def kind(entity: str) -> str:
    return entity.split(":", 1)[0] if ":" in entity else ""
