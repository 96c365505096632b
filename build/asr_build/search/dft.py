"""Rewrite the featurizer's STFT node as a strided Conv1d whose kernels are the windowed DFT basis.

ONNX Runtime's STFT kernel runs on one thread: on the medium graph at 2 threads it was 5-6 % of a 10 s
clip. ``STFT(x, hop, w, n)`` (one-sided) is, per frame ``t`` and bin ``k``,
``sum_n x[t*hop + n] w[n] (cos(2 pi k n / N) - j sin(2 pi k n / N))``: a Conv1d over ``x [B, 1, L]``
with ``2 (N/2 + 1)`` kernels of width ``N`` and stride ``hop`` (real parts, then imaginary), which ORT
runs as a threaded GEMM. The output is rearranged to STFT's ``[B, frames, N/2 + 1, 2]``. Exact up to
float rounding (about 1e-5 of the spectrum's scale); the new nodes keep the STFT's metadata, so they
stay in the featurizer, which is never quantised.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import helper, numpy_helper


def dft_kernels(window: np.ndarray) -> np.ndarray:
    """``[2 (N/2 + 1), 1, N]``: window x cos, then window x -sin, for the one-sided bins of an N-point DFT."""
    n = window.size
    angle = 2 * np.pi * np.arange(n // 2 + 1)[:, np.newaxis] * np.arange(n) / n
    w = window.astype(np.float64)
    return np.concatenate([w * np.cos(angle), -w * np.sin(angle)]).astype(np.float32)[:, np.newaxis, :]


def stft_to_conv(model: onnx.ModelProto) -> tuple[onnx.ModelProto, int]:
    """A copy of ``model`` with every one-sided STFT whose hop and window are constants rewritten as
    Transpose -> Conv -> Reshape -> Transpose; returns it and the number of STFTs rewritten."""
    out = onnx.ModelProto()
    out.CopyFrom(model)
    graph = out.graph
    constants = {init.name: init for init in graph.initializer}
    rewritten, freed = 0, set()
    for node in list(graph.node):
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        if node.op_type != "STFT" or not attrs.get("onesided", 1) or len(node.input) < 3:
            continue
        signal, hop, window = node.input[:3]
        if hop not in constants or window not in constants:
            continue
        taps = numpy_helper.to_array(constants[window])
        if (
            len(node.input) > 3
            and node.input[3]
            and (
                node.input[3] not in constants
                or int(numpy_helper.to_array(constants[node.input[3]])) != taps.size
            )
        ):
            continue
        name = node.name or node.output[0]
        bins = taps.size // 2 + 1
        graph.initializer.extend(
            [
                numpy_helper.from_array(dft_kernels(taps), f"{name}_dft_kernels"),
                numpy_helper.from_array(np.array([0, 2, bins, -1], np.int64), f"{name}_dft_shape"),
            ]
        )
        replacement = [
            # [B, L, 1] -> [B, 1, L]
            helper.make_node(
                "Transpose", [signal], [f"{name}_dft_in"], name=f"{name}_dft_in", perm=[0, 2, 1]
            ),
            helper.make_node(
                "Conv",
                [f"{name}_dft_in", f"{name}_dft_kernels"],
                [f"{name}_dft"],
                name=f"{name}_dft",
                kernel_shape=[taps.size],
                strides=[int(numpy_helper.to_array(constants[hop]))],
            ),
            # [B, 2 bins, frames] -> [B, 2, bins, frames] -> [B, frames, bins, 2]
            helper.make_node(
                "Reshape",
                [f"{name}_dft", f"{name}_dft_shape"],
                [f"{name}_dft_parts"],
                name=f"{name}_dft_parts",
            ),
            helper.make_node(
                "Transpose",
                [f"{name}_dft_parts"],
                [node.output[0]],
                name=f"{name}_dft_out",
                perm=[0, 3, 2, 1],
            ),
        ]
        for new in replacement:
            new.metadata_props.extend(node.metadata_props)
        position = list(graph.node).index(node)
        graph.node.remove(node)
        for offset, new in enumerate(replacement):
            graph.node.insert(position + offset, new)
        rewritten += 1
        freed |= set(node.input[1:])
    used = {name for n in graph.node for name in n.input} | {o.name for o in graph.output}
    for init in [i for i in graph.initializer if i.name in freed - used]:
        graph.initializer.remove(init)
    return out, rewritten
