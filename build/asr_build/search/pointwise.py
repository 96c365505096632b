"""Rewrite pointwise (1x1) Conv1d nodes as MatMul, so that MatMul quantisation reaches them.

A Conformer block's convolution module has two pointwise convolutions around its depthwise one: in
ORT's profile of the int8 (MatMul-only) medium graph, Conv took 28 % of the time, still in fp32. A
1x1 Conv1d over ``x [B, C_in, T]`` is ``W [C_out, C_in] @ x`` per frame, i.e.
``Transpose(MatMul(Transpose(x), W^T) + b)``. When ``x`` itself comes from a ``[B, T, C] -> [B, C, T]``
Transpose (as in NeMo), that input is used directly; ONNX Runtime's transpose optimiser removes the
remaining pairs.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import helper, numpy_helper

from asr_build.search.graphtools import drop_unused_initializers, transpose_perm

TO_CHANNELS_FIRST = [0, 2, 1]


def is_pointwise_conv1d(node: onnx.NodeProto, initializers: dict[str, onnx.TensorProto]) -> bool:
    """A Conv over one spatial axis with a 1-wide kernel, stride 1, no padding, dilation 1, group 1."""
    if node.op_type != "Conv" or len(node.input) < 2 or node.input[1] not in initializers:
        return False
    if tuple(initializers[node.input[1]].dims[2:]) != (1,):
        return False
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    return (
        attrs.get("group", 1) == 1
        and list(attrs.get("strides", [1])) == [1]
        and list(attrs.get("dilations", [1])) == [1]
        and not any(attrs.get("pads", [0, 0]))
        and attrs.get("auto_pad", b"NOTSET") in (b"NOTSET", "NOTSET")
    )


def pointwise_to_matmul(model: onnx.ModelProto) -> tuple[onnx.ModelProto, int]:
    """A copy of ``model`` with every pointwise Conv1d as Transpose -> MatMul (-> Add) -> Transpose."""
    out = onnx.ModelProto()
    out.CopyFrom(model)
    graph = out.graph
    initializers = {i.name: i for i in graph.initializer}
    producers = {o: n for n in graph.node for o in n.output}
    nodes: list[onnx.NodeProto] = []
    rewritten = 0
    for node in graph.node:
        if not is_pointwise_conv1d(node, initializers):
            nodes.append(node)
            continue
        rewritten += 1
        prefix = f"{node.name or node.output[0]}_pw"
        weight = numpy_helper.to_array(initializers[node.input[1]])[:, :, 0]  # [C_out, C_in]
        graph.initializer.append(numpy_helper.from_array(np.ascontiguousarray(weight.T), f"{prefix}_weight"))
        source = producers.get(node.input[0])
        if source is not None and source.op_type == "Transpose" and transpose_perm(source) == [0, 2, 1]:
            frames_first = source.input[0]  # the [B, T, C] tensor before NeMo's transpose
        else:
            frames_first = f"{prefix}_in"
            nodes.append(
                helper.make_node("Transpose", [node.input[0]], [frames_first], perm=TO_CHANNELS_FIRST)
            )
        product = f"{prefix}_matmul"
        nodes.append(
            helper.make_node("MatMul", [frames_first, f"{prefix}_weight"], [product], f"{prefix}_MatMul")
        )
        if len(node.input) > 2 and node.input[2]:
            nodes.append(helper.make_node("Add", [product, node.input[2]], [f"{prefix}_bias"]))
            product = f"{prefix}_bias"
        nodes.append(helper.make_node("Transpose", [product], [node.output[0]], perm=TO_CHANNELS_FIRST))
    del graph.node[:]
    graph.node.extend(nodes)
    drop_unused_initializers(graph)
    return out, rewritten
