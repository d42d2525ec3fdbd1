"""The CLI contract, run as a user runs it: the installed `brainweave` command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import clean_env

BIN = Path(sys.executable).with_name("brainweave")


def run(*args: str, home: Path, profile: str = "fast", **env: str) -> subprocess.CompletedProcess:
    full_env = {
        **clean_env(),
        "BRAINWEAVE_HOME": str(home),
        "BRAINWEAVE_PROFILE": profile,
        "HF_HUB_OFFLINE": "1",
        **env,
    }
    return subprocess.run(
        [str(BIN), *args], capture_output=True, text=True, env=full_env, timeout=600
    )


@pytest.fixture(scope="module")
def built_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One home with all three fast indexes, built through the CLI."""
    from tests.conftest import DATA_DIR

    home = tmp_path_factory.mktemp("cli-home")
    r = run("index", "build", "--data", str(DATA_DIR), "--max-docs", "200", home=home)
    assert r.returncode == 0, r.stderr
    for domain in ("genetics", "neuroimaging", "clinical"):
        assert f"{domain}: built (no index yet)" in r.stdout
    assert "pmc_oa_neuroimaging_abstracts: {'no abstract':" in r.stdout
    return home


def test_second_build_reuses(built_home: Path, data_dir: Path) -> None:
    r = run("index", "build", "--data", str(data_dir), "--max-docs", "200", home=built_home)
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("reused (corpus and embedder unchanged)") == 3


def test_search_json_contract(built_home: Path) -> None:
    r = run(
        "search",
        "clinical",
        "transcranial direct current stimulation",
        "-k",
        "4",
        "--json",
        home=built_home,
    )
    assert r.returncode == 0, r.stderr
    hits = json.loads(r.stdout)
    assert len(hits) == 4
    for h in hits:
        assert set(h) == {"passage_id", "doc_id", "domain", "title", "text", "url", "score"}
        assert h["domain"] == "clinical" and h["passage_id"].startswith(h["doc_id"] + "#")
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    assert "ctgov_neuro_trials/NCT00947622" in {h["doc_id"] for h in hits}
    assert any(h["url"] == "https://clinicaltrials.gov/study/NCT00947622" for h in hits)


def test_search_prints_readable_hits(built_home: Path) -> None:
    r = run(
        "search", "neuroimaging", "semantic retrieval inferior frontal", "-k", "2", home=built_home
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("1. [")
    assert "https://pubmed.ncbi.nlm.nih.gov/" in r.stdout


def test_corpus_list_shows_counts_and_licences(built_home: Path, data_dir: Path) -> None:
    r = run("corpus", "list", "--data", str(data_dir), home=built_home)
    assert r.returncode == 0, r.stderr
    assert "genetics (index: ok)" in r.stdout
    assert "refseq_gene_summaries: 200 documents," in r.stdout
    assert "licence: CC BY 4.0" in r.stdout
    rows = json.loads(run("corpus", "list", "--json", home=built_home).stdout)
    pmc = next(row for row in rows if row["source"] == "pmc_oa_neuroimaging_abstracts")
    assert pmc["documents"] == 200 and pmc["passages"] >= 200 and pmc["index"] == "ok"


def test_index_status(built_home: Path) -> None:
    r = run("index", "status", home=built_home)
    assert r.returncode == 0
    assert "genetics: ok" in r.stdout and "flat-ip" in r.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("search", "pharmacology", "levodopa"), "unknown domain 'pharmacology'"),
        (("search", "genetics", "   "), "the query is empty"),
        (("index", "build", "--domain", "genomics"), "unknown domain 'genomics'"),
        (("--profile", "turbo", "index", "status"), "unknown settings profile 'turbo'"),
        (("search", "genetics", "apoe", "-k", "0"), "Invalid value for '-k'"),
    ],
)
def test_bad_input_is_a_clear_error(built_home: Path, args: tuple[str, ...], message: str) -> None:
    r = run(*args, home=built_home)
    assert r.returncode in (1, 2)  # 2: a usage error, as click reports it
    assert message in r.stderr
    assert "Traceback" not in r.stderr


def test_missing_data_directory(tmp_path: Path) -> None:
    r = run("index", "build", "--data", str(tmp_path / "nowhere"), home=tmp_path)
    assert r.returncode == 1
    assert "does not exist" in r.stderr and "--data" in r.stderr


def test_missing_index_names_the_build_command(tmp_path: Path) -> None:
    r = run("search", "genetics", "APOE", home=tmp_path)
    assert r.returncode == 1
    assert "brainweave index build --domain genetics" in r.stderr


def test_malformed_corpus_line_fails_build_then_skip_bad(tmp_path: Path) -> None:
    data = tmp_path / "data" / "corpora" / "clinical"
    data.mkdir(parents=True)
    good = '{"nct_id": "NCT1", "title": "T", "summary": "Deep brain stimulation for tremor."}'
    (data / "ctgov_neuro_trials.jsonl").write_text(good + "\n{broken\n")
    (data / "medquad_qa.jsonl").write_text("")
    (data / "pubmedqa_pqal.json").write_text("{}")
    args = ("index", "build", "--data", str(tmp_path / "data"), "--domain", "clinical")
    r = run(*args, home=tmp_path)
    assert r.returncode == 1
    assert "ctgov_neuro_trials.jsonl:2: malformed JSON" in r.stderr
    r = run(*args, "--skip-bad", home=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "1 documents" in r.stdout and "skipped 1 malformed records" in r.stdout


def test_user_corpus_added_from_the_cli_is_indexed_and_searched(tmp_path: Path) -> None:
    corpus = tmp_path / "drugs.jsonl"
    corpus.write_text(
        '{"drug": "levodopa", "about": "Dopamine precursor for Parkinson disease.", '
        '"link": "https://example.org/levodopa"}\n'
        '{"drug": "donepezil", "about": "Cholinesterase inhibitor for Alzheimer disease."}\n'
    )
    r = run(
        "corpus",
        "add",
        "pharmacology",
        str(corpus),
        "--id-field",
        "drug",
        "--text-field",
        "about",
        "--title-field",
        "drug",
        "--url-field",
        "link",
        "--license",
        "CC0",
        home=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    assert "added source 'drugs' to domain 'pharmacology': 2 documents" in r.stdout
    r = run("index", "build", "--domain", "pharmacology", home=tmp_path)
    assert r.returncode == 0, r.stderr
    r = run("search", "pharmacology", "Parkinson dopamine", "--json", "-k", "1", home=tmp_path)
    [hit] = json.loads(r.stdout)
    assert hit["doc_id"] == "drugs/levodopa" and hit["url"] == "https://example.org/levodopa"
    r = run(
        "corpus",
        "add",
        "pharmacology",
        str(corpus),
        "--id-field",
        "nope",
        home=tmp_path,
    )
    assert r.returncode == 1 and "drugs" in r.stderr  # name taken
    r = run("corpus", "remove", "drugs", home=tmp_path)
    assert r.returncode == 0
    r = run("search", "pharmacology", "x", home=tmp_path)
    assert r.returncode == 1 and "unknown domain 'pharmacology'" in r.stderr
