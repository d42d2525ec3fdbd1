"""`brainweave ask QUESTION`: ranked, scored cross-domain hypotheses for one question."""

from __future__ import annotations

import json
import os
import re
import textwrap
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from brainweave.cli import output
from brainweave.cli.common import examples, settings_from
from brainweave.errors import ConfigError

if TYPE_CHECKING:
    from brainweave.agents.models import Novelty

EXAMPLES = examples(
    'brainweave ask "Which genes link hippocampal atrophy to memory decline?"',
    'brainweave --profile fast ask "APOE and default mode network" --rounds 0',
    'brainweave ask "dopamine and reward learning" --agents genetics,clinical --json run.json',
)


def ask(
    ctx: typer.Context,
    question: Annotated[str, typer.Argument(help="the research question", metavar="QUESTION")],
    agents: Annotated[
        str | None,
        typer.Option(help="comma-separated agent names, e.g. genetics,clinical (default: all)"),
    ] = None,
    rounds: Annotated[int | None, typer.Option(help="exchange rounds, 0 to 5 (default 1)")] = None,
    json_out: Annotated[
        Path | None,
        typer.Option("--json", help="write the full result as JSON to this file", metavar="FILE"),
    ] = None,
    top: Annotated[int, typer.Option(help="hypotheses to print", min=0)] = 5,
) -> None:
    """Ask the domain agents a question; print ranked cross-domain hypotheses.

    The run id is printed (on stderr) before the run starts: an interrupted run
    is finished with `brainweave runs resume RUN_ID`.
    """
    from brainweave.graphs.run import ask as run_ask

    settings = settings_from(ctx)
    check_json_out(json_out)
    warning = language_warning(question)
    if warning:
        output.warn(warning)
    run_id = new_run_id()
    output.note(f"run {run_id}: started")
    output.hint(f"if it is interrupted, finish it with `brainweave runs resume {run_id}`")
    with output.stages(f"run {run_id}") as on_update:
        result = run_ask(
            question,
            agents=agents,
            rounds=rounds,
            settings=settings,
            run_id=run_id,
            on_update=on_update,
        )
    show_result(result, top=top, json_out=json_out)


def new_run_id() -> str:
    """A fresh run id, in the form the graph gives its own (time, then random)."""
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]


def check_json_out(path: Path | None) -> None:
    """Refuse a --json target that cannot be written, before the run starts."""
    if path is None:
        return
    if path.is_dir():
        raise ConfigError(
            f"--json {path} is a directory", f"give a file name, e.g. --json {path / 'run.json'}"
        )
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK):
        raise ConfigError(
            f"--json {path} cannot be written ({parent} is not a writable directory)",
            "give a file in a directory you can write to",
        )


# The most frequent English function words: a question in English nearly always
# has one; one in French, German or Spanish has its own instead.
_ENGLISH = frozenset(
    [
        "the",
        "of",
        "and",
        "in",
        "to",
        "a",
        "is",
        "are",
        "does",
        "do",
        "what",
        "which",
        "how",
        "why",
        "with",
        "for",
        "on",
        "by",
        "from",
        "that",
        "between",
        "who",
        "whose",
        "can",
        "could",
        "role",
        "link",
        "links",
        "linked",
        "associated",
        "there",
        "this",
        "these",
        "as",
        "or",
        "be",
        "been",
        "has",
        "have",
        "its",
        "their",
        "than",
        "into",
    ]
)
_OTHER = frozenset(
    [
        "le",
        "la",
        "les",
        "des",
        "du",
        "une",
        "est",
        "et",
        "dans",
        "pour",
        "avec",
        "quel",
        "quelle",
        "quels",
        "sont",
        "der",
        "die",
        "das",
        "und",
        "ist",
        "mit",
        "welche",
        "welcher",
        "wie",
        "im",
        "den",
        "dem",
        "von",
        "zu",
        "el",
        "los",
        "las",
        "del",
        "una",
        "es",
        "y",
        "en",
        "con",
        "qué",
        "cuál",
        "cómo",
        "para",
        "por",
        "son",
        "il",
        "lo",
        "gli",
        "della",
        "di",
        "che",
        "è",
        "nel",
        "sono",
        "per",
        "o",
        "os",
        "da",
        "do",
        "em",
        "um",
        "uma",
        "não",
        "são",
        "com",
    ]
)


def language_warning(question: str) -> str | None:
    """A warning when the question looks as if it is not in English, else None.

    Cheap on purpose: most letters outside ASCII (another script), or several
    function words of French, German, Spanish, Italian or Portuguese and none of
    English. Technical queries without function words ("APOE hippocampus") pass.
    """
    letters = [c for c in question if c.isalpha()]
    if not letters:
        return None
    non_ascii = sum(1 for c in letters if not c.isascii()) / len(letters)
    words = re.findall(r"[^\W\d_]+", question.lower())
    english = sum(w in _ENGLISH for w in words)
    other = sum(w in _OTHER for w in words)
    if non_ascii > 0.3 or (other >= 2 and other > english):
        return (
            "the question does not look English; the corpora and the models are English, "
            "so retrieval and scoring will be poor: ask in English"
        )
    return None


def show_result(result: Any, *, top: int, json_out: Path | None) -> None:
    """Print a run's hypotheses (and write its JSON) as `ask` and `runs resume` do; entity
    names come from the vocabularies of the run's own data directory."""
    from brainweave import knowledge
    from brainweave.graphs.services import default_services
    from brainweave.settings import Settings

    given = result.provenance.get("settings")
    if given is None:  # a record without its settings: the default vocabularies
        _show(result, top=top, json_out=json_out)
        return
    data_dir = Settings.model_validate(given).resolved_data_dir
    with knowledge.use(default_services().knowledge(data_dir)):
        _show(result, top=top, json_out=json_out)


def _show(result: Any, *, top: int, json_out: Path | None) -> None:
    from brainweave.scoring.plausibility import describe

    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(result.to_json(), indent=2), encoding="utf-8")
    passages = {p["passage_id"]: p for p in result.provenance.get("retrieved", [])}
    for issue in result.issues:
        typer.secho(
            f"note: {issue.agent} ({issue.stage}): {issue.message}",
            fg=typer.colors.YELLOW,
            err=True,
        )
    output.heading(
        f"run {result.run_id}: {len(result.findings)} findings, {len(result.hypotheses)} hypotheses"
    )
    if result.dropped:
        typer.echo("dropped: " + ", ".join(f"{n} {why}" for why, n in result.dropped.items()))
    if not result.hypotheses:
        typer.echo("no cross-domain hypothesis: the findings share no gene, region or condition")
    shown = result.hypotheses[:top]
    terminal = output.is_terminal()
    if shown and terminal:
        output.table(
            ["#", "plausibility", "domains", "hypothesis"],
            [
                [
                    str(h.rank),
                    "n/a"
                    if h.scores.plausibility is None
                    else f"{h.scores.plausibility:.2f} {h.scores.band or 'rank only'}",
                    " + ".join(h.domains),
                    h.statement,
                ]
                for h in shown
            ],
            numeric=("#", "plausibility"),
        )
    meaning = next((h.scores.meaning for h in shown if h.scores.meaning), None)
    if meaning:
        typer.echo(f"plausibility: {meaning}")
        quality = next((h.scores.scorer_quality for h in shown if h.scores.scorer_quality), None)
        if quality:
            typer.echo(quality)
    for h in shown:
        sc = h.scores
        p = describe(sc.plausibility, sc.band, sc.interval)
        output.heading(f"\n{h.rank}. plausibility {p}  [{' + '.join(h.domains)}]")
        if not terminal:  # in a terminal the table above shows the statement
            typer.echo(textwrap.indent(textwrap.fill(h.statement, 96), "   "))
        if h.bridge:
            typer.echo(f"   bridge: {', '.join(_named(b) for b in h.bridge)}")
        if h.novelty is not None:
            typer.echo(f"   novelty: {_novelty(h.novelty)}")
        if sc.perplexity is not None:
            flag = "  (memorised?)" if sc.memorised else ""
            typer.echo(f"   perplexity {sc.perplexity:.2f}{flag}")
        elif sc.reason:
            typer.echo(f"   not scored: {sc.reason}")
        for pid in h.passage_ids:
            ps = passages.get(pid, {})
            typer.echo(f"   - {pid}" + (f"  {ps['url']}" if ps.get("url") else ""))
        for cf in sc.counterfactuals[:4]:
            ppl = "" if cf.perplexity is None else f"perplexity {cf.perplexity:.2f}"
            change = f"{cf.original} -> {cf.altered}" if cf.original else cf.text
            typer.echo(f"   vs ({cf.kind}) {change}: {ppl}")
    if json_out is not None:
        typer.echo(f"\nwrote {json_out}")
    typer.echo(f"provenance: {result.provenance.get('record')}")


def _named(entity_id: str) -> str:
    """'HP:0100543' -> 'cognitive impairment (HP:0100543)'; a plain name passes."""
    from brainweave import knowledge

    name = knowledge.label(entity_id)
    return entity_id if name == entity_id else f"{name} ({entity_id})"


def _novelty(n: Novelty) -> str:
    """Whether the A-C link is stated already, in words (the card's novelty line)."""
    from brainweave import knowledge

    a, c = knowledge.label(n.a), knowledge.label(n.c)
    if n.status == "known":
        cited = f": {', '.join(n.passages[:2])}" if n.passages else ""
        return f"known, a passage names {a} and {c} together{cited}"
    terms = f"{n.linking_terms} linking term{'s' if n.linking_terms != 1 else ''}"
    return f"bridged, no passage names {a} and {c} together ({terms})"
