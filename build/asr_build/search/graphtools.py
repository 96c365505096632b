"""Small helpers for the search's graph rewrites: the names a graph reads (to clean up after
themselves), a Transpose's permutation, and the check that a rewritten graph still computes what the
original did."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import onnx
import onnxruntime as ort
from numpy.typing import NDArray
from onnx import helper

from hindi_asr.contract import INPUT_NAMES, OUTPUT_NAMES

TOLERANCE = 1e-4  # largest log-prob change a rewrite may make


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


def session(model: onnx.ModelProto) -> ort.InferenceSession:
    """``model`` as ONNX Runtime runs it, without graph optimisation (the graph as written)."""
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.log_severity_level = 3
    return ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


def random_feeds(samples: int, seed: int) -> dict[str, NDArray[np.generic]]:
    """One utterance of ``samples`` samples of low-level noise, with its length."""
    wave = (np.random.default_rng(seed).standard_normal(samples) * 0.1).astype(np.float32)
    return {INPUT_NAMES[0]: wave[np.newaxis, :], INPUT_NAMES[1]: np.array([samples], dtype=np.int64)}


def check_same_output(
    original: onnx.ModelProto, rewritten: onnx.ModelProto, lengths: Iterable[int], *, seed: int, what: str
) -> None:
    """Raise ``ValueError`` ("``what`` broke the graph" / "``what`` changed the output") unless
    ``rewritten`` gives ``original``'s output lengths and log-probs within ``TOLERANCE`` at ``lengths``."""
    before = session(original)
    try:
        after = session(rewritten)
    except Exception as exc:  # ORT's own exception types: the rewritten graph is not even valid
        raise ValueError(f"{what} broke the graph: {exc}") from exc
    for i, samples in enumerate(lengths):
        feeds = random_feeds(samples, seed + i)
        a, a_lens = before.run(list(OUTPUT_NAMES), feeds)
        try:
            b, b_lens = after.run(list(OUTPUT_NAMES), feeds)
        except Exception as exc:  # e.g. a slice past the end of a table
            raise ValueError(f"{what} broke the graph at {samples} samples: {exc}") from exc
        diff = float(np.abs(a - b).max()) if a.shape == b.shape else float("inf")
        if diff > TOLERANCE or not np.array_equal(a_lens, b_lens):
            raise ValueError(f"{what} changed the output at {samples} samples (max |d| {diff})")
