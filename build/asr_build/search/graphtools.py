"""Small helpers for the search's graph rewrites: the names a graph reads (to clean up after
themselves), a Transpose's permutation."""

from __future__ import annotations

import onnx
from onnx import helper


def node_reads(node: onnx.NodeProto) -> set[str]:
    """The tensors ``node`` reads, those its subgraphs (If, Loop, Scan) read from outside included."""
    names = set(node.input)
    for attr in node.attribute:
        for sub in [attr.g] if attr.type == onnx.AttributeProto.GRAPH else list(attr.graphs):
            names |= graph_reads(sub)
    return names


def graph_reads(graph: onnx.GraphProto) -> set[str]:
    """Every tensor name read by a node of ``graph`` or of its subgraphs, and the graph's outputs."""
    names = {o.name for o in graph.output}
    for node in graph.node:
        names |= node_reads(node)
    return names


def drop_unused_initializers(graph: onnx.GraphProto) -> None:
    """Remove the initializers nothing in ``graph`` reads any more."""
    used = graph_reads(graph)
    keep = [i for i in graph.initializer if i.name in used]
    del graph.initializer[:]
    graph.initializer.extend(keep)


def transpose_perm(node: onnx.NodeProto) -> list[int]:
    """A Transpose node's ``perm`` attribute (empty if it has none)."""
    return next((list(helper.get_attribute_value(a)) for a in node.attribute if a.name == "perm"), [])
