"""How tests/data/retrieval_queries.jsonl was judged: by reading the corpus records.

Each query below was written by hand, as a scientist would ask it; its relevant
records were chosen by reading the corpus files (records read through the adapters,
so that ids are the index's doc ids): a named record, every MedQuAD/GHR page on the
condition, or the records whose titles name what the query asks for (the regular
expressions below). No retrieval system was run to make it. Re-running writes the
same file:

    python tests/data/retrieval_queries_judged.py ../shared/data tests/data/retrieval_queries.jsonl
"""

import json
import re
import sys
from collections import Counter
from pathlib import Path

from brainweave.corpora import builtin_sources
from brainweave.retrieval.ingest import iter_documents

docs = [
    {"id": d.id, "source": d.source, "title": d.title, "text": d.text[:3000], "meta": d.metadata}
    for s in builtin_sources()
    for d in iter_documents(s, Path(sys.argv[1]), skip_bad=True)
]
by_id = {d["id"]: d for d in docs}
pmid_nq = {d["meta"].get("pmid"): d["id"] for d in docs if d["source"] == "neuroquery_study_cards"}
pmid_nq = {str(k): v for k, v in pmid_nq.items()}


def focus(src, name):
    return [
        d["id"]
        for d in docs
        if d["source"] == src and (d["meta"].get("focus") or "").lower() == name.lower()
    ]


def focus_like(src, pat):
    r = re.compile(pat, re.I)
    return [d["id"] for d in docs if d["source"] == src and r.search(d["meta"].get("focus") or "")]


def titles(src, *pats, where="title"):
    rs = [re.compile(p, re.I) for p in pats]
    out = []
    for d in docs:
        if d["source"] != src:
            continue
        hay = d["title"] if where == "title" else d["title"] + " " + d["text"]
        if all(r.search(hay) for r in rs):
            out.append(d["id"])
    return out


def G(*ids):
    return [f"refseq_gene_summaries/NCBIGene:{i}" for i in ids]


def H(*ids):
    return [f"hpo_terms/HP:{i}" for i in ids]


GHR = "medquad_genetics_home_reference"


def NQ(*p):
    return [f"neuroquery_study_cards/PMID:{x}" for x in p]


def PMC(*p):
    return [f"pmc_oa_neuroimaging_abstracts/{x}" for x in p]


def CT(*n):
    return [f"ctgov_neuro_trials/{x}" for x in n]


def MQ(*x):
    return [f"medquad_qa/{y}" for y in x]


def PQ(*p):
    return [f"pubmedqa_pqal/PMID:{x}" for x in p]


Q = []


def q(domain, type_, query, relevant, note=""):
    Q.append({"domain": domain, "type": type_, "query": query, "relevant": relevant, "note": note})


# ---------------- genetics
for sym, gid in [
    ("APOE", 348),
    ("GRIN2B", 2904),
    ("TH", 7054),
    ("SNCA", 6622),
    ("MAPT", 4137),
    ("LRRK2", 120892),
    ("SCN1A", 6323),
    ("MECP2", 4204),
    ("COMT", 1312),
    ("SLC6A4", 6532),
    ("FMR1", 2332),
    ("PSEN1", 5663),
]:
    q("genetics", "symbol", sym, G(gid), "the gene's RefSeq record")
for name in [
    "Rett syndrome",
    "Tay-Sachs disease",
    "Angelman syndrome",
    "Prader-Willi syndrome",
    "spinal muscular atrophy",
    "Wilson disease",
]:
    q("genetics", "name", name, focus(GHR, name), "every GHR page on the condition")
q("genetics", "name", "dystonia", H("0001332"), "the HPO term")
q("genetics", "name", "chorea", H("0002072"), "the HPO term")
q(
    "genetics",
    "paraphrase",
    "which enzyme limits how fast neurons make dopamine and noradrenaline",
    G(7054),
    "TH: rate-limiting enzyme of catecholamine synthesis",
)
q(
    "genetics",
    "paraphrase",
    "synaptic protein that clumps in Parkinson's and Alzheimer's brains",
    G(6622),
    "SNCA summary: Parkinson pathogenesis, amyloid plaques",
)
q(
    "genetics",
    "paraphrase",
    "gene for the transporter that clears serotonin from the synapse",
    G(6532),
    "SLC6A4",
)
q(
    "genetics",
    "paraphrase",
    "convulsions in a toddler with a high temperature",
    H("0002373", "0011171", "0011172", "0032894"),
    "febrile seizure terms",
)
q(
    "genetics",
    "paraphrase",
    "head circumference far below normal for age",
    H("0000252"),
    "microcephaly",
)
q(
    "genetics",
    "paraphrase",
    "upper eyelid hangs down over the eye",
    H("0000508", "0007687", "0007838"),
    "ptosis terms",
)
q(
    "genetics",
    "paraphrase",
    "complete inability to perceive odours",
    H("0000458", "0010632"),
    "anosmia, total anosmia",
)
q(
    "genetics",
    "paraphrase",
    "tremor of a relaxed limb that fades when it moves",
    H("0002322"),
    "resting tremor",
)
q(
    "genetics",
    "paraphrase",
    "slow continuous twisting involuntary movements of the hands",
    H("0002305"),
    "athetosis",
)
q(
    "genetics",
    "paraphrase",
    "which gene is mutated in girls with Rett syndrome",
    [f"{GHR}/3_GHR_QA:0000874-3:rett-syndrome", *G(4204)],
    "GHR genetic-changes page (MECP2); MECP2 record",
)
q(
    "genetics",
    "paraphrase",
    "how many people have Huntington disease",
    [f"{GHR}/3_GHR_QA:0000489-2:huntington-disease"],
    "GHR frequency page",
)
q(
    "genetics",
    "paraphrase",
    "is Wilson disease passed down in families",
    [f"{GHR}/3_GHR_QA:0001037-4:wilson-disease"],
    "GHR inheritance page",
)
q("genetics", "id", "HP:0001250", H("0001250"), "Seizure")
q("genetics", "id", "NCBIGene:348", G(348), "APOE")
q("genetics", "id", "Gene ID 7054", G(7054), "TH")
q("genetics", "id", "HP:0002072", H("0002072"), "Chorea")

# ---------------- neuroimaging
q(
    "neuroimaging",
    "region",
    "nucleus accumbens reward",
    titles("neuroquery_study_cards", "nucleus accumbens", "reward|incentive"),
    "titles naming both",
)
q(
    "neuroimaging",
    "region",
    "amygdala fear conditioning",
    titles("neuroquery_study_cards", "amygdala", "fear condition") + PMC("PMID:26122585"),
    "titles naming both; fear-conditioning meta-analysis",
)
q(
    "neuroimaging",
    "region",
    "visual word form area",
    titles("neuroquery_study_cards", "visual word form"),
    "titles naming the VWFA",
)
q(
    "neuroimaging",
    "region",
    "subthalamic nucleus stimulation in Parkinson's disease",
    titles("neuroquery_study_cards", "subthalamic", "parkinson"),
    "titles naming STN and Parkinson",
)
q(
    "neuroimaging",
    "region",
    "anterior insula and interoception",
    titles("neuroquery_study_cards", "insul", "interocept"),
    "titles naming insula and interoception",
)
q(
    "neuroimaging",
    "region",
    "putamen in Parkinson's disease",
    titles("neuroquery_study_cards", "putamen", "parkinson")
    + titles("pmc_oa_neuroimaging_abstracts", "putamen", "parkinson"),
    "titles naming putamen and Parkinson",
)
q(
    "neuroimaging",
    "region",
    "intraparietal sulcus number processing",
    titles("pmc_oa_neuroimaging_abstracts", "intraparietal", "number")
    + titles("neuroquery_study_cards", "intraparietal", "number|numer"),
    "titles naming IPS and numbers",
)
q(
    "neuroimaging",
    "region",
    "cerebellum in auditory processing",
    titles("pmc_oa_neuroimaging_abstracts", "cerebell", "auditory")
    + titles("neuroquery_study_cards", "cerebell", "auditory"),
    "titles naming cerebellum and audition",
)
q(
    "neuroimaging",
    "region",
    "parahippocampal cortex during spatial navigation",
    titles("neuroquery_study_cards", "hippocamp", "navigat"),
    "titles naming (para)hippocampus and navigation",
)
q(
    "neuroimaging",
    "region",
    "fusiform face area",
    titles("neuroquery_study_cards", "fusiform face area|\\bFFA\\b"),
    "titles naming the FFA",
)
q(
    "neuroimaging",
    "paraphrase",
    "does hearing derogatory speech about outgroups reduce empathy for their pain",
    PMC("PMC10011534"),
    "",
)
q(
    "neuroimaging",
    "paraphrase",
    "can recognising the same subject's connectome make brain-behaviour prediction look "
    "better than it is",
    PMC("PMC10418521"),
    "",
)
q(
    "neuroimaging",
    "paraphrase",
    "which brain areas respond to tooth pain across fMRI studies",
    PMC("PMID:24221915"),
    "dental pain meta-analysis",
)
q(
    "neuroimaging",
    "paraphrase",
    "regions active when picturing things in the mind's eye, pooled across studies",
    PMC("PMID:29502874"),
    "visual imagery ALE",
)
q(
    "neuroimaging",
    "paraphrase",
    "brain function after facial nerve paralysis leaves involuntary facial movements",
    PMC("PMID:36574328"),
    "synkinesis after Bell palsy",
)
q(
    "neuroimaging",
    "paraphrase",
    "do striatal responses to pictures of food predict who loses weight on a diet",
    PMC("PMC6463125"),
    "",
)
q(
    "neuroimaging",
    "paraphrase",
    "cortical activity when perception flips between the images shown to each eye",
    PMC("PMC5531216") + titles("neuroquery_study_cards", "binocular rivalry"),
    "binocular rivalry",
)
q(
    "neuroimaging",
    "paraphrase",
    "how expecting relief reduces pain in the brain",
    titles("neuroquery_study_cards", "placebo", "analges|pain"),
    "placebo analgesia studies",
)
q(
    "neuroimaging",
    "paraphrase",
    "brain activity in people who cannot recognise familiar faces",
    titles("neuroquery_study_cards", "prosopagnosi"),
    "prosopagnosia studies",
)
q(
    "neuroimaging",
    "paraphrase",
    "imaging dopamine neuron loss and the neurovascular unit in Parkinson's",
    PMC("PMC7530280"),
    "",
)
q(
    "neuroimaging",
    "name",
    "schizophrenia auditory verbal hallucinations",
    titles("neuroquery_study_cards", "hallucinat", "schizophren")
    + titles("pmc_oa_neuroimaging_abstracts", "hallucinat", "schizophren"),
    "titles on hallucinations in schizophrenia",
)
q(
    "neuroimaging",
    "name",
    "autism spectrum disorder fMRI meta-analysis",
    titles("pmc_oa_neuroimaging_abstracts", "autis", "meta-analy"),
    "meta-analyses on autism",
)
q(
    "neuroimaging",
    "name",
    "ADHD brain abnormalities meta-analysis",
    titles("pmc_oa_neuroimaging_abstracts", "ADHD|attention-deficit", "meta-analy"),
    "meta-analyses on ADHD",
)
q(
    "neuroimaging",
    "name",
    "PTSD fear extinction",
    titles("pmc_oa_neuroimaging_abstracts", "PTSD|posttraumatic|post-traumatic", "extinction")
    + titles("neuroquery_study_cards", "PTSD|posttraumatic|post-traumatic", "extinction"),
    "titles naming PTSD and extinction",
)
q("neuroimaging", "id", "PMID 9405692", NQ(9405692), "")
q("neuroimaging", "id", "PMID:36914701", PMC("PMC10011534"), "the hate-speech abstract's PMID")
q("neuroimaging", "id", "PMC5531216", PMC("PMC5531216"), "")

# ---------------- clinical
q(
    "clinical",
    "paraphrase",
    "direct current brain stimulation for fibromyalgia pain",
    titles("ctgov_neuro_trials", "fibromyalgia", "direct current|tDCS", where="all"),
    "tDCS fibromyalgia trials",
)
q(
    "clinical",
    "name",
    "levetiracetam",
    titles("ctgov_neuro_trials", "levetiracetam|keppra", where="all"),
    "trials of levetiracetam",
)
q(
    "clinical",
    "paraphrase",
    "ketamine infusion for chronic pain",
    titles("ctgov_neuro_trials", "ketamine", "pain", where="all"),
    "",
)
q(
    "clinical",
    "paraphrase",
    "botulinum toxin to prevent headaches",
    titles("ctgov_neuro_trials", "botulinum|botox", "headache|migraine", where="all"),
    "",
)
q(
    "clinical",
    "paraphrase",
    "deep brain stimulation trials in Parkinson's disease",
    titles(
        "ctgov_neuro_trials",
        "deep brain stimulation|\\bDBS\\b|pallidal stimulation|subthalamic",
        "parkinson",
        where="all",
    ),
    "",
)
q(
    "clinical",
    "paraphrase",
    "pramipexole for restless legs",
    titles("ctgov_neuro_trials", "restless legs", "pramipexole", where="all"),
    "",
)
q(
    "clinical",
    "name",
    "theta burst stimulation",
    titles("ctgov_neuro_trials", "theta[- ]burst|iTBS|cTBS", where="all"),
    "",
)
q(
    "clinical",
    "symbol",
    "XP13512",
    titles("ctgov_neuro_trials", "XP13512", where="all"),
    "gabapentin enacarbil code",
)
q(
    "clinical",
    "symbol",
    "BIIB067",
    titles("ctgov_neuro_trials", "BIIB067", where="all"),
    "tofersen code",
)
q("clinical", "symbol", "AMX0035", titles("ctgov_neuro_trials", "AMX0035", where="all"), "")
q("clinical", "id", "NCT00947622", CT("NCT00947622"), "")
q("clinical", "id", "NCT03127514", CT("NCT03127514"), "")
q("clinical", "id", "PMID:11340218", PQ(11340218), "")
for name, pat in [
    ("Guillain-Barré syndrome", r"guillain"),
    ("myasthenia gravis", r"^myasthenia gravis$"),
    ("narcolepsy", r"^narcolepsy$"),
    ("trigeminal neuralgia", r"^trigeminal neuralgia$"),
    ("essential tremor", r"^essential tremor$"),
    ("Creutzfeldt-Jakob disease", r"^creutzfeldt-jakob disease$"),
    ("moyamoya disease", r"^moyamoya disease$"),
    ("restless legs syndrome", r"^restless legs"),
]:
    q(
        "clinical",
        "name",
        name,
        focus_like("medquad_qa", pat),
        "every MedQuAD page on the condition",
    )
q(
    "clinical",
    "paraphrase",
    "long-term outlook for people with moyamoya",
    MQ("6_NINDS_QA:0000198-3:moyamoya-disease"),
    "NINDS outlook page",
)
q(
    "clinical",
    "paraphrase",
    "what treatments help trigeminal neuralgia",
    MQ("2_GARD_QA:0006195-3:trigeminal-neuralgia", "6_NINDS_QA:0000268-2:trigeminal-neuralgia"),
    "treatment pages",
)
q(
    "clinical",
    "paraphrase",
    "how do doctors diagnose narcolepsy",
    MQ("2_GARD_QA:0004311-3:narcolepsy"),
    "GARD diagnosis page",
)
q(
    "clinical",
    "paraphrase",
    "does essential tremor run in families",
    MQ("2_GARD_QA:0002175-4:essential-tremor", "3_GHR_QA:0000330-4:essential-tremor"),
    "inheritance pages",
)
q(
    "clinical",
    "paraphrase",
    "do patients already on statins recover better after a stroke",
    PQ(11340218),
    "",
)
q(
    "clinical",
    "paraphrase",
    "are outcomes worse while surgeons are learning robotic bladder removal",
    PQ(21166749),
    "",
)
q(
    "clinical",
    "paraphrase",
    "hospice care and pain control for dying nursing home residents",
    PQ(11943048),
    "",
)
q(
    "clinical",
    "paraphrase",
    "does a single remaining kidney tolerate loss of blood flow better",
    PQ(23517744),
    "",
)
q(
    "clinical",
    "paraphrase",
    "is distinguishing complete from incomplete spinal cord injury after trauma clinically useful",
    PQ(19468282),
    "",
)

# same paper in both neuroimaging sources: the other copy is relevant too
for e in Q:
    extra = []
    for i in e["relevant"]:
        if i.startswith("pmc_oa_neuroimaging_abstracts/"):
            p = by_id[i]["meta"].get("pmid")
            if p and str(p) in pmid_nq:
                extra.append(pmid_nq[str(p)])
    e["relevant"] = list(dict.fromkeys(e["relevant"] + extra))
bad = False
for n, e in enumerate(Q, 1):
    e["qid"] = f"{e['domain'][:3]}-{n:03d}"
    missing = [i for i in e["relevant"] if i not in by_id]
    if missing or not e["relevant"]:
        print("BAD", e["query"], missing or "no relevant")
        bad = True
    print(
        e["qid"],
        e["type"],
        repr(e["query"]),
        len(e["relevant"]),
        "|",
        "; ".join(by_id[i]["title"][:60] for i in e["relevant"][:4] if i in by_id),
    )
if bad:
    sys.exit(1)
with open(sys.argv[2], "w") as f:
    for e in Q:
        f.write(
            json.dumps({k: e[k] for k in ("qid", "domain", "type", "query", "relevant", "note")})
            + "\n"
        )

print(len(Q), Counter((e["domain"], e["type"]) for e in Q))
