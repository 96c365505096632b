"""Checkpoint averaging: the mean of a training run's last checkpoints, saved as a portable `.nemo`.

    python -m asr_build.average --train-dir artifacts/train --last 2 --out artifacts/train/averaged.nemo

The checkpoints are the run's `checkpoints/step=N.ckpt` (every `--checkpoint-every` steps) and
`last.ckpt` (the end of the run), latest first; float tensors are averaged, the others (counters) taken
from the latest. The architecture and tokenizer come from the run's `model.nemo`.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import torch

from asr_build.train import save_portable

STEP = re.compile(r"step=(\d+)\.ckpt$")


def latest_checkpoints(train_dir: Path, last: int) -> list[Path]:
    """`last.ckpt` and the `step=N` checkpoints before it, latest first, ``last`` of them."""
    folder = train_dir / "checkpoints"
    stepped = sorted(
        (p for p in folder.glob("step=*.ckpt") if STEP.search(p.name)),
        key=lambda p: int(STEP.search(p.name).group(1)),  # type: ignore[union-attr]
        reverse=True,
    )
    final = folder / "last.ckpt"
    ordered = ([final] if final.is_file() else []) + stepped
    if len(ordered) < last:
        raise ValueError(f"{folder} has {len(ordered)} checkpoints; {last} asked for")
    return ordered[:last]


def average_states(states: Sequence[Mapping[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """Element-wise mean of floating-point tensors; other tensors from the first (latest) state."""
    first = states[0]
    if any(state.keys() != first.keys() for state in states):
        raise ValueError("the checkpoints hold different tensors")
    return {
        name: torch.stack([s[name] for s in states]).mean(dim=0) if tensor.is_floating_point() else tensor
        for name, tensor in first.items()
    }


def average(train_dir: Path, last: int, out: Path) -> list[Path]:
    """Write the average of the run's ``last`` latest checkpoints to ``out``; returns the checkpoints."""
    from nemo.collections.asr.models import EncDecCTCModelBPE

    paths = latest_checkpoints(train_dir, last)
    states = [torch.load(p, map_location="cpu", weights_only=False)["state_dict"] for p in paths]
    model = EncDecCTCModelBPE.restore_from(str(train_dir / "model.nemo"), map_location="cpu")
    model.load_state_dict(average_states(states), strict=True)
    save_portable(model, out)
    return paths


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--train-dir", type=Path, required=True)
    parser.add_argument("--last", type=int, default=2, help="how many of the latest checkpoints")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    used = average(args.train_dir, args.last, args.out)
    print(f"averaged {', '.join(p.name for p in used)} -> {args.out}")


if __name__ == "__main__":
    main()
