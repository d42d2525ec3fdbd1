"""Every ingest adapter on its real source file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from brainweave.corpora import Source, builtin_sources
from brainweave.errors import CorpusError
from brainweave.io import sha256_file
from brainweave.retrieval.ingest import SourceReport, iter_documents

SOURCES = {s.name: s for s in builtin_sources()}


def ingest(name: str, data_dir: Path) -> tuple[dict[str, object], SourceReport]:
    source = SOURCES[name]
    path = source.path(data_dir)
    report = SourceReport(source.name, source.domain, str(path), sha256_file(path))
    docs = {d.id: d for d in iter_documents(source, data_dir, report=report)}
    assert len(docs) == report.documents, "document ids must be unique within a source"
    return docs, report


def test_manifest_pins_the_shared_files(data_dir: Path) -> None:
    for source in SOURCES.values():
        assert sha256_file(source.path(data_dir)) == source.sha256, source.name
        assert source.license and source.upstream


def test_refseq_gene_summaries(data_dir: Path) -> None:
    docs, report = ingest("refseq_gene_summaries", data_dir)
    assert report.documents == 15_150
    apoe = docs["refseq_gene_summaries/NCBIGene:348"]
    assert apoe.domain == "genetics"
    assert apoe.title == "APOE (apolipoprotein E)"
    assert "chylomicron" in apoe.text
    assert apoe.url == "https://www.ncbi.nlm.nih.gov/gene/348"
    assert apoe.metadata["ncbi_gene"] == "348"


def test_hpo_terms(data_dir: Path) -> None:
    docs, report = ingest("hpo_terms", data_dir)
    assert report.documents == 16_449
    term = docs["hpo_terms/HP:0000003"]
    assert term.title == "Multicystic kidney dysplasia (HP:0000003)"
    assert "Synonyms: Multicystic dysplastic kidney" in term.text
    assert term.url == "https://hpo.jax.org/browse/term/HP:0000003"
    assert "HPO" in term.license  # HPO asks to be acknowledged, with its version


def test_medquad_genetics_home_reference(data_dir: Path) -> None:
    docs, report = ingest("medquad_genetics_home_reference", data_dir)
    assert report.documents == 5_430
    doc = docs["medquad_genetics_home_reference/3_GHR_QA:0000001-1:aarskog-scott-syndrome"]
    assert doc.title == "What is (are) Aarskog-Scott syndrome ?"
    assert doc.url == "https://ghr.nlm.nih.gov/condition/aarskog-scott-syndrome"
    assert "  " not in doc.text


def test_neuroquery_peaks_render_as_readable_text(data_dir: Path) -> None:
    docs, report = ingest("neuroquery_study_cards", data_dir)
    assert report.documents == 13_459
    doc = docs["neuroquery_study_cards/PMID:9405692"]
    assert doc.url == "https://pubmed.ncbi.nlm.nih.gov/9405692/"
    assert "Key terms of its abstract: selection, left, ifg" in doc.text
    assert "19 activation peaks in MNI space" in doc.text
    assert "(-49, 8, 30) left" in doc.text and "(41, 15, 34) right" in doc.text
    assert "and 7 more" in doc.text  # 19 peaks, 12 shown
    # the peaks in words: Harvard-Oxford regions, most peaks first
    assert "Its peaks fall in left paracingulate gyrus (3), left lateral occipital cortex (2)" in (
        doc.text
    )


def test_pmc_abstracts_skip_and_count_records_without_abstract(data_dir: Path) -> None:
    docs, report = ingest("pmc_oa_neuroimaging_abstracts", data_dir)
    assert report.documents == 1_479
    assert report.skipped["no abstract"] == 1_691 - 1_479
    # the BrainBench contamination case keeps its DOI, so evaluations can exclude it
    dois = {d.metadata.get("doi") for d in docs.values()}
    assert "10.1523/JNEUROSCI.2178-22.2023" in dois


def test_medquad_ids_stay_unique_when_the_source_repeats_them(data_dir: Path) -> None:
    docs, report = ingest("medquad_qa", data_dir)
    assert report.documents == 16_407
    # MedQuAD gives one id to each condition a CancerGov page covers
    assert "medquad_qa/1_CancerGov_QA:0000013_2-1:polycythemia-vera" in docs
    assert "medquad_qa/1_CancerGov_QA:0000013_2-1:essential-thrombocythemia" in docs


def test_ctgov_trials_fill_missing_titles(data_dir: Path) -> None:
    docs, report = ingest("ctgov_neuro_trials", data_dir)
    assert report.documents == 1_692
    trial = docs["ctgov_neuro_trials/NCT02675270"]  # its title is NaN in the export
    assert trial.title == "Clinical trial NCT02675270"
    assert trial.url == "https://clinicaltrials.gov/study/NCT02675270"
    first = docs["ctgov_neuro_trials/NCT00947622"]
    assert "Intervention (device): Transcranial direct current stimulation." in first.text
    assert "nan" not in first.text.lower().split()


def test_pubmedqa(data_dir: Path) -> None:
    docs, report = ingest("pubmedqa_pqal", data_dir)
    assert report.documents == 1_000
    doc = docs["pubmedqa_pqal/PMID:21645374"]
    assert doc.title.startswith("Do mitochondria play a role")
    assert doc.text.startswith("Background: Programmed cell death")
    assert "Conclusion: Results depicted mitochondrial dynamics" in doc.text


def _copy_with(tmp_path: Path, data_dir: Path, name: str, bad_line: str, at: int) -> Path:
    source = SOURCES[name]
    lines = source.path(data_dir).read_text(encoding="utf-8").splitlines(keepends=True)[:10]
    lines.insert(at - 1, bad_line + "\n")
    target = tmp_path / source.file
    target.parent.mkdir(parents=True)
    target.write_text("".join(lines), encoding="utf-8")
    return tmp_path


def test_malformed_line_names_file_and_line(tmp_path: Path, data_dir: Path) -> None:
    root = _copy_with(tmp_path, data_dir, "hpo_terms", '{"id": "HP:1", "name": ', at=4)
    with pytest.raises(CorpusError) as err:
        list(iter_documents(SOURCES["hpo_terms"], root))
    assert "hpo_terms.jsonl:4: malformed JSON" in str(err.value)
    assert "--skip-bad" in str(err.value)


def test_record_missing_a_field_names_file_line_and_field(tmp_path: Path, data_dir: Path) -> None:
    root = _copy_with(tmp_path, data_dir, "ctgov_neuro_trials", json.dumps({"title": "x"}), at=2)
    with pytest.raises(
        CorpusError, match=r"ctgov_neuro_trials.jsonl:2: record has no field 'nct_id'"
    ):
        list(iter_documents(SOURCES["ctgov_neuro_trials"], root))


def test_skip_bad_counts_and_keeps_the_rest(tmp_path: Path, data_dir: Path) -> None:
    root = _copy_with(tmp_path, data_dir, "hpo_terms", "not json at all", at=3)
    source = SOURCES["hpo_terms"]
    report = SourceReport(source.name, source.domain, "", "")
    docs = list(iter_documents(source, root, skip_bad=True, report=report))
    assert len(docs) == 10
    assert len(report.bad) == 1 and ":3:" in report.bad[0]


def test_missing_file_says_where_it_was_expected(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="not found") as err:
        list(iter_documents(SOURCES["medquad_qa"], tmp_path))
    assert "--data" in str(err.value)


def test_generic_adapter_reads_a_users_csv(tmp_path: Path) -> None:
    from brainweave.corpora import FieldMap

    csv_file = tmp_path / "drugs.csv"
    csv_file.write_text(
        "drug_id,name,description,link\n"
        'D1,Levodopa,"Dopamine precursor used in Parkinson disease.",https://example.org/d1\n'
        "D2,Donepezil,Acetylcholinesterase inhibitor for Alzheimer disease.,\n",
        encoding="utf-8",
    )
    source = Source(
        name="drugs",
        domain="pharmacology",
        file=str(csv_file),
        adapter="generic",
        format="csv",
        license="CC0",
        builtin=False,
        fields=FieldMap(id="drug_id", text="description", title="name", url="link"),
    )
    docs = list(iter_documents(source, tmp_path))
    assert [d.id for d in docs] == ["drugs/D1", "drugs/D2"]
    assert docs[0].title == "Levodopa" and docs[0].url == "https://example.org/d1"
    assert docs[1].url is None
    assert docs[0].domain == "pharmacology"
