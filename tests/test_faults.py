"""The fault probes, repeatable: the `brainweave` command driven as a user (or a
careless script) would drive it, with bad input, damaged files, kills and races,
on small real data in the fast profile. Each case is one a round of probes tried;
the ones that failed then are fixed and must stay fixed, the ones that held must
keep holding.

Commands run through the CLI's real entry point (``brainweave.cli.main``: its exit
codes, stdout/stderr and error messages are what a user sees) in this process;
the kills and races run the installed `brainweave` as subprocesses.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import DATA_DIR, clean_env

BIN = Path(sys.executable).with_name("brainweave")


class Ran:
    """What a user saw: exit code, stdout, stderr."""

    def __init__(self, returncode: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def bw(*args: str, home: Path, **env: str) -> Ran:
    """`brainweave ARGS` run through its real entry point (``brainweave.cli.main``),
    in this process to save the interpreter start-up of a subprocess per command."""
    from typer.testing import CliRunner

    from brainweave.cli import main

    overrides: dict[str, str | None] = {k: None for k in os.environ if k.startswith("BRAINWEAVE_")}
    overrides.update(_env(home, **env))
    argv, environ = sys.argv, dict(os.environ)  # the CLI quiets libraries through it
    with CliRunner().isolation(env=overrides) as (out, err, _):
        sys.argv = ["brainweave", *args]
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        finally:
            sys.argv = argv
            os.environ.clear()
            os.environ.update(environ)
            sys.stdout.flush()
            sys.stderr.flush()
        return Ran(code, out.getvalue().decode(), err.getvalue().decode())


def _env(home: Path, **env: str) -> dict[str, str]:
    return {
        "BRAINWEAVE_HOME": str(home),
        "BRAINWEAVE_PROFILE": "fast",
        "HF_HUB_OFFLINE": "1",
        **env,
    }


def clean_error(r: Ran, *needles: str, code: int = 1) -> None:
    """A failure a user can act on: the exit code, the words, no traceback."""
    assert r.returncode == code, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr, r.stderr
    for n in needles:
        assert n in r.stderr, (n, r.stderr)


GENETICS = ("index", "build", "--data", str(DATA_DIR), "--domain", "genetics", "--max-docs", "40")


@pytest.fixture(scope="module")
def genetics_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home with a small genetics index, built through the CLI."""
    home = tmp_path_factory.mktemp("faults-home")
    r = bw(*GENETICS, home=home)
    assert r.returncode == 0, r.stderr
    return home


def _live_manifest(home: Path, domain: str = "genetics") -> Path:
    d = home / "indexes" / domain
    return d / "builds" / (d / "CURRENT").read_text().strip() / "manifest.json"


@pytest.fixture
def damaged_home(genetics_home: Path, tmp_path: Path) -> Path:
    """A private copy of the built home, free to damage."""
    home = tmp_path / "home"
    shutil.copytree(genetics_home, home)
    return home


# ----- item 6: damaged manifests and CURRENT ----------------------------------------


@pytest.mark.parametrize(
    ("damage", "why"),
    [
        (lambda m: {k: v for k, v in m.items() if k != "count"}, "count"),
        (lambda m: [], "does not fit the schema"),
        (lambda m: {**m, "dimension": 512}, "changed after the build"),
        (lambda m: {**m, "index_type": "hnsw-ip"}, "changed after the build"),
        (lambda m: {**m, "embedder": {**m["embedder"], "precision": "bf16"}}, "changed"),
        (lambda m: {**m, "index_type": "ivf"}, "index_type"),
    ],
    ids=["no-count", "empty-list", "dimension", "index-type", "precision", "bad-type"],
)
def test_a_damaged_manifest_is_reported_corrupt_and_rebuilt(
    damaged_home: Path, damage: object, why: str
) -> None:
    path = _live_manifest(damaged_home)
    path.write_text(json.dumps(damage(json.loads(path.read_text()))))  # type: ignore[operator]
    r = bw("index", "status", home=damaged_home)
    assert r.returncode == 0, r.stderr
    line = next(x for x in r.stdout.splitlines() if x.startswith("genetics:"))
    assert "corrupt" in line and why in line, line
    assert f"brainweave index build --domain genetics --data {damaged_home / 'data'}" in line
    clean_error(bw("search", "genetics", "APOE", home=damaged_home), "corrupt", "index build")
    r = bw(*GENETICS, "--force", home=damaged_home)
    assert r.returncode == 0, r.stderr
    assert "genetics: rebuilt (previous index was corrupt" in r.stdout
    assert bw("search", "genetics", "APOE", home=damaged_home).returncode == 0


def test_current_pointing_outside_its_domain_is_refused(damaged_home: Path) -> None:
    # a second domain's build, and genetics' CURRENT pointed at it
    r = bw(*GENETICS[:4], "--domain", "clinical", "--max-docs", "20", home=damaged_home)
    assert r.returncode == 0, r.stderr
    clinical = (damaged_home / "indexes" / "clinical" / "CURRENT").read_text().strip()
    (damaged_home / "indexes" / "genetics" / "CURRENT").write_text(
        f"../../clinical/builds/{clinical}"
    )
    r = bw("search", "genetics", "trial", "--json", home=damaged_home)
    clean_error(r, "not a build of the genetics index")
    assert r.stdout == ""  # no clinical passages served as genetics


# ----- item 5 and 10: bad bytes and bad CSVs, at build time and at `corpus add` --------


def _add(home: Path, file: Path, *extra: str, domain: str = "pharma") -> Ran:
    return bw("corpus", "add", domain, str(file), "--license", "CC0", *extra, home=home)


def test_non_utf8_bytes_are_a_bad_record_with_file_and_line(tmp_path: Path) -> None:
    csv_file = tmp_path / "drugs.csv"
    csv_file.write_bytes(
        b"id,text\nd1,Levodopa treats Parkinson disease.\nd2,Caf\xe9ine and alertness.\n"
    )
    r = _add(tmp_path, csv_file)
    clean_error(r, f"{csv_file}:3", "not UTF-8", "0xE9", "--skip-bad")
    r = _add(tmp_path, csv_file, "--skip-bad")
    assert r.returncode == 0, r.stderr
    assert "1 documents" in r.stdout and "skipped 1 malformed records" in r.stdout
    # the file goes bad after it was added: the build names the line, --skip-bad skips it
    jsonl = tmp_path / "more.jsonl"
    jsonl.write_text('{"id": "m1", "text": "Donepezil for Alzheimer disease."}\n')
    assert _add(tmp_path, jsonl).returncode == 0
    jsonl.write_bytes(jsonl.read_bytes() + b'{"id": "m2", "text": "d\xffopamine"}\n')
    build = ("index", "build", "--domain", "pharma")
    clean_error(bw(*build, home=tmp_path), f"{csv_file}:3", "not UTF-8")
    r = bw(*build, "--skip-bad", home=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "2 documents" in r.stdout and "skipped 2 malformed records" in r.stdout
    assert f"{jsonl}:2" in r.stderr  # each skipped record is named


@pytest.mark.parametrize(
    ("content", "needles"),
    [
        (b"id,text\n", (":1", "header", "no records")),
        (b'id,text\nd1,"Levodopa treats\nd2,Parkinson\n', (":2", "never closed")),
    ],
    ids=["header-only", "unterminated-quote"],
)
def test_corpus_add_refuses_a_csv_with_no_records(
    tmp_path: Path, content: bytes, needles: tuple[str, ...]
) -> None:
    f = tmp_path / "drugs.csv"
    f.write_bytes(content)
    clean_error(_add(tmp_path, f), str(f), *needles)
    assert not (tmp_path / "sources.toml").exists()  # nothing was added


def test_malformed_json_names_file_line_and_the_open_quote(tmp_path: Path) -> None:
    f = tmp_path / "drugs.jsonl"
    f.write_text('{"id": "a", "text": "fine"}\n{"id": "b", "text": "never closed}\n')
    clean_error(_add(tmp_path, f), f"{f}:2: malformed JSON", "opened at column 21")


def test_duplicate_ids_are_skipped_and_counted(tmp_path: Path) -> None:
    f = tmp_path / "drugs.jsonl"
    rec = '{"id": "a", "text": "Levodopa treats Parkinson disease."}\n'
    f.write_text(rec + rec + '{"id": "b", "text": "Donepezil for Alzheimer disease."}\n')
    assert _add(tmp_path, f).returncode == 0
    r = bw("index", "build", "--domain", "pharma", home=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "2 documents" in r.stdout and "'duplicate id': 1" in r.stdout


def test_an_empty_source_file_warns(tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    for f in (a, b):
        f.write_text(f'{{"id": "{f.stem}", "text": "Levodopa treats Parkinson disease."}}\n')
        assert _add(tmp_path, f).returncode == 0
    b.write_text("")
    r = bw("index", "build", "--domain", "pharma", home=tmp_path)
    assert r.returncode == 0, r.stderr
    assert f"{b}: the file holds no records" in r.stderr


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (("pharma", "My Drugs.v2.csv"), ("'my_drugs.v2'", "--name my_drugs_v2")),
        (("Pharma", "drugs.csv"), ("domain 'Pharma'", "'pharma'")),
    ],
)
def test_bad_source_or_domain_names_are_clear_errors(
    tmp_path: Path, args: tuple[str, str], needles: tuple[str, ...]
) -> None:
    f = tmp_path / args[1]
    f.write_text("id,text\nd1,Levodopa treats Parkinson disease.\n")
    clean_error(_add(tmp_path, f, domain=args[0]), *needles)


# ----- item 4: a sweep never writes over someone's files ------------------------------


def _spec(tmp_path: Path, **extra: object) -> Path:
    spec = tmp_path / "spec.yaml"
    doc = {"name": "f", "questions": ["APOE and memory"], "profile": "fast", **extra}
    spec.write_text(json.dumps(doc))  # JSON is YAML
    return spec


def test_sweep_refuses_a_foreign_directory(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "summary.md").write_text("my own notes\n")
    (out / "runs.jsonl").write_text('{"not": "a sweep"}\n')
    r = bw("sweep", str(_spec(tmp_path)), "--out", str(out), home=tmp_path)
    clean_error(r, "not a sweep's directory", "--force")
    assert (out / "summary.md").read_text() == "my own notes\n"
    assert (out / "runs.jsonl").read_text() == '{"not": "a sweep"}\n'
    assert sorted(p.name for p in out.iterdir()) == ["runs.jsonl", "summary.md"]


def test_invalid_sweep_spec_is_refused_before_any_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = bw("sweep", str(_spec(tmp_path, grid={"rounds": [9]})), "--out", str(out), home=tmp_path)
    clean_error(r, "rounds")
    assert not (out / "runs.jsonl").exists()


# ----- item 10: settings from the environment -----------------------------------------


def test_a_section_variable_that_is_not_json_is_a_clear_error(tmp_path: Path) -> None:
    r = bw("index", "status", home=tmp_path, BRAINWEAVE_AGENTS='{"k": 3')
    clean_error(r, "BRAINWEAVE_AGENTS", "BRAINWEAVE_AGENTS__K=3")


def test_an_unknown_brainweave_variable_warns(tmp_path: Path) -> None:
    r = bw("index", "status", home=tmp_path, BRAINWEAVE_EMBEDER__MODEL="hash")
    assert r.returncode == 0, r.stderr
    assert "BRAINWEAVE_EMBEDER__MODEL is not a brainweave setting" in r.stderr


# ----- item 2 and 10: ask, runs list, runs resume --------------------------------------


def test_ask_json_to_a_directory_fails_before_the_run(genetics_home: Path, tmp_path: Path) -> None:
    r = bw("ask", "APOE and memory", "--json", str(tmp_path), home=genetics_home)
    clean_error(r, "is a directory")
    assert "started" not in r.stderr  # refused before the run began


def test_ask_refuses_a_negative_top(genetics_home: Path) -> None:
    clean_error(bw("ask", "APOE", "--top", "-1", home=genetics_home), "--top", code=2)


def test_ask_prints_its_run_id_first_and_runs_lists_and_resumes(
    genetics_home: Path, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    shutil.copytree(genetics_home, home)
    q = "Quel est le rôle du gène APOE dans la maladie d'Alzheimer ?"
    r = bw("ask", q, "--agents", "genetics", "--rounds", "0", home=home)
    assert r.returncode == 0, r.stderr
    first = r.stderr.splitlines()
    assert any("does not look English" in x for x in first)
    started = next(i for i, x in enumerate(first) if x.endswith(": started"))
    run_id = first[started].split()[1].rstrip(":")
    assert started < min(i for i, x in enumerate(first) if x.startswith(f"run {run_id}: plan"))
    assert f"run {run_id}:" in r.stdout
    # an interrupted run, as a killed `ask` leaves it: checkpoints, no record
    from brainweave.graphs.run import ask
    from brainweave.settings import load_settings

    settings = load_settings(profile="fast", home=home)
    ask("APOE and hippocampal atrophy", agents=["genetics"], rounds=0, run_id="cut-short",
        settings=settings, interrupt_before=["score"])  # fmt: skip
    shutil.rmtree(home / "runs" / "cut-short", ignore_errors=True)
    r = bw("runs", "list", home=home)
    assert r.returncode == 0, r.stderr
    rows = [line.split("\t") for line in r.stdout.splitlines()]
    assert rows[0] == ["run", "question", "started", "state", "hypotheses"]
    states = {row[0]: row[3] for row in rows[1:]}
    assert states == {run_id: "finished", "cut-short": "interrupted"}
    assert "brainweave runs resume cut-short" in r.stderr
    r = bw("runs", "resume", "cut-short", home=home)
    assert r.returncode == 0, r.stderr
    assert "run cut-short:" in r.stdout and (home / "runs" / "cut-short").is_dir()
    listed = json.loads(bw("runs", "list", "--json", home=home).stdout)
    assert {x["run_id"]: x["state"] for x in listed} == {
        run_id: "finished",
        "cut-short": "finished",
    }
    record = home / "runs" / run_id / "provenance.json"
    before = record.read_bytes()
    r = bw("runs", "resume", run_id, home=home)  # a finished run: shown, not rewritten
    assert r.returncode == 0 and f"run {run_id} is finished" in r.stderr, r.stderr
    assert record.read_bytes() == before
    clean_error(bw("runs", "resume", "nope", home=home), "no run 'nope'", "runs list")


# ----- kills and races that already held ----------------------------------------------


def test_kill_9_during_a_build_leaves_the_old_index_live(damaged_home: Path) -> None:
    before = (damaged_home / "indexes" / "genetics" / "CURRENT").read_text()
    bigger = (*GENETICS[:-1], "3000", "--force")
    proc = subprocess.Popen(
        [str(BIN), *bigger],
        env=_proc_env(damaged_home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not _holds_build_lock(proc.pid) and proc.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(0.3)  # inside the build: reading, chunking or embedding
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    after = (damaged_home / "indexes" / "genetics" / "CURRENT").read_text()
    assert proc.returncode == -signal.SIGKILL
    assert after == before  # killed inside the build: the old build is still the live one
    r = bw("index", "status", home=damaged_home)
    assert "genetics: ok" in r.stdout, r.stdout
    assert bw("search", "genetics", "APOE", home=damaged_home).returncode == 0


def _proc_env(home: Path) -> dict[str, str]:
    keep = clean_env()
    return {**keep, **_env(home)}


def _holds_build_lock(pid: int) -> bool:
    """Whether the process has a domain's build lock open (it is inside a build)."""
    fds = Path(f"/proc/{pid}/fd")
    try:
        return any(os.readlink(fd).endswith(".build.lock") for fd in fds.iterdir())
    except OSError:
        return False


def test_concurrent_builds_are_serialised(damaged_home: Path) -> None:
    procs = [
        subprocess.Popen(
            [str(BIN), *GENETICS, "--force"],
            env=_proc_env(damaged_home),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert all("genetics: rebuilt (forced)" in o for o, _ in outs)
    builds = damaged_home / "indexes" / "genetics" / "builds"
    assert len([b for b in builds.iterdir() if not b.name.startswith(".")]) == 2
    assert "genetics: ok" in bw("index", "status", home=damaged_home).stdout


def test_the_review_app_binds_localhost_by_default(tmp_path: Path) -> None:
    r = bw("ui", "--help", home=tmp_path, COLUMNS="200")
    assert r.returncode == 0
    assert "127.0.0.1" in r.stdout
