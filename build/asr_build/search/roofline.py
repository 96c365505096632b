"""What ONNX Runtime's own GEMMs reach on this machine: the practical ceiling for a Conformer graph.

The search reports the winner against the CPU's fp32 FMA peak, but on a CPU without int8 dot-product
instructions (VNNI) the kernels, not the FMA pipes, set the limit. This measures it: a feed-forward block
without its activation (``x [M, K] @ W1 [K, N] @ W2 [N, K]``, at the medium model's shape on a 10 s
clip: 251 frames, d_model 256, 1024) as one fp32 graph (``MatMul``) and as one int8 graph
(``DynamicQuantizeMatMul`` with int8 weights, which is what ``quantize_dynamic`` graphs run after ORT's
fusion), each in its own process, and gives multiply-adds per second. On this noisy 2-core machine one
short process can read low, so each is run a few times in rotation and the fastest counts.

``python -m asr_build.search.roofline --kind int8 --threads 1`` prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

FRAMES, D_MODEL, D_FF = 251, 256, 1024  # the medium model on a 10 s clip
KINDS = ("fp32", "int8")
ROUNDS = 200  # about 0.4-0.8 s of GEMMs per process
REPEATS = 3  # processes per kind and thread count, in rotation; the fastest counts (a ceiling)


def feed_forward(
    kind: str, frames: int = FRAMES, d_model: int = D_MODEL, d_ff: int = D_FF
) -> onnx.ModelProto:
    """``x @ W1 @ W2`` with random weights, fp32 or int8 (per-tensor symmetric scales)."""
    rng = np.random.default_rng(0)
    weights = [
        rng.standard_normal((d_model, d_ff), dtype=np.float32),
        rng.standard_normal((d_ff, d_model), dtype=np.float32),
    ]
    nodes, initializers = [], []
    for i, weight in enumerate(weights):
        source, target = ("x" if i == 0 else "h"), ("h" if i == 0 else "y")
        if kind == "fp32":
            initializers.append(numpy_helper.from_array(weight, f"w{i}"))
            nodes.append(helper.make_node("MatMul", [source, f"w{i}"], [target]))
        else:
            scale = np.float32(np.abs(weight).max() / 127)
            initializers += [
                numpy_helper.from_array(np.round(weight / scale).astype(np.int8), f"w{i}"),
                numpy_helper.from_array(np.array(scale, dtype=np.float32), f"s{i}"),
            ]
            nodes.append(
                helper.make_node(
                    "DynamicQuantizeMatMul", [source, f"w{i}", f"s{i}"], [target], domain="com.microsoft"
                )
            )
    graph = helper.make_graph(
        nodes,
        f"feed_forward_{kind}",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [frames, d_model])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [frames, d_model])],
        initializers,
    )
    opsets = [helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)]
    return helper.make_model(graph, opset_imports=opsets)


def rate(kind: str, threads: int, rounds: int = ROUNDS) -> dict[str, float]:
    """Median time of the block and its multiply-adds per second (G), in this process."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(
        feed_forward(kind).SerializeToString(), options, providers=["CPUExecutionProvider"]
    )
    x = np.random.default_rng(1).standard_normal((FRAMES, D_MODEL), dtype=np.float32)
    for _ in range(20):
        session.run(None, {"x": x})
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        session.run(None, {"x": x})
        times.append(time.perf_counter() - started)
    median = statistics.median(times)
    macs = 2 * FRAMES * D_MODEL * D_FF
    return {"median_ms": round(median * 1e3, 3), "gmacs": round(macs / median / 1e9, 1)}


def measure(threads: Sequence[int], repeats: int = REPEATS) -> dict[str, dict[str, float]]:
    """``{"<threads>": {"fp32": G MAC/s, "int8": G MAC/s}}``: each kind and thread count in its own
    process, ``repeats`` times in rotation; the fastest process's median counts, as the ceiling."""
    result: dict[str, dict[str, float]] = {}
    for _ in range(repeats):
        for count in threads:
            for kind in KINDS:
                command = ["-m", "asr_build.search.roofline", "--kind", kind, "--threads", str(count)]
                out = subprocess.run([sys.executable, *command], check=True, capture_output=True, text=True)
                rates = result.setdefault(str(count), {})
                rates[kind] = max(rates.get(kind, 0.0), json.loads(out.stdout)["gmacs"])
    return result


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--kind", choices=KINDS, required=True)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    args = parser.parse_args(argv)
    measured = rate(args.kind, args.threads, args.rounds)
    print(json.dumps({"kind": args.kind, "threads": args.threads, **measured}))


if __name__ == "__main__":
    main()
