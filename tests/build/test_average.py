"""Checkpoint averaging: which checkpoints, and the mean of their weights."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from asr_build.average import average_states, latest_checkpoints


def test_the_latest_checkpoints_come_first(tmp_path: Path) -> None:
    folder = tmp_path / "checkpoints"
    folder.mkdir()
    for name in ("step=250.ckpt", "step=1000.ckpt", "step=500.ckpt", "last.ckpt", "notes.txt"):
        (folder / name).write_bytes(b"")
    assert [p.name for p in latest_checkpoints(tmp_path, 3)] == [
        "last.ckpt",
        "step=1000.ckpt",
        "step=500.ckpt",
    ]
    with pytest.raises(ValueError, match="5 asked"):
        latest_checkpoints(tmp_path, 5)


def test_floats_are_averaged_and_counters_kept() -> None:
    latest = {"w": torch.tensor([1.0, 3.0]), "n": torch.tensor(7)}
    older = {"w": torch.tensor([3.0, 5.0]), "n": torch.tensor(5)}
    averaged = average_states([latest, older])
    assert torch.equal(averaged["w"], torch.tensor([2.0, 4.0])) and int(averaged["n"]) == 7
    with pytest.raises(ValueError, match="different"):
        average_states([latest, {"w": torch.tensor([0.0, 0.0])}])
