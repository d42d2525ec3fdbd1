"""`brainweave search` options for hybrid retrieval, run as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_cli import run


@pytest.fixture(scope="module")
def clinical_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.conftest import DATA_DIR

    home = tmp_path_factory.mktemp("hybrid-cli")
    r = run(
        "index",
        "build",
        "--domain",
        "clinical",
        "--data",
        str(DATA_DIR),
        "--max-docs",
        "80",
        home=home,
    )
    assert r.returncode == 0, r.stderr
    return home


def test_search_mode_source_and_year(clinical_home: Path) -> None:
    r = run(
        "search",
        "clinical",
        "stimulation",
        "--mode",
        "bm25",
        "--source",
        "ctgov_neuro_trials",
        "--year",
        "2009",
        "--json",
        home=clinical_home,
    )
    assert r.returncode == 0, r.stderr
    hits = json.loads(r.stdout)
    assert hits and all(h["doc_id"].startswith("ctgov_neuro_trials/") for h in hits)
    assert "ctgov_neuro_trials/NCT00947622" in {h["doc_id"] for h in hits}  # started 2009


def test_an_id_is_found_first_and_a_missing_one_says_so(clinical_home: Path) -> None:
    r = run("search", "clinical", "NCT00947622", "-k", "2", "--json", home=clinical_home)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)[0]["doc_id"] == "ctgov_neuro_trials/NCT00947622"
    r = run("search", "clinical", "NCT99999999", home=clinical_home)
    assert r.returncode != 0
    assert "no record of the clinical index has the id NCT99999999" in r.stderr


def test_bad_search_input_gets_clear_messages(clinical_home: Path) -> None:
    r = run("search", "clinical", "what is the", home=clinical_home)
    assert r.returncode != 0 and "only stop words or punctuation" in r.stderr
    r = run("search", "clinical", "stroke", "--source", "hpo_terms", home=clinical_home)
    assert r.returncode != 0 and "no source 'hpo_terms' in domain 'clinical'" in r.stderr
    r = run("search", "clinical", "stroke", "--mode", "sparse", home=clinical_home)
    assert r.returncode != 0 and "unknown search mode 'sparse'" in r.stderr


def test_expand_adds_the_entities_other_names(clinical_home: Path) -> None:
    def top(*flags: str) -> list[dict[str, str]]:
        r = run(
            "search", "clinical", "cerebrovascular accident", "--mode", "bm25", "--json",
            *flags, home=clinical_home,
        )  # fmt: skip
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout)

    plain, expanded = top(), top("--expand")

    # "cerebrovascular accident" is HPO's synonym of Stroke, which these trials say instead
    def strokes(hits: list[dict[str, str]]) -> int:
        return sum("stroke" in h["text"].lower() for h in hits)

    assert strokes(expanded) > strokes(plain)
