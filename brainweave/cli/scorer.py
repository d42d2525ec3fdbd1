"""`brainweave scorer tune`: a LoRA adapter for a scorer model, trained on the corpora."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from brainweave.cli.common import examples, settings_from

app = typer.Typer(
    help="Adapt the perplexity scorer's model to neuroscience text.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

EXAMPLES = examples(
    "brainweave scorer tune --name neuro-smollm2 --steps 120",
    "brainweave scorer tune --name neuro-smollm2 --steps 120   # again after a kill: resumes",
    "BRAINWEAVE_SCORER__ADAPTER=neuro-smollm2 brainweave bench brainbench --testcases BB.csv",
)


@app.command("tune", epilog=EXAMPLES)
def tune(
    ctx: typer.Context,
    name: Annotated[str, typer.Option(help="adapter name: HOME/adapters/NAME")] = "neuro",
    model: Annotated[
        str, typer.Option(help="base model: a packaged alias, directory or .gguf file")
    ] = "smollm2-135m-instruct",
    source: Annotated[
        list[str] | None,
        typer.Option(help="corpus source to train on (repeatable; default the PMC abstracts)"),
    ] = None,
    steps: Annotated[
        int | None, typer.Option(min=1, help="optimizer steps (default: one epoch)")
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="blocks per step")] = 4,
    seq_len: Annotated[int, typer.Option(min=16, help="tokens per block")] = 256,
    lr: Annotated[float, typer.Option(min=0.0, help="peak learning rate")] = 2e-4,
    warmup_steps: Annotated[int, typer.Option(min=0, help="linear warm-up steps")] = 5,
    rank: Annotated[int, typer.Option(min=1, help="LoRA rank")] = 16,
    alpha: Annotated[int, typer.Option(min=1, help="LoRA alpha")] = 32,
    dropout: Annotated[float, typer.Option(min=0.0, max=0.9, help="LoRA dropout")] = 0.05,
    heldout: Annotated[
        float, typer.Option(min=0.01, max=0.9, help="fraction of records held out")
    ] = 0.1,
    eval_blocks: Annotated[
        int, typer.Option(min=1, help="held-out blocks scored before and after")
    ] = 32,
    max_docs: Annotated[
        int | None, typer.Option(min=2, help="only the first N records left after filtering")
    ] = None,
    save_every: Annotated[int, typer.Option(min=1, help="checkpoint every N steps")] = 10,
    seed: Annotated[int, typer.Option(help="seed of the LoRA init, batches and dropout")] = 0,
    threads: Annotated[
        int | None, typer.Option(min=1, help="torch CPU threads (default scorer.threads)")
    ] = None,
    time_limit: Annotated[
        float | None,
        typer.Option(
            min=0.1,
            help="minutes of training at most: stop before a step that would end later and "
            "install what was learned (the manifest says how many steps ran)",
        ),
    ] = None,
    fresh: Annotated[
        bool, typer.Option(help="discard a checkpoint of this name and start over")
    ] = False,
    overwrite: Annotated[bool, typer.Option(help="replace an adapter of this name")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the manifest as JSON")] = False,
) -> None:
    """Fine-tune a LoRA adapter on the corpora, less every BrainBench DOI and Journal of
    Neuroscience 2023 abstract; checkpointed, so running it again after a kill resumes."""
    from brainweave.scoring.tune import DEFAULT_SOURCES, TuneConfig
    from brainweave.scoring.tune import tune as run_tune

    settings = settings_from(ctx, scorer={"threads": threads} if threads else None)
    cfg = TuneConfig(
        base_model=model,
        sources=tuple(source or DEFAULT_SOURCES),
        max_docs=max_docs,
        heldout_fraction=heldout,
        seq_len=seq_len,
        batch_size=batch_size,
        steps=steps,
        lr=lr,
        warmup_steps=warmup_steps,
        rank=rank,
        alpha=alpha,
        dropout=dropout,
        eval_blocks=eval_blocks,
        save_every=save_every,
        seed=seed,
    )
    result = run_tune(
        settings,
        cfg,
        name,
        fresh=fresh,
        overwrite=overwrite,
        time_limit_s=time_limit * 60 if time_limit else None,
    )
    m = result.manifest
    if as_json:
        typer.echo(json.dumps(m, indent=2))
        return
    d, t, h = m["data"], m["training"], m["heldout"]
    ex = d["excluded"]
    typer.echo(
        f"adapter {result.name} in {result.path}\n"
        f"  trained on {d['train_records']} records ({t['steps']} of {t['planned_steps']} "
        "steps, "
        f"{t['tokens_seen']:,} tokens, {t['epochs']:.3g} epochs), "
        f"{d['heldout_records']} held out\n"
        f"  removed: {ex['brainbench_doi']} with a BrainBench DOI, "
        f"{ex['jneurosci_2023']} Journal of Neuroscience 2023 abstracts\n"
        f"  held-out perplexity ({h['before']['tokens']:,} tokens): "
        f"{h['before']['perplexity']:.3f} before, {h['after']['perplexity']:.3f} after\n"
        f"  score with it: BRAINWEAVE_SCORER__ADAPTER={result.name} (or scorer.adapter)"
    )
