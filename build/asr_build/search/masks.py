"""Drop the length masks that cannot mask anything at the lengths the runtime feeds the graph.

NeMo's Conformer masks padded frames everywhere: the subsampling's convs multiply by a frame mask, every
layer's attention fills masked scores before and after its softmax, and every convolution module fills
masked frames. For one utterance at a time nothing is padded, yet at most lengths NeMo's length formula
still gives one encoder frame fewer than the subsampling produces (the featurizer counts ``N // hop``
valid frames of the ``1 + N // hop`` its STFT makes), so the masks do work there. At lengths with
``N // hop`` odd (``hindi_asr.contract.mask_free_length``) the two agree after every stride-2 stage and
every mask after the featurizer keeps every frame. On the medium graph those masks (Where, Expand, Mul
on ``[1, heads, T, T]`` and ``[1, channels, T, F]`` tensors) are several per cent of a 10 s clip.

``drop_length_masks`` finds the masks by data flow (a Where whose condition, or a Mul whose second factor,
depends on ``waveform_lens`` but not on the waveform's values), runs the graph at several mask-free
lengths, and rewires each mask that was constant and shape-preserving at all of them to the input it
passed through. It then checks the result against the original graph at other mask-free lengths and
raises if any log-prob moved. The featurizer's own masks (its last frame) are never constant and stay.
The graph's metadata then carries ``MASK_FREE_HOP_KEY``, and the runtime pads its input to such lengths.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import onnx
import onnxruntime as ort
from numpy.typing import NDArray
from onnx import helper

from asr_build.search.graphtools import (
    check_same_output,
    drop_unused_initializers,
    node_reads,
    random_feeds,
    session,
)
from hindi_asr.contract import INPUT_NAMES, MASK_FREE_HOP_KEY, mask_free_length

# Probe and check lengths, in hops: different parities of the subsampled lengths, short and long.
PROBE_HOPS = (41, 203, 517, 998)
CHECK_HOPS = (67, 350, 731)


@dataclass(frozen=True)
class Mask:
    """One mask node: ``mask`` is the tensor that decides, ``passed`` the input that goes through."""

    node: onnx.NodeProto
    mask: str
    passed: tuple[str, ...]  # Where: (if all true, if all false); Mul: (the data factor,)


def _dependants(graph: onnx.GraphProto, source: str, *, through_shape: bool) -> set[str]:
    """Tensors computed from ``source`` (nodes in topological order, as ONNX requires)."""
    found = {source}
    for node in graph.node:
        if not through_shape and node.op_type in ("Shape", "Size"):
            continue
        if any(name in found for name in node.input):
            found.update(node.output)
    return found


def length_masks(model: onnx.ModelProto) -> list[Mask]:
    """Every Where whose condition and every Mul whose other factor depends on the lengths input and
    not on the waveform's values."""
    graph = model.graph
    values = _dependants(graph, INPUT_NAMES[0], through_shape=False)
    lengths = _dependants(graph, INPUT_NAMES[1], through_shape=True)
    masks = []
    for node in graph.node:
        if node.op_type == "Where" and node.input[0] in lengths and node.input[0] not in values:
            masks.append(Mask(node, node.input[0], (node.input[1], node.input[2])))
        elif node.op_type == "Mul":
            a, b = node.input
            for data, mask in ((a, b), (b, a)):
                if data in values and mask in lengths and mask not in values:
                    masks.append(Mask(node, mask, (data,)))
    return masks


def _probe_session(model: onnx.ModelProto, masks: Sequence[Mask]) -> ort.InferenceSession:
    """The graph with every mask, its output and what it passes through as extra outputs."""
    inferred = onnx.shape_inference.infer_shapes(model)
    types = {
        vi.name: vi.type.tensor_type.elem_type
        for vi in (*inferred.graph.value_info, *inferred.graph.input, *inferred.graph.output)
    }
    types.update({init.name: init.data_type for init in model.graph.initializer})
    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    have = {o.name for o in probe.graph.output}
    for mask in masks:
        for name in (mask.mask, mask.node.output[0], *mask.passed):
            if name not in have and types.get(name):
                probe.graph.output.append(helper.make_tensor_value_info(name, types[name], None))
                have.add(name)
    return session(probe)


def _verdict(mask: Mask, out: dict[str, NDArray[np.generic]]) -> str | None:
    """The input the mask passed through at this length, if it passed one through unchanged."""
    if any(name not in out for name in (mask.mask, mask.node.output[0], *mask.passed)):
        return None
    value, shape = out[mask.mask], out[mask.node.output[0]].shape
    if mask.node.op_type == "Where":
        chosen = mask.passed[0] if value.all() else mask.passed[1] if not value.any() else None
    else:
        chosen = mask.passed[0] if np.all(value == 1) else None
    return chosen if chosen is not None and out[chosen].shape == shape else None


def mask_free_samples(hops: Sequence[int], hop: int) -> list[int]:
    """Mask-free lengths near ``hops`` hops (a few samples past each, as real audio is)."""
    return [mask_free_length(h * hop + 37, hop) for h in hops]


def drop_length_masks(model: onnx.ModelProto, hop: int) -> tuple[onnx.ModelProto, list[str]]:
    """A copy of ``model`` without the masks that keep everything at mask-free lengths (checked against
    ``model``), with ``MASK_FREE_HOP_KEY`` in its metadata; and the names of the dropped nodes."""
    masks = length_masks(model)
    probe = _probe_session(model, masks)
    names = [o.name for o in probe.get_outputs()]
    verdicts: dict[str, set[str | None]] = {m.node.name: set() for m in masks}
    for i, samples in enumerate(mask_free_samples(PROBE_HOPS, hop)):
        out = dict(zip(names, probe.run(None, random_feeds(samples, i)), strict=True))
        for mask in masks:
            verdicts[mask.node.name].add(_verdict(mask, out))
    rewire = {}
    for mask in masks:
        (chosen, *others) = verdicts[mask.node.name]
        if chosen is not None and not others:
            rewire[mask.node.output[0]] = chosen
    result = _rewired(model, rewire)
    entry = result.metadata_props.add()
    entry.key, entry.value = MASK_FREE_HOP_KEY, str(hop)
    _check(model, result, hop)
    dropped = [m.node.name for m in masks if m.node.output[0] in rewire]
    return result, dropped


def _rewired(model: onnx.ModelProto, rewire: dict[str, str]) -> onnx.ModelProto:
    """``model`` with each rewired tensor's consumers reading its replacement, and dead nodes removed."""
    out = onnx.ModelProto()
    out.CopyFrom(model)
    graph = out.graph
    if any(o.name in rewire for o in graph.output):
        raise ValueError("a graph output is a mask's result")

    def resolve(name: str) -> str:
        while name in rewire:
            name = rewire[name]
        return name

    for node in graph.node:
        for i, name in enumerate(node.input):
            node.input[i] = resolve(name)
    needed = {o.name for o in graph.output}
    live = []
    for node in reversed(graph.node):
        if any(name in needed for name in node.output):
            live.append(node)
            needed |= node_reads(node)
    live.reverse()
    del graph.node[:]
    graph.node.extend(live)
    drop_unused_initializers(graph)
    return out


def _check(original: onnx.ModelProto, rewired: onnx.ModelProto, hop: int) -> None:
    """Raise if the rewired graph's log-probs or lengths differ from the original's at mask-free lengths."""
    lengths = mask_free_samples(CHECK_HOPS, hop)
    check_same_output(original, rewired, lengths, seed=100, what="dropping the masks")
