"""Rewrite the relative-position shift of every attention layer with one copy fewer.

NeMo's ``RelPositionMultiHeadAttention.rel_shift`` turns the position scores ``x [B, H, T, P]`` (``P =
2T - 1`` relative positions) into ``[B, H, T, P]`` rows shifted by their index: it pads one zero column
on the left, views the result as ``[B, H, P + 1, T]``, drops the first row and views it as
``[B, H, T, P]``; the caller then keeps the first ``T`` columns. Exported, that is Pad -> Reshape ->
Slice -> Reshape -> Slice: three copies of a ``[B, H, T, 2T]`` tensor per layer. The same elements are
``flat(x)[T - 1 + i (P - 1) + j]`` for row ``i`` and column ``j < T``, so

    Reshape(x, [B, H, T P]) -> Slice(T - 1, T - 1 + T (P - 1)) -> Reshape([B, H, T, P - 1]) -> Slice(:T)

gives the same values with no Pad: pure data movement, bit-identical output. It needs ``T >= 2``
encoder frames (the runtime's minimum input gives at least 3). ``lean_rel_shift`` rewrites each chain
whose shape it recognises and whose result only feeds the column Slice.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import helper, numpy_helper

from asr_build.search.graphtools import drop_unused_initializers


def _constant(graph: onnx.GraphProto, name: str) -> np.ndarray | None:
    for init in graph.initializer:
        if init.name == name:
            return numpy_helper.to_array(init)
    for node in graph.node:
        if node.op_type == "Constant" and node.output[0] == name:
            return numpy_helper.to_array(node.attribute[0].t)
    return None


def _is_left_pad_of_last_axis(graph: onnx.GraphProto, node: onnx.NodeProto) -> bool:
    if node.op_type != "Pad" or len(node.input) < 2:
        return False
    mode = next((helper.get_attribute_value(a) for a in node.attribute if a.name == "mode"), b"constant")
    pads = _constant(graph, node.input[1])
    value = _constant(graph, node.input[2]) if len(node.input) > 2 and node.input[2] else np.zeros(())
    axes_given = len(node.input) > 3 and node.input[3]
    return (
        mode == b"constant"
        and not axes_given
        and pads is not None
        and pads.tolist() == [0, 0, 0, 1, 0, 0, 0, 0]
        and value is not None
        and float(value) == 0.0
    )


def _slices_from(graph: onnx.GraphProto, node: onnx.NodeProto, start: int, axes: tuple[int, ...]) -> bool:
    """A Slice with step 1 from ``start`` along one of ``axes`` (its end may be computed)."""
    if node.op_type != "Slice" or len(node.input) < 4:
        return False
    starts, axis = _constant(graph, node.input[1]), _constant(graph, node.input[3])
    steps = _constant(graph, node.input[4]) if len(node.input) > 4 and node.input[4] else np.ones(1)
    return (
        starts is not None
        and axis is not None
        and steps is not None
        and np.asarray(starts).reshape(-1).tolist() == [start]
        and np.asarray(axis).reshape(-1).tolist() in [[a] for a in axes]
        and np.asarray(steps).reshape(-1).tolist() == [1]
    )


def lean_rel_shift(model: onnx.ModelProto) -> tuple[onnx.ModelProto, int]:
    """A copy of ``model`` with each rel-shift chain rewritten; returns it and the number rewritten."""
    out = onnx.ModelProto()
    out.CopyFrom(model)
    graph = out.graph
    consumers: dict[str, list[onnx.NodeProto]] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)

    def only_consumer(name: str, op_type: str) -> onnx.NodeProto | None:
        users = consumers.get(name, [])
        return users[0] if len(users) == 1 and users[0].op_type == op_type else None

    dropped: set[int] = set()
    replacements: dict[int, list[onnx.NodeProto]] = {}
    for pad in graph.node:
        if not _is_left_pad_of_last_axis(graph, pad):
            continue
        view = only_consumer(pad.output[0], "Reshape")
        rows = only_consumer(view.output[0], "Slice") if view else None
        back = only_consumer(rows.output[0], "Reshape") if rows else None
        cols = only_consumer(back.output[0], "Slice") if back else None
        if view is None or rows is None or back is None or cols is None:
            continue
        # rows [1:] (a constant end) of the [B, H, P + 1, T] view; then columns [:T] of the last axis
        if (
            not _slices_from(graph, rows, 1, (2,))
            or _constant(graph, rows.input[2]) is None
            or not _slices_from(graph, cols, 0, (3, -1))
        ):
            continue
        p = f"{pad.name or pad.output[0]}_lean"
        x = pad.input[0]
        nodes = [
            helper.make_node("Shape", [x], [f"{p}_shape"], name=f"{p}_shape"),
            helper.make_node("Gather", [f"{p}_shape", "relshift_axis_t"], [f"{p}_t"], name=f"{p}_t", axis=0),
            helper.make_node("Gather", [f"{p}_shape", "relshift_axis_p"], [f"{p}_p"], name=f"{p}_p", axis=0),
            helper.make_node("Sub", [f"{p}_t", "relshift_one"], [f"{p}_start"], name=f"{p}_start"),
            helper.make_node("Sub", [f"{p}_p", "relshift_one"], [f"{p}_row"], name=f"{p}_row"),
            helper.make_node("Mul", [f"{p}_t", f"{p}_row"], [f"{p}_span"], name=f"{p}_span"),
            helper.make_node("Add", [f"{p}_start", f"{p}_span"], [f"{p}_end"], name=f"{p}_end"),
            helper.make_node("Reshape", [x, "relshift_flat_shape"], [f"{p}_flat"], name=f"{p}_flat"),
            helper.make_node(
                "Slice",
                [f"{p}_flat", f"{p}_start", f"{p}_end", "relshift_axis_t"],
                [f"{p}_window"],
                name=f"{p}_window",
            ),
            helper.make_node(
                "Concat",
                ["relshift_keep_dims", f"{p}_t", f"{p}_row"],
                [f"{p}_rows_shape"],
                name=f"{p}_rows_shape",
                axis=0,
            ),
            helper.make_node(
                "Reshape", [f"{p}_window", f"{p}_rows_shape"], [back.output[0]], name=f"{p}_rows"
            ),
        ]
        for node in nodes:  # the chain's metadata (its scope) carries over
            node.metadata_props.extend(back.metadata_props)
        ids = {id(n) for n in (pad, view, rows, back)}
        dropped |= ids
        replacements[id(pad)] = nodes
    if not replacements:
        return out, 0
    graph.initializer.extend(
        [
            numpy_helper.from_array(np.array([0, 0, -1], dtype=np.int64), "relshift_flat_shape"),
            numpy_helper.from_array(np.array([0, 0], dtype=np.int64), "relshift_keep_dims"),
            numpy_helper.from_array(np.array([2], dtype=np.int64), "relshift_axis_t"),
            numpy_helper.from_array(np.array([3], dtype=np.int64), "relshift_axis_p"),
            numpy_helper.from_array(np.array([1], dtype=np.int64), "relshift_one"),
        ]
    )
    new_nodes: list[onnx.NodeProto] = []
    for node in graph.node:
        new_nodes += replacements.get(id(node), [])
        if id(node) not in dropped:
            new_nodes.append(node)
    del graph.node[:]
    graph.node.extend(new_nodes)
    drop_unused_initializers(graph)  # the Pads' constants
    return out, len(replacements)
