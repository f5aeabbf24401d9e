"""``trialgraph outcome …``: trial outcome prediction on HINT, trained on real, synthetic or hybrid data.

Data design: phase I trains on phase_I_train and is evaluated on phase_I_valid; phases II and III have no training
file in the shared data, so their valid file is split 50/50 by a hash of the NCT id (one half trains, the other is
evaluated). One model per phase, as in HINT. ``--hint-test FILE`` evaluates on a held-out file of the same layout,
with a given ``--model`` or with a model trained on every shared HINT row whose NCT id is not in that file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from trialgraph.errors import ConfigError, TrialGraphError
from trialgraph.settings import get_settings

outcome_app = typer.Typer(
    help="Trial outcome prediction on HINT (frozen encoder + logistic regression, C=1.0, balanced class weights, "
    "fixed before any evaluation): train on real, synthetic or hybrid data, evaluate per phase. Phase I: train file "
    "→ valid file; phases II/III (no train file shared): valid file split 50/50 by NCT-id hash. One model per phase, "
    "as in HINT (base rates differ by phase).",
    no_args_is_help=True,
)
console = Console(soft_wrap=True)  # paths and table rows stay whole, never wrapped at 80 columns
err_console = Console(stderr=True)

EncoderOption = Annotated[str, typer.Option(help="minilm (packaged) or hf:DIR (any Hugging Face BERT folder).")]
DataOption = Annotated[
    Path | None, typer.Option(help="HINT folder (default: $TRIALGRAPH_SHARED_DATA/benchmarks/trials/hint-outcome).")
]
SyntheticOption = Annotated[Path | None, typer.Option(help="Synthetic trials JSONL (from `trialgraph synth trials`).")]
TokensOption = Annotated[
    int | None,
    typer.Option(help="Word pieces of each text the encoder reads (default: its own limit, 256 for MiniLM)."),
]
COption = Annotated[float, typer.Option("--c", help="Inverse L2 strength; fixed, never tuned on evaluation data.")]


def _fail(error: Exception) -> None:
    err_console.print(f"[red]error:[/] {escape(str(error))}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


def _state() -> Path:
    return get_settings().home / "outcome"


def _cache(encoder: str, max_tokens: int | None) -> Any:
    from trialgraph.models.outcome.embedding import EmbeddingCache

    return EmbeddingCache(encoder, _state() / "embeddings", max_tokens=max_tokens)


def _synthetic(path: Path | None) -> tuple[list[Any], dict[str, Any] | None]:
    if path is None:
        return [], None
    from trialgraph.models.outcome.synthetic import read_synthetic

    read = read_synthetic(path)
    return read.examples, read.as_dict()


def _numbers(text: str, kind: type, option: str) -> list[Any]:
    try:
        numbers = [kind(x) for x in text.split(",") if x.strip()]
    except ValueError:
        numbers = []
    if not numbers:
        raise ConfigError(f"{option} takes comma-separated numbers, got {text!r}")
    return numbers


@outcome_app.command("train")
def train_command(
    out: Annotated[Path | None, typer.Option(help="Model folder (default: ~/.trialgraph/outcome/model).")] = None,
    synthetic: SyntheticOption = None,
    synthetic_share: Annotated[
        float, typer.Option(help="Share of synthetic trials in the training set (with --synthetic).")
    ] = 0.2,
    phase: Annotated[str, typer.Option(help="I, II, III, or all (the training portions of every phase).")] = "all",
    all_rows: Annotated[
        bool,
        typer.Option("--all-rows", help="Train on every shared row (evaluation portions too): for a held-out file."),
    ] = False,
    exclude: Annotated[
        list[Path] | None, typer.Option(help="A HINT file whose NCT ids are left out of training (repeatable).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed for synthetic sampling and the solver.")] = 0,
    encoder: EncoderOption = "minilm",
    max_tokens: TokensOption = None,
    c: COption = 1.0,
    data: DataOption = None,
) -> None:
    """Train one classifier and save it (estimator, manifest with file hashes and counts, training NCT ids)."""
    from trialgraph.models.outcome.classifier import fit
    from trialgraph.models.outcome.experiment import (
        PHASES,
        hint_folder,
        load_phases,
        synthetic_of_phase,
        training_set,
    )
    from trialgraph.models.outcome.hint import read_hint

    try:
        folder = hint_folder(data)
        phases = list(PHASES) if phase == "all" else [phase]
        splits = load_phases(folder, phases)
        real = [e for d in splits.values() for e in (d.train + d.eval if all_rows else d.train)]
        excluded = {e.nct_id for path in exclude or [] for e in read_hint(path).examples}
        if not all_rows:  # the phases' evaluation portions are what `outcome eval --model` scores: nothing of theirs
            excluded |= {e.nct_id for d in splits.values() for e in d.eval}
        real = list({e.nct_id: e for e in real if e.nct_id not in excluded}.values())
        pool, synthetic_read = _synthetic(synthetic)
        # only this phase's synthetic trials, none grounded on (or seeded from) a trial left out or evaluated
        pool = [e for p in phases for e in synthetic_of_phase(pool, p) if not excluded & set(e.grounded_on)]
        pool = list({e.nct_id: e for e in pool}.values())
        condition = f"hybrid-{synthetic_share:g}" if pool else "real"
        train = training_set(condition, real, pool, seed=seed, shares=[synthetic_share])
        used = [p for d in splits.values() for p in d.train_files + (d.eval_files if all_rows else [])]
        files = sorted(set(used) | ({synthetic} if synthetic else set()))
        extra = {
            "design": {p: d.design for p, d in splits.items()} | {"all_rows": all_rows},
            "condition": condition,
            "excluded_files": [str(p) for p in exclude or []],
            "synthetic_read": synthetic_read,
        }
        with console.status("embedding and fitting…"):
            model = fit(train, _cache(encoder, max_tokens), seed=seed, c=c, training_files=files, extra=extra)
        path = model.save(out or _state() / "model")
    except TrialGraphError as e:
        _fail(e)
    counts = ", ".join(
        f"{s}: {v['success']} success / {v['failure']} failure" for s, v in model.manifest["counts"].items()
    )
    console.print(f"trained on {len(train)} trials ({counts}) → {path}")


@outcome_app.command("eval")
def eval_command(
    model: Annotated[Path | None, typer.Option(help="A trained model folder (from `outcome train`).")] = None,
    hint_test: Annotated[
        Path | None, typer.Option(help="A held-out HINT file (.csv or .csv.gz) to evaluate on.")
    ] = None,
    synthetic: SyntheticOption = None,
    seeds: Annotated[str, typer.Option(help="Comma-separated seeds.")] = "0,1,2",
    shares: Annotated[str, typer.Option(help="Hybrid synthetic shares, comma-separated.")] = "0.2,0.5",
    phase: Annotated[str, typer.Option(help="I, II, III or all.")] = "all",
    encoder: EncoderOption = "minilm",
    max_tokens: TokensOption = None,
    c: COption = 1.0,
    resamples: Annotated[int, typer.Option(min=0, help="Bootstrap resamples for the 95% intervals.")] = 1000,
    data: DataOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout.")] = False,
) -> None:
    """Without --model: the real / synthetic / hybrid table per phase, mean ± std over seeds. With --model: that
    model's scores on the evaluation portions, or on --hint-test."""
    from trialgraph.models.outcome import experiment as ex
    from trialgraph.models.outcome.classifier import load_model
    from trialgraph.models.outcome.hint import read_hint

    try:
        seed_list, share_list = _numbers(seeds, int, "--seeds"), _numbers(shares, float, "--shares")
        if model is not None:
            trained = load_model(model)
            trained_encoder = trained.manifest["encoder"]
            cache = _cache(trained_encoder["name"], trained_encoder.get("max_tokens"))
            if hint_test is not None:
                tested = read_hint(hint_test)
                targets, reads = {f"test:{hint_test.name}": tested.examples}, [tested.as_dict()]
            else:
                phases = list(ex.PHASES) if phase == "all" else [phase]
                splits = ex.load_phases(ex.hint_folder(data), phases)
                targets = {p: d.eval for p, d in splits.items()}
                reads = [r.as_dict() for d in splits.values() for r in d.reads]
            result: dict[str, Any] = {
                "model": str(model),
                "encoder": trained.manifest["encoder"],
                "reads": reads,
                "results": {
                    name: ex.evaluate_model(trained, examples, cache, resamples=resamples)
                    for name, examples in targets.items()
                },
            }
        else:
            folder = ex.hint_folder(data)
            if hint_test is not None:
                splits = {f"test:{hint_test.name}": ex.all_rows_split(folder, hint_test)}
            else:
                splits = ex.load_phases(folder, list(ex.PHASES) if phase == "all" else [phase])
            pool, synthetic_read = _synthetic(synthetic)
            with err_console.status("embedding, fitting and scoring…"):
                result = ex.run_experiment(
                    splits,
                    pool,
                    _cache(encoder, max_tokens),
                    seeds=seed_list,
                    shares=share_list,
                    c=c,
                    resamples=resamples,
                )
            result["synthetic_read"] = synthetic_read
    except TrialGraphError as e:
        _fail(e)
    if as_json:
        print(json.dumps(result, indent=2))
    elif model is not None:
        for name, scores in result["results"].items():
            metrics = ", ".join(f"{k} {v['value']} [{v['ci'][0]}, {v['ci'][1]}]" for k, v in scores["metrics"].items())
            console.print(
                f"{name}: n {scores['n']} ({scores['n_success']} success); {metrics}; "
                f"trained on {scores['overlap_with_training_ids']} of these",
                highlight=False,
            )
    else:
        console.print(ex.markdown_table(result), highlight=False, markup=False, soft_wrap=True)
