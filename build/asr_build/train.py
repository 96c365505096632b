"""Train the small Hindi demo Conformer-CTC on the synthetic corpus, on CPU, resumably.

    python -m asr_build.train --corpus artifacts/corpus --out artifacts/train --max-minutes 75
    python -m asr_build.train ... --init-from build/models/hi_demo_conformer_ctc_small.nemo --lr 1e-3

Model (`SMALL`): Conformer d_model 144, 8 layers, 4 heads, conv kernel 15, striding x4 with 64
subsampling channels, rel-pos table sized to 1600 encoder frames (64 s); the real model's featurizer;
a SentencePiece unigram tokenizer of 128 pieces trained on the training texts. AdamW, peak lr 2e-3,
300 warm-up steps, cosine decay over `--max-steps`; batches of 20 utterances.

The run writes under `--out`: `tokenizer/`, `checkpoints/` (every `--checkpoint-every` steps and
`last.ckpt`), `curve.jsonl` (one line per validation: step, minutes, losses, WER), `train.log` lines on
stdout, and finally `model.nemo` (its config keeps `validation_ds`, which `transcribe()` needs, but no
manifest paths of the build machine). A re-run with the same `--out` resumes from
`checkpoints/last.ckpt`; `--max-minutes` is the wall-clock budget of each invocation.

`--init-from MODEL.nemo` warm-starts a fresh run from a saved model of the same architecture: its
tokenizer is reused (labels must map to the same pieces) and its weights are loaded; optimiser and
schedule start anew. Without it the run trains from scratch, tokenizer included.
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import tarfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import torch
from lightning.pytorch.callbacks import Callback, ModelCheckpoint
from lightning.pytorch.loggers import CSVLogger
from nemo.collections.asr.models import EncDecCTCModelBPE
from omegaconf import open_dict

from asr_build.conformer import SAMPLE_RATE, ConformerSize, ctc_bpe_config
from asr_build.tokenizer import VOCAB_SIZE, train_tokenizer

SMALL = ConformerSize(
    d_model=144,
    n_layers=8,
    n_heads=4,
    conv_kernel_size=15,
    subsampling_conv_channels=64,
    pos_emb_max_len=1600,  # 64 s at 40 ms per encoder frame: keeps the exported rel-pos table small
)
THREADS = 2
# Measured: 0.73 steps/s with 10 layers on these 2 cores; 8 layers is a little faster.
EXPECTED_STEPS_PER_SECOND = 0.85
FIT_EVERY = 50
RUNS_FILE = "runs.jsonl"
UNBOUNDED_STEPS = 10**7
MAX_TRAIN_SECONDS = 18.0
MIN_TRAIN_SECONDS = 0.3


@dataclass(frozen=True, kw_only=True)
class TrainOptions:
    """Everything a run depends on."""

    corpus: Path
    out: Path
    max_minutes: float = 75.0
    max_steps: int | None = None  # None: the cosine is fitted to the wall-clock budget as training runs
    batch_size: int = 20
    lr: float = 2e-3
    warmup_steps: int = 300
    min_lr: float = 1e-5
    weight_decay: float = 1e-3
    val_every: int = 250
    checkpoint_every: int = 250
    seed: int = 0
    init_from: Path | None = None
    threads: int = THREADS

    @property
    def total_steps(self) -> int:
        """The schedule length: `max_steps`, or a first guess that `WallClockBudget` then refines."""
        return self.max_steps or int(self.max_minutes * 60 * EXPECTED_STEPS_PER_SECOND)


def read_texts(manifest: Path) -> list[str]:
    """The `text` field of every line of a NeMo manifest."""
    with manifest.open(encoding="utf-8") as fh:
        return [json.loads(line)["text"] for line in fh if line.strip()]


def dataset_config(manifest: Path, batch_size: int, *, train: bool) -> dict[str, Any]:
    cfg: dict[str, Any] = {
        "manifest_filepath": str(manifest.resolve()),
        "sample_rate": SAMPLE_RATE,
        "batch_size": batch_size,
        "shuffle": train,
        "num_workers": 0,
        "pin_memory": False,
        "trim_silence": False,
    }
    if train:
        cfg |= {"max_duration": MAX_TRAIN_SECONDS, "min_duration": MIN_TRAIN_SECONDS}
    return cfg


def optim_config(opts: TrainOptions) -> dict[str, Any]:
    return {
        "name": "adamw",
        "lr": opts.lr,
        "betas": [0.9, 0.98],
        "weight_decay": opts.weight_decay,
        "sched": {
            "name": "CosineAnnealing",
            "warmup_steps": opts.warmup_steps,
            "min_lr": opts.min_lr,
            "max_steps": opts.total_steps,
        },
    }


# .nemo member suffix -> file name in a NeMo tokenizer directory
NEMO_TOKENIZER_FILES = {
    "_tokenizer.model": "tokenizer.model",
    "_tokenizer.vocab": "tokenizer.vocab",
    "_vocab.txt": "vocab.txt",
}


def _nemo_member(nemo: Path, suffix: str) -> bytes:
    with tarfile.open(nemo) as tar:
        for member in tar.getmembers():
            if member.name.endswith(suffix):
                extracted = tar.extractfile(member)
                if extracted is not None:
                    return extracted.read()
    raise ValueError(f"{nemo} has no member ending in {suffix!r}")


def extract_tokenizer(nemo: Path, out_dir: Path) -> Path:
    """Write the tokenizer files packed in a `.nemo` into `out_dir` (a NeMo `tokenizer.dir`)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for suffix, name in NEMO_TOKENIZER_FILES.items():
        (out_dir / name).write_bytes(_nemo_member(nemo, suffix))
    return out_dir


def load_weights(model: EncDecCTCModelBPE, nemo: Path) -> None:
    """Load a `.nemo`'s weights into `model` (strict: the architectures must match)."""
    state = torch.load(io.BytesIO(_nemo_member(nemo, "model_weights.ckpt")), map_location="cpu")
    model.load_state_dict(state, strict=True)


def build_model(opts: TrainOptions, trainer: pl.Trainer) -> EncDecCTCModelBPE:
    """The model, with a tokenizer trained on the training texts or taken from `init_from` (reused if
    already there)."""
    tokenizer_dir = opts.out / "tokenizer"
    if not (tokenizer_dir / "vocab.txt").exists():
        if opts.init_from:
            extract_tokenizer(opts.init_from, tokenizer_dir)
        else:
            train_tokenizer(read_texts(opts.corpus / "train_manifest.json"), tokenizer_dir)
    cfg = ctc_bpe_config(
        SMALL,
        tokenizer_dir,
        VOCAB_SIZE,
        train_ds=dataset_config(opts.corpus / "train_manifest.json", opts.batch_size, train=True),
        validation_ds=dataset_config(opts.corpus / "dev_manifest.json", opts.batch_size, train=False),
        optim=optim_config(opts),
    )
    return EncDecCTCModelBPE(cfg=cfg, trainer=trainer)


class WallClockBudget(Callback):
    """Stops training once this invocation has run `minutes`; optionally fits the cosine to that budget.

    With `fit_schedule`, every `every` steps the total step count is re-estimated as the current step
    plus the remaining time at this invocation's measured rate, and the scheduler's `max_steps` is
    set to it, so the learning rate reaches its floor when the budget ends however busy the CPU is.
    """

    def __init__(self, minutes: float, *, fit_schedule: bool, every: int = FIT_EVERY) -> None:
        self.minutes = minutes
        self.fit_schedule = fit_schedule
        self.every = every
        self.start = time.monotonic()
        self.start_step = 0

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.start = time.monotonic()
        self.start_step = trainer.global_step

    def on_train_batch_end(self, trainer: pl.Trainer, *args: Any, **kwargs: Any) -> None:
        elapsed = time.monotonic() - self.start
        if elapsed >= self.minutes * 60:
            trainer.should_stop = True
        done = trainer.global_step - self.start_step
        if self.fit_schedule and done >= self.every and trainer.global_step % self.every == 0:
            total = trainer.global_step + int(done / elapsed * (self.minutes * 60 - elapsed))
            for config in trainer.lr_scheduler_configs:
                if hasattr(config.scheduler, "max_steps"):
                    config.scheduler.max_steps = max(total, trainer.global_step + 1)


class ProgressLog(Callback):
    """Prints training progress and appends each validation's metrics to `curve.jsonl`."""

    def __init__(self, curve: Path, every: int = 50) -> None:
        self.curve = curve
        self.every = every
        self.start = time.monotonic()
        self.first_step: int | None = None

    def _minutes(self) -> float:
        return (time.monotonic() - self.start) / 60

    def on_train_batch_end(self, trainer: pl.Trainer, *args: Any, **kwargs: Any) -> None:
        step = trainer.global_step
        self.first_step = step if self.first_step is None else self.first_step
        if step % self.every:
            return
        m = trainer.callback_metrics
        rate = (step - self.first_step) / max(self._minutes() * 60, 1e-9)
        loss = float(m.get("train_loss", float("nan")))
        lr = trainer.optimizers[0].param_groups[0]["lr"] if trainer.optimizers else float("nan")
        print(
            f"step {step} min {self._minutes():.1f} loss {loss:.3f} lr {lr:.2e} steps/s {rate:.2f}",
            flush=True,
        )

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if trainer.sanity_checking:
            return
        m = trainer.callback_metrics
        row = {"step": trainer.global_step, "minutes": round(self._minutes(), 2)}
        row |= {k: round(float(m[k]), 4) for k in ("train_loss", "val_loss", "val_wer") if k in m}
        print(f"validation {json.dumps(row)}", flush=True)
        with self.curve.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(row) + "\n")


def make_trainer(opts: TrainOptions, budget: WallClockBudget) -> pl.Trainer:
    checkpoints = ModelCheckpoint(
        dirpath=opts.out / "checkpoints",
        filename="{step}",
        every_n_train_steps=opts.checkpoint_every,
        save_last=True,
        save_top_k=-1,  # keep them all: the learning curve is evaluated on them afterwards
    )
    return pl.Trainer(
        accelerator="cpu",
        devices=1,
        max_steps=opts.max_steps or UNBOUNDED_STEPS,
        max_epochs=-1,
        val_check_interval=opts.val_every,
        check_val_every_n_epoch=None,
        num_sanity_val_steps=0,
        log_every_n_steps=25,
        gradient_clip_val=1.0,
        enable_progress_bar=False,
        logger=CSVLogger(opts.out, name="logs"),
        callbacks=[
            checkpoints,
            budget,
            ProgressLog(opts.out / "curve.jsonl"),
        ],
    )


def train(opts: TrainOptions) -> Path:
    """Train (resuming from `last.ckpt` if present) and write `<out>/model.nemo`; returns its path."""
    torch.set_num_threads(opts.threads)
    pl.seed_everything(opts.seed)
    opts.out.mkdir(parents=True, exist_ok=True)
    budget = WallClockBudget(opts.max_minutes, fit_schedule=opts.max_steps is None)
    trainer = make_trainer(opts, budget)
    model = build_model(opts, trainer)
    last = opts.out / "checkpoints" / "last.ckpt"
    if opts.init_from and not last.exists():
        load_weights(model, opts.init_from)
    params = sum(p.numel() for p in model.parameters())
    print(
        f"parameters {params:,}; total steps {opts.total_steps}; resume {last.exists()}; "
        f"init from {opts.init_from}",
        flush=True,
    )
    trainer.fit(model, ckpt_path=str(last) if last.exists() else None)
    trainer.save_checkpoint(last)
    nemo = opts.out / "model.nemo"
    save_portable(model, nemo)
    print(f"step {trainer.global_step}; wrote {nemo} ({nemo.stat().st_size / 1e6:.1f} MB)", flush=True)
    record_run(
        opts.out,
        start_step=budget.start_step,
        end_step=trainer.global_step,
        minutes=(time.monotonic() - budget.start) / 60,
        parameters=params,
    )
    return nemo


def save_portable(model: EncDecCTCModelBPE, nemo: Path) -> None:
    """`model.save_to(nemo)` without the build machine's paths: manifests unset, tokenizer dir relative
    (the tokenizer files travel inside the `.nemo` as artifacts)."""
    cfg = model.cfg
    with open_dict(cfg):
        for section in ("train_ds", "validation_ds", "test_ds"):
            if section in cfg:
                cfg[section].manifest_filepath = None
        cfg.tokenizer.dir = "tokenizer"
    model.cfg = cfg
    model.save_to(str(nemo))


def record_run(out: Path, *, start_step: int, end_step: int, minutes: float, parameters: int) -> None:
    """Append one invocation to `<out>/runs.jsonl` (the report sums them)."""
    row = {
        "start_step": start_step,
        "end_step": end_step,
        "minutes": round(minutes, 2),
        "parameters": parameters,
    }
    with (out / RUNS_FILE).open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(row) + "\n")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=Path("artifacts/corpus"))
    parser.add_argument("--out", type=Path, default=Path("artifacts/train"))
    parser.add_argument("--max-minutes", type=float, default=TrainOptions.max_minutes)
    parser.add_argument("--max-steps", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=TrainOptions.batch_size)
    parser.add_argument("--seed", type=int, default=TrainOptions.seed)
    parser.add_argument("--lr", type=float, default=TrainOptions.lr, help="peak learning rate")
    parser.add_argument("--warmup-steps", type=int, default=TrainOptions.warmup_steps)
    parser.add_argument("--init-from", type=Path, help="warm-start from this .nemo (same architecture)")
    parser.add_argument(
        "--threads", type=int, default=THREADS, help="torch threads (1 on a CPU shared with other work)"
    )
    parser.add_argument("--save-nemo", type=Path, help="also copy the final .nemo here")
    args = parser.parse_args(argv)
    opts = TrainOptions(
        corpus=args.corpus,
        out=args.out,
        max_minutes=args.max_minutes,
        max_steps=args.max_steps,
        batch_size=args.batch_size,
        seed=args.seed,
        lr=args.lr,
        warmup_steps=args.warmup_steps,
        init_from=args.init_from,
        threads=args.threads,
    )
    nemo = train(opts)
    if args.save_nemo:
        args.save_nemo.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(nemo, args.save_nemo)
        print(f"copied to {args.save_nemo}")


if __name__ == "__main__":
    main()
