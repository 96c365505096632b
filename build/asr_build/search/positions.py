"""Precompute each attention layer's projection of the relative-position table.

NeMo's relative-position attention slices ``2T - 1`` rows out of one constant table ``pe [1, R, d]``
(rows around its centre, ``T`` the encoder frames) and every layer multiplies that slice by its own
``linear_pos`` weight: on the medium graph, 18 GEMMs of ``[2T-1, 256] x [256, 256]``, then a Reshape to
heads and a Transpose. Slicing commutes with a row-wise product, so each layer's product can be computed
once, over the whole table, and sliced at run time: ``Slice(pe) @ W == Slice(pe @ W)``. Where the
product feeds ``Reshape [1, -1, heads, d_k] -> Transpose [0, 2, 3, 1]`` (as in NeMo), the table is
stored in that layout and sliced on its last axis, so the Reshape and Transpose go too.

One table per layer costs memory: the rows are cut to the longest input the graph will be given
(``max_input_s``, which goes into the graph's metadata; the runtime never feeds more, see
``Transcriber.chunk_s``). The result is checked against the original graph at several lengths up to that.
"""

from __future__ import annotations

import math

import numpy as np
import onnx
from numpy.typing import NDArray
from onnx import helper, numpy_helper

from asr_build.search.graphtools import check_same_output, drop_unused_initializers, transpose_perm
from hindi_asr.contract import FRAME_SHIFT_KEY, MAX_INPUT_KEY

SPARE_FRAMES = 4  # rows kept beyond the longest input's frame count (padding to mask-free lengths)
CHECK_FRACTIONS = (0.05, 0.4, 1.0)  # of max_input_s, less a little


def _const(initializers: dict[str, onnx.TensorProto], name: str) -> NDArray[np.generic] | None:
    return numpy_helper.to_array(initializers[name]) if name in initializers else None


def precompute_positions(model: onnx.ModelProto, max_input_s: float) -> tuple[onnx.ModelProto, int]:
    """A copy of ``model`` whose position projections are sliced from per-layer tables that cover inputs
    up to ``max_input_s`` (capped at the graph's own ``max_input_s``); and how many were replaced."""
    metadata = {p.key: p.value for p in model.metadata_props}
    max_input_s = min(max_input_s, float(metadata.get(MAX_INPUT_KEY, math.inf)))
    frames = math.ceil(max_input_s / float(metadata[FRAME_SHIFT_KEY])) + SPARE_FRAMES
    out = onnx.ModelProto()
    out.CopyFrom(model)
    graph = out.graph
    initializers = {i.name: i for i in graph.initializer}
    consumers: dict[str, list[onnx.NodeProto]] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    before: dict[str, list[onnx.NodeProto]] = {}  # per table Slice (by output): the nodes to add
    after: dict[str, list[onnx.NodeProto]] = {}
    removed: set[str] = set()  # outputs of the nodes that go
    for table_slice in list(graph.node):
        table = _const(initializers, table_slice.input[0]) if table_slice.op_type == "Slice" else None
        if table is None or table.ndim != 3 or table.shape[0] != 1 or len(table_slice.input) < 4:
            continue
        axes = _const(initializers, table_slice.input[3])
        steps = _const(initializers, table_slice.input[4]) if len(table_slice.input) > 4 else None
        if axes is None or axes.tolist() not in ([1], [-2]) or (steps is not None and steps.tolist() != [1]):
            continue
        products = [
            n
            for n in consumers.get(table_slice.output[0], [])
            if n.op_type == "MatMul" and n.input[0] == table_slice.output[0] and n.input[1] in initializers
        ]
        if not products:
            continue
        # Keep the rows around the centre that inputs of up to ``frames`` frames reach.
        centre = table.shape[1] // 2
        low, high = max(0, centre - frames), min(table.shape[1], centre + frames + 1)
        rows = table[0, low:high]
        key = table_slice.output[0]
        offset, starts, ends, trimmed = (f"{key}_{s}" for s in ("row_offset", "starts", "ends", "rows"))
        graph.initializer.append(numpy_helper.from_array(np.array([low], dtype=np.int64), offset))
        graph.initializer.append(numpy_helper.from_array(rows[np.newaxis], trimmed))
        before[key] = [
            helper.make_node("Sub", [table_slice.input[1], offset], [starts]),
            helper.make_node("Sub", [table_slice.input[2], offset], [ends]),
        ]
        table_slice.input[0], table_slice.input[1], table_slice.input[2] = trimmed, starts, ends
        after[key] = []
        for product in products:
            projected = rows @ numpy_helper.to_array(initializers[product.input[1]])  # [rows, d_out]
            layout = _heads_layout(product, consumers, initializers)
            name = f"{product.output[0]}_table"
            if layout is None:
                stored, axis, output = projected[np.newaxis], 1, product.output[0]
            else:
                heads, transpose = layout
                stored = projected.reshape(rows.shape[0], heads, -1).transpose(1, 2, 0)[np.newaxis]
                axis, output = 3, transpose.output[0]
                removed |= {n.output[0] for n in consumers[product.output[0]]} | {output}
            graph.initializer.append(numpy_helper.from_array(np.ascontiguousarray(stored, np.float32), name))
            graph.initializer.append(numpy_helper.from_array(np.array([axis], np.int64), f"{name}_axis"))
            removed.add(product.output[0])
            after[key].append(helper.make_node("Slice", [name, starts, ends, f"{name}_axis"], [output]))
    count = sum(len(nodes) for nodes in after.values())
    if not count:
        return out, 0
    nodes: list[onnx.NodeProto] = []
    for node in graph.node:
        if node.output[0] in after:
            nodes += [*before[node.output[0]], node, *after[node.output[0]]]
        elif not any(o in removed for o in node.output):  # the new Slices stand in for these
            nodes.append(node)
    del graph.node[:]
    graph.node.extend(nodes)
    drop_unused_initializers(graph)
    _set_metadata(out, MAX_INPUT_KEY, f"{max_input_s:g}")
    _check(model, out, max_input_s)
    return out, count


def _heads_layout(
    product: onnx.NodeProto,
    consumers: dict[str, list[onnx.NodeProto]],
    initializers: dict[str, onnx.TensorProto],
) -> tuple[int, onnx.NodeProto] | None:
    """``(heads, transpose)`` when ``product`` feeds only ``Reshape [1, -1, heads, d_k]`` and that only
    ``Transpose [0, 2, 3, 1]``."""
    (reshape, *others) = consumers.get(product.output[0], [None])
    if others or reshape is None or reshape.op_type != "Reshape":
        return None
    shape = _const(initializers, reshape.input[1])
    (transpose, *others) = consumers.get(reshape.output[0], [None])
    if shape is None or shape.size != 4 or shape[:2].tolist() != [1, -1] or others or transpose is None:
        return None
    if transpose.op_type != "Transpose" or transpose_perm(transpose) != [0, 2, 3, 1]:
        return None
    return int(shape[2]), transpose


def _set_metadata(model: onnx.ModelProto, key: str, value: str) -> None:
    entry = next((p for p in model.metadata_props if p.key == key), None) or model.metadata_props.add()
    entry.key, entry.value = key, value


def _check(original: onnx.ModelProto, rewritten: onnx.ModelProto, max_input_s: float) -> None:
    """Raise if the log-probs differ beyond rounding at lengths up to ``max_input_s``."""
    rate = int({p.key: p.value for p in original.metadata_props}.get("sample_rate", 16000))
    lengths = [int(fraction * max_input_s * rate) - 400 for fraction in CHECK_FRACTIONS]
    check_same_output(original, rewritten, lengths, seed=0, what="the position tables")
