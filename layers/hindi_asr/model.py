"""The acoustic model: one self-describing ONNX file, loaded once per process.

A model directory holds ``model.onnx`` (waveform -> CTC log-probs, vocabulary and settings in its custom
metadata), ``tokens.txt`` (sherpa-onnx's format, cross-checked here) and ``model.json`` (name, variant and
ONNX Runtime session options). ``TranscriberOptions`` override the session options (threads, optimisation).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
from numpy.typing import NDArray

from hindi_asr.contract import (
    CHUNK_KEY,
    DEFAULT_CHUNK_S,
    DEFAULT_MAX_INPUT_S,
    DEFAULT_VARIANT,
    FRAME_SHIFT_KEY,
    INPUT_NAMES,
    MASK_FREE_HOP_KEY,
    MAX_INPUT_KEY,
    MIN_CHUNK_S,
    MODEL_FILE,
    MODEL_FILES,
    OUTPUT_NAMES,
    REQUIRED_METADATA,
    SESSION_OPTIONS,
    SETTINGS_FILE,
    TOKENS_FILE,
    mask_free_length,
    read_tokens,
)
from hindi_asr.errors import InvalidModelError, ModelUnavailableError
from hindi_asr.options import TranscriberOptions

__all__ = [  # the contract's names are re-exported for older importers; new code imports hindi_asr.contract
    "EXECUTION_MODE",
    "GRAPH_OPTIMIZATION",
    "INPUT_NAMES",
    "MODEL_FILE",
    "OUTPUT_NAMES",
    "REQUIRED_METADATA",
    "SETTINGS_FILE",
    "TOKENS_FILE",
    "AsrModel",
    "LogProbs",
    "ModelInfo",
    "SessionConfig",
    "read_model_info",
]

GRAPH_OPTIMIZATION = {
    "disable": ort.GraphOptimizationLevel.ORT_DISABLE_ALL,
    "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
    "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
    "layout": ort.GraphOptimizationLevel.ORT_ENABLE_LAYOUT,
    "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL,
}
EXECUTION_MODE = {"sequential": ort.ExecutionMode.ORT_SEQUENTIAL, "parallel": ort.ExecutionMode.ORT_PARALLEL}

LogProbs = NDArray[np.float32]


@dataclass(frozen=True)
class ModelInfo:
    """What the runtime needs to know about a model, read from its metadata and model.json."""

    name: str
    variant: str
    sample_rate: int
    vocabulary: tuple[str, ...]
    blank_id: int
    frame_shift_s: float
    max_input_s: float
    chunk_s: float  # model.json's preferred chunk length
    metadata: Mapping[str, str]
    mask_free_hop: int | None = None  # a graph without length masks: input padded to mask_free_length


@dataclass(frozen=True)
class SessionConfig:
    """ONNX Runtime session options by name, as written in model.json's ``session`` object."""

    intra_op_num_threads: int = 0
    inter_op_num_threads: int = 0
    graph_optimization_level: str = "all"
    execution_mode: str = "sequential"
    allow_spinning: bool = True
    enable_cpu_mem_arena: bool = True
    enable_mem_pattern: bool = True

    @classmethod
    def from_json(cls, options: Mapping[str, Any]) -> SessionConfig:
        unknown = sorted(set(options) - set(SESSION_OPTIONS))
        if unknown:
            raise InvalidModelError(f"model.json: unknown session options {unknown}")
        flags = {}
        for key in ("allow_spinning", "enable_cpu_mem_arena", "enable_mem_pattern"):
            value = options.get(key, SESSION_OPTIONS[key])
            if not isinstance(value, bool):
                raise InvalidModelError(f"model.json: session option {key} must be true or false")
            flags[key] = value
        return cls(
            intra_op_num_threads=int(options.get("intra_op_num_threads", 0)),
            inter_op_num_threads=int(options.get("inter_op_num_threads", 0)),
            graph_optimization_level=_option_name(
                options.get("graph_optimization_level", "all"), "ORT_ENABLE_"
            ),
            execution_mode=_option_name(options.get("execution_mode", "sequential"), "ORT_"),
            **flags,
        )

    def with_overrides(self, settings: TranscriberOptions) -> SessionConfig:
        return replace(
            self,
            intra_op_num_threads=_first(settings.intra_op_threads, self.intra_op_num_threads),
            inter_op_num_threads=_first(settings.inter_op_threads, self.inter_op_num_threads),
            graph_optimization_level=settings.graph_optimization or self.graph_optimization_level,
        )

    def session_options(self) -> ort.SessionOptions:
        options = ort.SessionOptions()
        options.intra_op_num_threads = self.intra_op_num_threads
        options.inter_op_num_threads = self.inter_op_num_threads
        try:
            options.graph_optimization_level = GRAPH_OPTIMIZATION[self.graph_optimization_level]
            options.execution_mode = EXECUTION_MODE[self.execution_mode]
        except KeyError as exc:
            raise InvalidModelError(f"unknown session option value {exc.args[0]!r}") from exc
        options.add_session_config_entry(
            "session.intra_op.allow_spinning", "1" if self.allow_spinning else "0"
        )
        options.enable_cpu_mem_arena = self.enable_cpu_mem_arena
        options.enable_mem_pattern = self.enable_mem_pattern
        options.log_severity_level = 3  # warnings about unused initialisers are noise here
        return options


class AsrModel:
    """An ONNX Runtime session over one model directory; ``run`` is thread-safe."""

    def __init__(self, session: ort.InferenceSession, info: ModelInfo, config: SessionConfig) -> None:
        self.session = session
        self.info = info
        self.config = config

    @classmethod
    def load(cls, options: TranscriberOptions) -> AsrModel:
        """Open ``options.model_dir``: ``ModelUnavailableError`` if it is missing, ``InvalidModelError`` if
        it breaks the contract."""
        model_dir = options.model_dir
        model_path = next((model_dir / f for f in MODEL_FILES if (model_dir / f).is_file()), None)
        if model_path is None:
            raise ModelUnavailableError(f"no {MODEL_FILE} in model directory {model_dir}")
        settings_json = _read_json(model_dir / SETTINGS_FILE)
        config = SessionConfig.from_json(settings_json.get("session", {})).with_overrides(options)
        try:
            session = ort.InferenceSession(
                str(model_path), sess_options=config.session_options(), providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # ORT raises its own exception types for invalid graphs
            raise InvalidModelError(f"{model_path} cannot be loaded by ONNX Runtime: {exc}") from exc
        _check_signature(session)
        metadata = dict(session.get_modelmeta().custom_metadata_map)
        info = read_model_info(metadata, settings_json)
        _check_tokens(model_dir / TOKENS_FILE, info)
        return cls(session, info, config)

    def run(self, waveform: NDArray[np.float32]) -> LogProbs:
        """Log-probs ``[T, V+1]`` of one mono waveform at the model's sample rate (a graph without length
        masks gets up to one hop of silence after it, which may add a frame of blank)."""
        hop = self.info.mask_free_hop
        if hop is not None and (missing := mask_free_length(waveform.size, hop) - waveform.size):
            waveform = np.pad(waveform, (0, missing))
        batch = np.ascontiguousarray(waveform, dtype=np.float32)[np.newaxis, :]
        lengths = np.array([batch.shape[1]], dtype=np.int64)
        logprobs, logprobs_lens = self.session.run(
            list(OUTPUT_NAMES), {"waveform": batch, "waveform_lens": lengths}
        )
        return np.asarray(logprobs[0, : int(logprobs_lens[0])], dtype=np.float32)


def read_model_info(metadata: Mapping[str, str], settings_json: Mapping[str, Any]) -> ModelInfo:
    """Validate the ONNX custom metadata against the model directory contract."""
    missing = [key for key in REQUIRED_METADATA if key not in metadata]
    if missing:
        raise InvalidModelError(f"model metadata lacks {missing}")
    try:
        vocabulary = tuple(str(piece) for piece in json.loads(metadata["vocabulary"]))
        blank_id, vocab_size = int(metadata["blank_id"]), int(metadata["vocab_size"])
        sample_rate, frame_shift_s = int(metadata["sample_rate"]), float(metadata[FRAME_SHIFT_KEY])
        max_input_s = float(metadata.get(MAX_INPUT_KEY, DEFAULT_MAX_INPUT_S))
        mask_free_hop = int(metadata[MASK_FREE_HOP_KEY]) if MASK_FREE_HOP_KEY in metadata else None
    except (ValueError, TypeError) as exc:
        raise InvalidModelError(f"model metadata is malformed: {exc}") from exc
    chunk_s = settings_json.get(CHUNK_KEY, DEFAULT_CHUNK_S)
    if isinstance(chunk_s, bool) or not isinstance(chunk_s, int | float) or not chunk_s >= MIN_CHUNK_S:
        raise InvalidModelError(f"model.json: {CHUNK_KEY} must be a number of seconds >= {MIN_CHUNK_S:g}")
    if len(vocabulary) != vocab_size or blank_id != vocab_size:
        raise InvalidModelError(
            f"vocabulary of {len(vocabulary)} pieces, vocab_size {vocab_size}, blank_id {blank_id}: "
            "the blank must come last, after vocab_size pieces"
        )
    if sample_rate <= 0 or frame_shift_s <= 0 or max_input_s <= 0:
        raise InvalidModelError("sample_rate, frame_shift_s and max_input_s must be positive")
    if mask_free_hop is not None and mask_free_hop <= 0:
        raise InvalidModelError(f"{MASK_FREE_HOP_KEY} must be a positive number of samples")
    return ModelInfo(
        name=str(settings_json.get("name", metadata["model_name"])),
        variant=str(settings_json.get("variant", DEFAULT_VARIANT)),
        sample_rate=sample_rate,
        vocabulary=vocabulary,
        blank_id=blank_id,
        frame_shift_s=frame_shift_s,
        max_input_s=max_input_s,
        chunk_s=float(chunk_s),
        metadata=dict(metadata),
        mask_free_hop=mask_free_hop,
    )


def _option_name(value: object, ort_prefix: str) -> str:
    """Accept ORT's enum names and short ones: ``ORT_ENABLE_ALL`` or ``all`` -> ``all``."""
    name = str(value).strip()
    if name.upper() == "ORT_DISABLE_ALL":
        return "disable"
    if name.upper().startswith(ort_prefix):
        name = name[len(ort_prefix) :]
    return name.lower()


def _first(override: int | None, default: int) -> int:
    return default if override is None else override


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidModelError(f"{path} is not valid JSON: {exc}") from exc
    if not isinstance(content, dict):
        raise InvalidModelError(f"{path} must hold a JSON object")
    return content


def _check_signature(session: ort.InferenceSession) -> None:
    inputs = tuple(i.name for i in session.get_inputs())
    outputs = tuple(o.name for o in session.get_outputs())
    if inputs != INPUT_NAMES or outputs != OUTPUT_NAMES:
        raise InvalidModelError(
            f"graph has inputs {inputs} and outputs {outputs}; expected {INPUT_NAMES} -> {OUTPUT_NAMES}"
        )


def _check_tokens(path: Path, info: ModelInfo) -> None:
    """tokens.txt (for sherpa-onnx) must agree with the metadata vocabulary when it is present."""
    if not path.is_file():
        return
    pieces = read_tokens(path.read_text(encoding="utf-8"))
    if pieces[:-1] != list(info.vocabulary):
        raise InvalidModelError(f"{path} disagrees with the vocabulary in the model metadata")
