"""The model-directory contract, defined once: the exporter, the optimisation search, the tests' tiny model
and the runtime all import it from here.

A model directory holds:

* ``model.onnx`` (or ``model.ort``, ONNX Runtime's pre-optimised format): inputs ``waveform`` float32
  ``[B, N]`` and ``waveform_lens`` int64 ``[B]``; outputs ``logprobs`` float32 ``[B, T, V+1]`` (blank last)
  and ``logprobs_lens`` int64 ``[B]``. Its custom metadata (all values strings) carries ``METADATA_KEYS``.
* ``tokens.txt``: sherpa-onnx's format, ``piece id`` per line, the last line ``<blk> V``.
* ``model.json``: ``name``, ``variant``, ``session`` (ONNX Runtime options, ``SESSION_OPTIONS``) and
  optionally ``chunk_s`` (the longest audio given to the graph at once; peak memory grows with it, and the
  optimisation search picks it). Other keys (a decoder section, say) belong to other stages and are
  carried over untouched by every tool.
* Any other file (a language model, say) belongs with the model and is copied wherever it goes.

A graph whose length masks were removed by the optimisation search (``asr_build.search.masks``) says so
in its metadata: ``MASK_FREE_HOP_KEY`` = the featurizer's hop in samples. It is exact only for inputs of
``N`` samples with ``N // hop`` odd (``mask_free_length``); the runtime pads its input with silence to the
next such length (at most one hop, 10 ms).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

MODEL_FILE: Final = "model.onnx"
ORT_MODEL_FILE: Final = (
    "model.ort"  # the same graph in ONNX Runtime's format (loads without parsing protobuf)
)
MODEL_FILES: Final = (MODEL_FILE, ORT_MODEL_FILE)  # in order of preference
TOKENS_FILE: Final = "tokens.txt"
SETTINGS_FILE: Final = "model.json"

INPUT_NAMES: Final = ("waveform", "waveform_lens")
OUTPUT_NAMES: Final = ("logprobs", "logprobs_lens")

# Metadata the runtime cannot work without.
REQUIRED_METADATA: Final = (
    "model_name",
    "sample_rate",
    "vocabulary",
    "blank_id",
    "vocab_size",
    "frame_shift_s",  # FRAME_SHIFT_KEY
)
# What sherpa-onnx reads for a NeMo CTC model (``vocab_size`` there excludes the blank, as here).
SHERPA_METADATA: Final = ("vocab_size", "subsampling_factor", "normalize_type", "is_ctc")
# Everything the exporter writes.
METADATA_KEYS: Final = (
    *REQUIRED_METADATA,
    "model_type",
    "source_sha256",
    "subsampling_factor",
    "window_stride",
    "normalize_type",
    "featurizer",
    "max_input_s",
    "export_versions",
    "exported_at",
    "is_ctc",
    "model_author",
    "comment",
)
DEFAULT_MAX_INPUT_S: Final = 200.0  # for a graph without ``max_input_s``: NeMo's default rel-pos table
# The exporter traces the graph with inputs of at least this many samples (0.1 s at 16 kHz); the runtime
# pads shorter input with silence.
MIN_INPUT_SAMPLES: Final = 1600
MIN_INPUT_S: Final = 0.1

FRAME_SHIFT_KEY: Final = "frame_shift_s"
MAX_INPUT_KEY: Final = "max_input_s"  # the longest input the graph takes (rewritten by position tables)
# Written by the search on graphs without length masks (see the module's docstring); absent elsewhere.
MASK_FREE_HOP_KEY: Final = "mask_free_hop"

BLANK_TOKEN: Final = "<blk>"
WORD_BOUNDARY: Final = "▁"  # SentencePiece's word-start marker (U+2581)

# model.json
NAME_KEY: Final = "name"
VARIANT_KEY: Final = "variant"
SESSION_KEY: Final = "session"
DEFAULT_VARIANT: Final = "fp32"
CHUNK_KEY: Final = "chunk_s"
DEFAULT_CHUNK_S: Final = 30.0  # for a model.json without ``chunk_s``
MIN_CHUNK_S: Final = 2.0
# ``session`` options, with their defaults. Levels and modes accept ORT's enum names
# (``ORT_ENABLE_ALL``) or short ones (``all``); ``disable`` loads an offline-optimised graph as it is.
SESSION_OPTIONS: Final[Mapping[str, Any]] = {
    "graph_optimization_level": "ORT_ENABLE_ALL",
    "execution_mode": "ORT_SEQUENTIAL",
    "intra_op_num_threads": 0,  # 0: ORT's default (one per core)
    "inter_op_num_threads": 1,
    "allow_spinning": True,  # session.intra_op.allow_spinning: pool threads spin briefly after work
    "enable_cpu_mem_arena": True,
    "enable_mem_pattern": True,
}
GRAPH_OPTIMIZATION_LEVELS: Final = ("disable", "basic", "extended", "layout", "all")
EXECUTION_MODES: Final = ("sequential", "parallel")


def default_session(**overrides: Any) -> dict[str, Any]:
    """A complete ``session`` object for model.json; unknown option names raise ``KeyError``."""
    unknown = sorted(set(overrides) - set(SESSION_OPTIONS))
    if unknown:
        raise KeyError(f"unknown session options {unknown}")
    return {**SESSION_OPTIONS, **overrides}


def settings_json(name: str, variant: str, session: Mapping[str, Any]) -> dict[str, Any]:
    """The model.json object written beside a freshly exported or derived graph."""
    return {NAME_KEY: name, VARIANT_KEY: variant, SESSION_KEY: dict(session)}


def tokens_text(vocabulary: Sequence[str]) -> str:
    """tokens.txt for a vocabulary of V pieces: ``piece id`` lines, then ``<blk> V``."""
    lines = [f"{piece} {i}" for i, piece in enumerate(vocabulary)] + [f"{BLANK_TOKEN} {len(vocabulary)}"]
    return "\n".join(lines) + "\n"


def read_tokens(text: str) -> list[str]:
    """The pieces of a tokens.txt, the blank included (last)."""
    return [line.rsplit(" ", 1)[0] for line in text.splitlines() if line.strip()]


def mask_free_length(samples: int, hop: int) -> int:
    """The shortest length ``>= samples`` at which a graph without length masks is exact: ``N // hop``
    odd. Then the featurizer's frame count (``1 + N // hop``) is even, and each stride-2 subsampling
    stage's output length equals NeMo's length formula, so every encoder mask keeps every frame."""
    frames = samples // hop
    return samples if frames % 2 == 1 else (frames + 1) * hop
