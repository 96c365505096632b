"""What the core needs to know: one frozen, hashable value, no environment, no HTTP or S3 limits."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

EMBEDDED_MODEL_DIR = Path(__file__).resolve().parent / "models" / "default"

GraphOptimization = Literal["disable", "basic", "extended", "layout", "all"]


@dataclass(frozen=True, kw_only=True)
class TranscriberOptions:
    """The model directory, the accepted audio, chunking, and overrides of model.json's session options."""

    model_dir: Path = EMBEDDED_MODEL_DIR
    min_duration_s: float = 0.3  # shortest accepted audio
    max_duration_s: float = 600.0  # longest accepted audio
    chunk_s: float | None = None  # longest audio given to the model at once; None: model.json's (or 30 s)
    overlap_s: float = 2.0  # overlap between neighbouring chunks, at most a quarter of chunk_s
    intra_op_threads: int | None = None  # None: model.json's; 0: ONNX Runtime's default
    inter_op_threads: int | None = None
    graph_optimization: GraphOptimization | None = None

    def __post_init__(self) -> None:
        if not 0 < self.min_duration_s < self.max_duration_s:
            raise ValueError("durations must be positive, and min_duration_s below max_duration_s")
        if self.chunk_s is not None and self.chunk_s < 2.0:
            raise ValueError("chunk_s must be at least 2 s")
        if self.overlap_s < 0 or (self.chunk_s is not None and self.overlap_s > self.chunk_s / 4):
            raise ValueError("overlap_s must be at least 0 and at most a quarter of chunk_s")
        if any(
            threads is not None and threads < 0 for threads in (self.intra_op_threads, self.inter_op_threads)
        ):
            raise ValueError("thread counts cannot be negative")
        if self.graph_optimization not in (None, *get_args(GraphOptimization)):
            raise ValueError(f"graph_optimization must be one of {get_args(GraphOptimization)}")
