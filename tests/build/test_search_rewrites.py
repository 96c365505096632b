"""Graph rewrites on the project's exported models: the length masks (`asr_build.search.masks`), the
relative-position shift (`asr_build.search.relshift`) and the position tables
(`asr_build.search.positions`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from asr_build.search import positions
from asr_build.search.graphs import featurizer_nodes
from asr_build.search.masks import _check, _rewired, drop_length_masks, length_masks
from asr_build.search.relshift import lean_rel_shift
from hindi_asr.contract import (
    INPUT_NAMES,
    MASK_FREE_HOP_KEY,
    MIN_INPUT_SAMPLES,
    MODEL_FILE,
    mask_free_length,
)

HOP = 160  # 10 ms at 16 kHz: the featurizer's window stride


def _logprobs(model: onnx.ModelProto, samples: int) -> np.ndarray:
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    wave = (np.random.default_rng(samples).standard_normal(samples) * 0.1).astype(np.float32)
    feeds = {INPUT_NAMES[0]: wave[np.newaxis], INPUT_NAMES[1]: np.array([samples], dtype=np.int64)}
    return np.asarray(session.run(None, feeds)[0])


def _load(exported: tuple[Path, Path]) -> onnx.ModelProto:
    _, model_dir = exported
    return onnx.load(str(model_dir / MODEL_FILE))


def _ops(model: onnx.ModelProto, op_type: str) -> int:
    """How many nodes of ``op_type`` the graph has (``Softmax``: one per attention layer)."""
    return sum(node.op_type == op_type for node in model.graph.node)


def test_the_encoders_masks_go_and_the_graph_stays_exact_at_mask_free_lengths(
    exported: tuple[Path, Path],
) -> None:
    # GIVEN an exported Conformer (the medium architecture, or the demo model)
    model = _load(exported)
    layers = _ops(model, "Softmax")
    # WHEN its length masks are dropped
    rewired, dropped = drop_length_masks(model, HOP)
    # THEN each layer's attention (before and after the softmax) and convolution masks are gone, the
    # featurizer still masks its last frame, and the graph says which lengths it needs
    assert len(dropped) >= 3 * layers > 0
    assert {m.node.name for m in length_masks(rewired)} & set(featurizer_nodes(model))
    assert len(rewired.graph.node) < len(model.graph.node) - len(dropped)  # their mask arithmetic too
    assert {p.key: p.value for p in rewired.metadata_props}[MASK_FREE_HOP_KEY] == str(HOP)
    # AND at a mask-free length that neither the probe nor the check used, the output is the same
    free = mask_free_length(16_000 * 3 + 5, HOP)
    assert np.abs(_logprobs(model, free) - _logprobs(rewired, free)).max() < 1e-4
    # AND at a length that is not mask-free the masks did something (the runtime pads such input)
    other = free + HOP
    assert mask_free_length(other, HOP) != other
    before, after = _logprobs(model, other), _logprobs(rewired, other)
    assert before.shape != after.shape or np.abs(before - after).max() > 1e-3


def test_a_mask_dropped_wrongly_is_caught_by_the_check(exported: tuple[Path, Path]) -> None:
    model = _load(exported)
    # GIVEN the masks that hide the featurizer's last frame (which do work at every length) dropped too
    rewired, _ = drop_length_masks(model, HOP)
    constants = {init.name for init in model.graph.initializer}
    last_frame = {
        m.node.output[0]: next(name for name in m.passed if name not in constants)
        for m in length_masks(rewired)
    }
    assert last_frame
    wrong = _rewired(rewired, last_frame)
    # THEN the check against the original graph refuses it
    with pytest.raises(ValueError, match="changed the output"):
        _check(model, wrong, HOP)


def test_the_lean_rel_shift_gives_bit_identical_log_probs(exported: tuple[Path, Path]) -> None:
    model = _load(exported)
    # WHEN every attention's relative-position shift is rewritten without its Pad
    lean, rewritten = lean_rel_shift(model)
    # THEN one per layer, and the Pads are gone
    layers = _ops(model, "Softmax")
    assert rewritten == layers > 0
    assert _ops(lean, "Pad") == _ops(model, "Pad") - layers
    # AND the output is the same to the bit, from the shortest input the runtime gives the graph
    for samples in (MIN_INPUT_SAMPLES, 16_000 * 2 + 77):
        assert np.array_equal(_logprobs(model, samples), _logprobs(lean, samples))


def test_each_layers_position_projection_becomes_a_table_cut_to_the_longest_input(
    exported: tuple[Path, Path],
) -> None:
    model = _load(exported)
    layers = _ops(model, "Softmax")
    # WHEN each layer's linear_pos is precomputed for inputs up to 20 s
    tabled, replaced = positions.precompute_positions(model, 20.0)
    # THEN one table per layer, in the heads layout: its MatMul, Reshape and Transpose are gone
    assert replaced == layers > 0
    for op, fewer in (("MatMul", layers), ("Reshape", layers), ("Transpose", layers)):
        assert _ops(tabled, op) == _ops(model, op) - fewer
    assert {p.key: p.value for p in tabled.metadata_props}["max_input_s"] == "20"
    # AND each table holds the rows 20 s of input reach (500 frames each side and a few spare)
    tables = [init for init in tabled.graph.initializer if init.name.endswith("_table")]
    assert {init.dims[-1] for init in tables} == {2 * (500 + positions.SPARE_FRAMES) + 1}
    # AND the output is that of the original graph from the shortest input to the longest
    for samples in (MIN_INPUT_SAMPLES, 16_000 * 7 + 33, 16_000 * 20):
        assert np.abs(_logprobs(model, samples) - _logprobs(tabled, samples)).max() < 1e-4


def test_tables_cut_too_short_are_caught_by_the_check(
    exported: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    model = _load(exported)
    # GIVEN tables cut 200 rows short of what the longest input needs
    monkeypatch.setattr(positions, "SPARE_FRAMES", -200)
    # THEN the check against the original graph refuses them
    with pytest.raises(ValueError, match="the position tables"):
        positions.precompute_positions(model, 20.0)
