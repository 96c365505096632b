"""Graphs: derive each recipe's ONNX graph from the exported fp32 model directory.

Quantisation leaves the featurizer (STFT, mel filterbank, log, normalisation) in fp32: its mel MatMul
feeds a log, where int8 error is amplified, and it is a few per cent of the time. Only MatMuls with a
constant weight are quantised (attention's activation x activation products stay fp32).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from numpy.typing import NDArray
from onnxruntime.quantization import (
    CalibrationDataReader,
    QuantFormat,
    QuantType,
    quantize_dynamic,
    quantize_static,
)

from asr_build.search.dft import stft_to_conv
from asr_build.search.masks import drop_length_masks
from asr_build.search.pointwise import pointwise_to_matmul
from asr_build.search.positions import precompute_positions
from asr_build.search.relshift import lean_rel_shift
from asr_build.search.variants import GraphRecipe
from hindi_asr.contract import (
    DEFAULT_CHUNK_S,
    INPUT_NAMES,
    MASK_FREE_HOP_KEY,
    MAX_INPUT_KEY,
    MODEL_FILE,
    MODEL_FILES,
    ORT_MODEL_FILE,
    SETTINGS_FILE,
    TOKENS_FILE,
    default_session,
    mask_free_length,
    settings_json,
)

FEATURIZER_SCOPE = (
    "featurizer"  # the exporter's module name for NeMo's featurizer (export.WaveformToLogProbs)
)
WEIGHT_TYPES = {"qint8": QuantType.QInt8, "quint8": QuantType.QUInt8}
LEVELS = {
    "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
    "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
    "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL,
}


def model_file(model_dir: Path) -> Path:
    """The graph of a model directory (model.onnx, else model.ort)."""
    for name in MODEL_FILES:
        if (model_dir / name).is_file():
            return model_dir / name
    raise FileNotFoundError(f"no model file in {model_dir}")


def subsampling_convs(model: onnx.ModelProto) -> list[str]:
    """Names of the 2-D convolutions with a constant weight and more than one input channel per group:
    the subsampling's heavy convs (NeMo's ``pre_encode``), not its first conv on the 1-channel features,
    whose input (log-mel) would lose the most to int8, nor depthwise convs."""
    weights = {init.name: init for init in model.graph.initializer}
    return [
        node.name
        for node in model.graph.node
        if node.op_type == "Conv"
        and node.input[1] in weights
        and len(weights[node.input[1]].dims) == 4
        and weights[node.input[1]].dims[1] > 1
    ]


def quantise_subsampling(
    source: Path, out: Path, calibration: CalibrationDataReader, names: Sequence[str]
) -> None:
    """Static QDQ (uint8 activations, per-channel int8 weights) on the convs ``names`` only (from
    ``subsampling_convs``); ONNX Runtime fuses each DequantizeLinear -> Conv -> QuantizeLinear into a
    QLinearConv."""
    quantize_static(
        source,
        out,
        calibration,
        quant_format=QuantFormat.QDQ,
        op_types_to_quantize=["Conv"],
        nodes_to_quantize=list(names),
        per_channel=True,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
    )


def featurizer_nodes(model: onnx.ModelProto) -> list[str]:
    """Names of the nodes the exporter traced inside the featurizer module (from its scope metadata)."""
    return [
        node.name
        for node in model.graph.node
        if any(FEATURIZER_SCOPE in prop.value for prop in node.metadata_props if "scope" in prop.key)
        or any(
            prop.key == "namespace" and f"/{FEATURIZER_SCOPE}" in prop.value for prop in node.metadata_props
        )
    ]


class SpeechReader(CalibrationDataReader):  # type: ignore[misc]
    """Feeds calibration waveforms, one utterance per batch; to a graph without length masks
    (``mask_free_hop``), padded as the runtime pads them."""

    def __init__(self, clips: Sequence[NDArray[np.float32]], mask_free_hop: int | None = None) -> None:
        if mask_free_hop is not None:
            clips = [np.pad(c, (0, mask_free_length(c.size, mask_free_hop) - c.size)) for c in clips]
        self._batches: Iterator[dict[str, NDArray[np.generic]]] = iter(
            {
                INPUT_NAMES[0]: clip[np.newaxis, :].astype(np.float32),
                INPUT_NAMES[1]: np.array([clip.size], dtype=np.int64),
            }
            for clip in clips
        )

    def get_next(self) -> dict[str, NDArray[np.generic]] | None:
        return next(self._batches, None)


def build_graph(
    recipe: GraphRecipe, fp32_dir: Path, out_dir: Path, calibration: Sequence[NDArray[np.float32]]
) -> Path:
    """Write ``out_dir`` (graph, tokens.txt, model.json) for ``recipe``; returns ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    source = onnx.load(str(fp32_dir / MODEL_FILE))
    metadata = {p.key: p.value for p in source.metadata_props}
    hop = None
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "work.onnx"
        model = source
        if recipe.drop_masks:
            hop = round(float(metadata["window_stride"]) * int(metadata["sample_rate"]))
            model, _ = drop_length_masks(model, hop)
            metadata[MASK_FREE_HOP_KEY] = str(hop)
        if recipe.pointwise_to_matmul:
            model, _ = pointwise_to_matmul(model)
        if recipe.stft_as_conv:
            model, _ = stft_to_conv(model)
        if recipe.lean_rel_shift:
            model, _ = lean_rel_shift(model)
        if recipe.position_tables:
            model, _ = precompute_positions(model, DEFAULT_CHUNK_S)
            metadata[MAX_INPUT_KEY] = next(p.value for p in model.metadata_props if p.key == MAX_INPUT_KEY)
        onnx.save(model, str(work))
        excluded = featurizer_nodes(model)
        if recipe.static_subsampling:
            convs = Path(tmp) / "convs.onnx"
            quantise_subsampling(work, convs, SpeechReader(calibration, hop), subsampling_convs(model))
            work = convs
        if recipe.quantise == "dynamic":
            quantised = Path(tmp) / "dynamic.onnx"
            quantize_dynamic(
                work,
                quantised,
                op_types_to_quantize=list(recipe.op_types),
                per_channel=recipe.per_channel,
                weight_type=WEIGHT_TYPES[recipe.weight_type],
                nodes_to_exclude=excluded,
                extra_options={"MatMulConstBOnly": True},
            )
            work = quantised
        elif recipe.quantise == "static":
            quantised = Path(tmp) / "static.onnx"
            quantize_static(
                work,
                quantised,
                SpeechReader(calibration, hop),
                quant_format=QuantFormat.QDQ,
                op_types_to_quantize=list(recipe.op_types),
                per_channel=recipe.per_channel,
                activation_type=QuantType.QUInt8,
                weight_type=WEIGHT_TYPES[recipe.weight_type],
                nodes_to_exclude=excluded,
                extra_options={"MatMulConstBOnly": True},
            )
            work = quantised
        for stale in MODEL_FILES:
            (out_dir / stale).unlink(missing_ok=True)
        if recipe.optimise:
            _optimise_offline(work, out_dir, recipe, metadata)
        else:
            _save_with_metadata(onnx.load(str(work)), out_dir / MODEL_FILE, metadata)
    shutil.copy2(fp32_dir / TOKENS_FILE, out_dir / TOKENS_FILE)
    name = json.loads((fp32_dir / SETTINGS_FILE).read_text(encoding="utf-8")).get(
        "name", metadata["model_name"]
    )
    session = default_session(graph_optimization_level="disable" if recipe.optimise else "all")
    (out_dir / SETTINGS_FILE).write_text(
        json.dumps(settings_json(name, recipe.name, session), indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    return out_dir


def _optimise_offline(source: Path, out_dir: Path, recipe: GraphRecipe, metadata: dict[str, str]) -> None:
    """Let ONNX Runtime optimise ``source`` at ``recipe.optimise`` and save the result (ONNX or ORT)."""
    assert recipe.optimise is not None
    options = ort.SessionOptions()
    options.graph_optimization_level = LEVELS[recipe.optimise]
    options.log_severity_level = 3
    if recipe.ort_format:
        # ORT format keeps the model's metadata: what the session read is what it saves.
        model = onnx.load(str(source))
        _save_with_metadata(model, source, metadata)
        options.optimized_model_filepath = str(out_dir / ORT_MODEL_FILE)
        options.add_session_config_entry("session.save_model_format", "ORT")
    else:
        options.optimized_model_filepath = str(out_dir / MODEL_FILE)
    ort.InferenceSession(str(source), sess_options=options, providers=["CPUExecutionProvider"])
    if not recipe.ort_format:
        _save_with_metadata(onnx.load(str(out_dir / MODEL_FILE)), out_dir / MODEL_FILE, metadata)


def _save_with_metadata(model: onnx.ModelProto, path: Path, metadata: dict[str, str]) -> None:
    del model.metadata_props[:]
    for key, value in metadata.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(model, str(path))
