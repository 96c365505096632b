"""The search's stages on small inputs: variants, the 1x1-conv rewrite, graphs, selection, cost, bake."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import soundfile as sf
from onnx import TensorProto, helper, numpy_helper

from asr_build.search import cost, roofline, selection, timing
from asr_build.search.dft import stft_to_conv
from asr_build.search.graphs import build_graph, featurizer_nodes, quantise_subsampling, subsampling_convs
from asr_build.search.pointwise import pointwise_to_matmul
from asr_build.search.report import bake_winner
from asr_build.search.variants import FP32, GRAPHS, GraphRecipe, SessionRecipe, Variant, grid
from hindi_asr.contract import MODEL_FILE, ORT_MODEL_FILE, SETTINGS_FILE, TOKENS_FILE
from hindi_asr.model import AsrModel
from hindi_asr.options import TranscriberOptions
from hindi_asr.transcribe import Transcriber
from tests.layers.hindi_asr.tiny_model import build_tiny_model


def test_variants_round_trip_through_json_and_have_unique_names() -> None:
    for quick in (True, False):
        variants = grid(quick=quick)
        assert len({v.name for v in variants}) == len(variants)
        for variant in variants:
            assert Variant.from_json(json.loads(json.dumps(variant.to_json()))) == variant
    with pytest.raises(ValueError, match="unknown"):
        Variant.from_json({"graph": {"name": "x", "bits": 4}, "session": {}})


def test_offline_optimised_graphs_are_loaded_without_optimisation() -> None:
    variants = grid(quick=False)
    for v in variants:
        assert (v.session.graph_optimization_level == "disable") == (v.graph.optimise is not None)
    assert not next(g for g in GRAPHS if g.optimise == "all").portable
    assert Variant(FP32, SessionRecipe(threads=2, allow_spinning=False)).name == "fp32/t2-nospin"
    assert Variant(FP32, SessionRecipe(threads=2), chunk_s=15.0).name == "fp32/t2-c15"


def _conformer_like_graph() -> onnx.ModelProto:
    """x [B, T, 8] -> Transpose -> 1x1 Conv (bias) -> Relu -> 1x1 Conv (no bias) -> Transpose -> y."""
    rng = np.random.default_rng(0)
    inits = [
        numpy_helper.from_array(rng.standard_normal((6, 8, 1)).astype(np.float32), "w1"),
        numpy_helper.from_array(rng.standard_normal(6).astype(np.float32), "b1"),
        numpy_helper.from_array(rng.standard_normal((5, 6, 1)).astype(np.float32), "w2"),
        numpy_helper.from_array(rng.standard_normal((4, 5, 3)).astype(np.float32), "w3"),  # not 1x1
    ]
    nodes = [
        helper.make_node("Transpose", ["x"], ["xt"], perm=[0, 2, 1]),
        helper.make_node("Conv", ["xt", "w1", "b1"], ["c1"], name="pw1", kernel_shape=[1]),
        helper.make_node("Relu", ["c1"], ["r"]),
        helper.make_node("Conv", ["r", "w2"], ["c2"], name="pw2", kernel_shape=[1]),
        helper.make_node("Conv", ["c2", "w3"], ["c3"], name="k3", kernel_shape=[3], pads=[1, 1]),
        helper.make_node("Transpose", ["c3"], ["y"], perm=[0, 2, 1]),
    ]
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["B", "T", 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["B", "T", 4])],
        inits,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def _run(model: onnx.ModelProto, x: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return np.asarray(session.run(None, {"x": x})[0])


def test_pointwise_convs_become_matmuls_with_the_same_output() -> None:
    # GIVEN two pointwise convolutions (one fed by NeMo's transpose) and a 3-wide one
    model = _conformer_like_graph()
    x = np.random.default_rng(1).standard_normal((2, 7, 8)).astype(np.float32)
    # WHEN rewritten
    rewritten, count = pointwise_to_matmul(model)
    onnx.checker.check_model(rewritten)
    # THEN the two 1x1 convs are MatMuls, the 3-wide conv is untouched, and the output is the same
    ops = [n.op_type for n in rewritten.graph.node]
    assert count == 2 and ops.count("MatMul") == 2 and ops.count("Conv") == 1
    assert "w1" not in {i.name for i in rewritten.graph.initializer}
    np.testing.assert_allclose(_run(rewritten, x), _run(model, x), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "recipe",
    [GraphRecipe("opt-extended", optimise="extended"), GraphRecipe("ort", optimise="basic", ort_format=True)],
    ids=lambda r: r.name,
)
def test_derived_graphs_keep_the_contract(recipe: GraphRecipe, tmp_path: Path) -> None:
    # GIVEN the tiny contract model WHEN a graph is derived from it
    source = build_tiny_model(tmp_path / "fp32")
    out = build_graph(recipe, source, tmp_path / recipe.name, calibration=[])
    # THEN it loads in the runtime with the same metadata, and model.json names the recipe
    model = AsrModel.load(TranscriberOptions(model_dir=out))
    reference = AsrModel.load(TranscriberOptions(model_dir=source))
    assert model.info.metadata == reference.info.metadata and model.info.variant == recipe.name
    assert (out / (ORT_MODEL_FILE if recipe.ort_format else MODEL_FILE)).is_file()
    assert model.config.graph_optimization_level == "disable"
    audio = (np.sin(np.arange(16_000) / 5) * 0.3).astype(np.float32)
    assert np.abs(model.run(audio) - reference.run(audio)).max() <= 1e-5


def _subsampling_like_graph() -> onnx.ModelProto:
    """x [B, 1, T, 8] -> 3x3/2 Conv (1 -> 4) -> Relu -> 3x3/2 Conv (4 -> 4) -> Relu -> depthwise 3x3 -> y."""
    rng = np.random.default_rng(2)
    inits = [
        numpy_helper.from_array(rng.standard_normal((4, 1, 3, 3)).astype(np.float32), "w1"),
        numpy_helper.from_array(rng.standard_normal((4, 4, 3, 3)).astype(np.float32) / 3, "w2"),
        numpy_helper.from_array(rng.standard_normal(4).astype(np.float32), "b2"),
        numpy_helper.from_array(rng.standard_normal((4, 1, 3, 3)).astype(np.float32), "w3"),
    ]
    k, pads = [3, 3], [1, 1, 1, 1]
    nodes = [
        helper.make_node(
            "Conv", ["x", "w1"], ["c1"], name="first", strides=[2, 2], kernel_shape=k, pads=pads
        ),
        helper.make_node("Relu", ["c1"], ["r1"]),
        helper.make_node(
            "Conv", ["r1", "w2", "b2"], ["c2"], name="second", strides=[2, 2], kernel_shape=k, pads=pads
        ),
        helper.make_node("Relu", ["c2"], ["r2"]),
        helper.make_node("Conv", ["r2", "w3"], ["y"], name="depthwise", group=4, kernel_shape=k, pads=pads),
    ]
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["B", 1, "T", 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["B", 4, "T4", 2])],
        inits,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


class _Batches:
    def __init__(self, batches: list[np.ndarray]) -> None:
        self._batches = iter(batches)

    def get_next(self) -> dict[str, np.ndarray] | None:
        batch = next(self._batches, None)
        return None if batch is None else {"x": batch}


def test_the_subsampling_conv_is_quantised_statically_and_runs_as_qlinearconv(tmp_path: Path) -> None:
    # GIVEN NeMo's subsampling shape: a conv on the 1-channel features, a 4 -> 4 conv, a depthwise conv
    model = _subsampling_like_graph()
    onnx.save(model, tmp_path / "fp32.onnx")
    rng = np.random.default_rng(3)
    batches = [rng.standard_normal((1, 1, 40, 8)).astype(np.float32) for _ in range(4)]
    # WHEN its subsampling convs are quantised, calibrated on a few batches
    assert subsampling_convs(model) == ["second"]
    quantise_subsampling(tmp_path / "fp32.onnx", tmp_path / "q.onnx", _Batches(batches), ["second"])
    # THEN only the multi-channel conv gets QDQ, ORT runs it as a QLinearConv, and the output stays close
    quantised = onnx.load(tmp_path / "q.onnx")
    fed_by_dq = [
        n.name
        for n in quantised.graph.node
        if n.op_type == "Conv"
        and "DequantizeLinear" in {p.op_type for p in quantised.graph.node if set(p.output) & set(n.input)}
    ]
    assert fed_by_dq == ["second"]
    options = ort.SessionOptions()
    options.optimized_model_filepath = str(tmp_path / "optimised.onnx")
    session = ort.InferenceSession(str(tmp_path / "q.onnx"), options, providers=["CPUExecutionProvider"])
    assert "QLinearConv" in {n.op_type for n in onnx.load(tmp_path / "optimised.onnx").graph.node}
    x = batches[0]
    reference = _run(model, x)
    error = np.abs(np.asarray(session.run(None, {"x": x})[0]) - reference).max()
    assert 0 < error <= 0.05 * np.abs(reference).max()


def test_featurizer_nodes_are_found_by_the_exporters_scope_metadata() -> None:
    model = _conformer_like_graph()
    prop = model.graph.node[1].metadata_props.add()
    prop.key, prop.value = "namespace", ": m.WaveformToLogProbs/featurizer: FilterbankFeatures/conv"
    assert featurizer_nodes(model) == ["pw1"]


def _row(
    name: str,
    threads: int,
    ms: float,
    *,
    passes: bool = True,
    graph: str | None = None,
    cold: float = 1000.0,
    chunk_s: float = 30.0,
    long_ms: float | None = None,
    rss: float = 600.0,
) -> dict[str, Any]:
    variant = Variant(
        next(g for g in GRAPHS if g.name == (graph or name.split("/")[0])),
        SessionRecipe(threads=threads),
        chunk_s,
    )
    latency = {"10": {"median": ms, "p95": ms}}
    if long_ms is not None:
        latency["60"] = {"median": long_ms, "p95": long_ms}
    return {
        "name": name,
        "config": variant.to_json(),
        "threads": threads,
        "latency_ms": latency,
        "passes_gate": passes,
        "cold_start_ms": cold,
        "peak_rss_mb": rss,
    }


def test_rule_picks_the_fastest_passing_portable_variant_and_the_cheapest_fast_memory() -> None:
    rule = selection.Rule()
    rows = [
        _row("fp32/t2", 2, 200.0),
        _row("int8-matmul/t2", 2, 120.0),
        _row("int8-matmul/t1", 1, 190.0),
        _row("pw-int8-matmul/t2", 2, 90.0, passes=False),
        _row("opt-all/t2", 2, 80.0),  # fastest, but laid out for this CPU
    ]
    winner = selection.pick_winner(rows, rule, threads=2)
    assert winner["name"] == "int8-matmul/t2"
    memory, table = selection.pick_memory(rows, winner, rule, cores=2)
    # 1 vCPU at 190 ms costs less than 2 vCPUs at 120 ms, and both are under the bound
    assert memory == 1769 and table["1769"]["usd"] < table["3008"]["usd"]
    slow = selection.pick_memory(rows, winner, selection.Rule(latency_bound_ms=150.0), cores=2)
    assert slow[0] == 3008


def test_a_tie_on_latency_goes_to_the_faster_cold_start() -> None:
    rule = selection.Rule()
    rows = [
        _row("int8-matmul/t2", 2, 100.0, cold=1200.0),
        _row("int8-matmul-opt/t2", 2, 104.0, cold=900.0),  # within 5 %: a tie, and it starts faster
        _row("int8-matmul-ort/t2", 2, 106.0, cold=500.0),  # 6 % slower: not a tie
    ]
    assert selection.pick_winner(rows, rule, threads=2)["name"] == "int8-matmul-opt/t2"
    assert selection.pick_winner(rows, selection.Rule(tie=0.0), threads=2)["name"] == "int8-matmul/t2"


def test_the_chunk_length_is_picked_on_the_long_clip_and_ties_go_to_less_memory() -> None:
    rule = selection.Rule()
    rows = [
        _row("int8-matmul/t2", 2, 100.0, long_ms=2500.0, rss=610.0),
        _row("int8-matmul/t2-c20", 2, 99.0, chunk_s=20.0, long_ms=2100.0, rss=420.0, cold=500.0),
        _row("int8-matmul/t2-c15", 2, 101.0, chunk_s=15.0, long_ms=2150.0, rss=370.0),  # a tie: less memory
        _row("int8-matmul/t1", 1, 180.0, long_ms=4000.0),
        _row("fp32/t2-c15", 2, 150.0, graph="fp32", chunk_s=15.0, long_ms=1000.0, rss=300.0),  # other graph
    ]
    # GIVEN chunk lengths that tie on the 10 s clip: the winner is picked among whole-clip variants only
    winner = selection.pick_winner(rows, rule, threads=2)
    assert winner["name"] == "int8-matmul/t2"
    # THEN the long clip picks the chunk length, and within 5 % the lower peak RSS
    chosen = selection.pick_chunk(rows, winner, rule)
    assert chosen["name"] == "int8-matmul/t2-c15"
    assert selection.pick_chunk(rows, winner, selection.Rule(tie=0.0))["name"] == "int8-matmul/t2-c20"
    # AND the memory size is still priced from the same graph and session at each thread count
    assert set(selection.siblings(rows, chosen)) == {1, 2} and selection.siblings(rows, chosen)[2] is chosen
    # AND without a long clip the winner stands
    short = [_row("int8-matmul/t2", 2, 100.0), _row("int8-matmul/t2-c15", 2, 100.0, chunk_s=15.0)]
    assert selection.pick_chunk(short, short[0], rule) is short[0]


def test_gate_is_cer_slack_and_agreement() -> None:
    rule, fp32 = selection.Rule(), {"cer": 0.05, "agreement": 1.0}
    assert rule.passes({"cer": 0.053, "agreement": 0.95}, fp32)
    assert not rule.passes({"cer": 0.0531, "agreement": 1.0}, fp32)
    assert not rule.passes({"cer": 0.04, "agreement": 0.94}, fp32)


def test_cost_per_audio_hour() -> None:
    # 360 requests of 10 s, 100 ms each at 1,769 MB: 36 s x 1.7275 GB x $0.0000166667 + 360 x $0.2e-6
    expected = 36 * 1769 / 1024 * 0.0000166667 + 360 * 0.2e-6
    assert cost.cost_per_audio_hour(100.0, 10.0, 1769) == pytest.approx(expected)
    assert set(cost.costs({1: 100.0, 2: 60.0}, 10.0, available=2)) == {"1769", "3008", "5307"}
    assert cost.machine()["cores"] >= 1


def test_the_int8_feed_forward_computes_what_the_fp32_one_does() -> None:
    x = np.random.default_rng(2).standard_normal((8, 16), dtype=np.float32)
    outputs = {}
    for kind in roofline.KINDS:
        graph = roofline.feed_forward(kind, frames=8, d_model=16, d_ff=32).SerializeToString()
        session = ort.InferenceSession(graph, providers=["CPUExecutionProvider"])
        outputs[kind] = session.run(None, {"x": x})[0]
    error = np.abs(outputs["int8"] - outputs["fp32"]).mean() / np.abs(outputs["fp32"]).mean()
    assert outputs["int8"].shape == (8, 16) and 0 < error < 0.05


def test_gemm_ceilings_are_measured_per_kind_and_thread_count() -> None:
    measured = roofline.measure([1], repeats=1)
    assert set(measured) == {"1"} and set(measured["1"]) == set(roofline.KINDS)
    assert all(rate > 0 for rate in measured["1"].values())


def test_the_floor_is_the_clip_with_every_multiply_add_at_the_int8_gemm_rate() -> None:
    # 24 GFLOP = 12 G multiply-adds; at 60 G/s on 1 thread that is 200 ms, at 100 G/s on 2, 120 ms
    gemm = {"1": {"fp32": 30.0, "int8": 60.0}, "2": {"fp32": 55.0, "int8": 100.0}}
    sizes = {"1769": {"threads": 1, "latency_ms": 330.0}, "3008": {"threads": 2, "latency_ms": 196.0}}
    result = cost.compute(24e9, 196.0, 2, {"fp32_peak_gflops_per_core": 100.0}, gemm, sizes)
    assert result["floors"] == {
        "1769": {"threads": 1, "latency_ms": 330.0, "floor_ms": 200.0},
        "3008": {"threads": 2, "latency_ms": 196.0, "floor_ms": 120.0},
    }
    assert result["gflops"] == pytest.approx(24 / 0.196, abs=0.1) and result["gemm_gmacs"] == gemm
    assert "floors" not in cost.compute(24e9, 196.0, 2, {"fp32_peak_gflops_per_core": 100.0}, None, sizes)


def test_bake_keeps_every_source_file_and_key(tmp_path: Path) -> None:
    # GIVEN a source model directory with an extra file and an extra model.json section
    source = build_tiny_model(tmp_path / "source")
    settings = json.loads((source / SETTINGS_FILE).read_text(encoding="utf-8"))
    settings["decoder"] = {"beam_size": 8}
    (source / SETTINGS_FILE).write_text(json.dumps(settings), encoding="utf-8")
    (source / "lm.arpa").write_text("\\data\\\n", encoding="utf-8")
    graph = build_graph(GraphRecipe("ort", optimise="basic", ort_format=True), source, tmp_path / "g", [])
    # WHEN the winner is baked from it
    session = {"intra_op_num_threads": 2, "allow_spinning": False}
    out = bake_winner(source, graph, tmp_path / "winner", "ort/t2-nospin", session, chunk_s=15.0)
    # THEN everything is carried over and only variant, session and chunk length change
    baked = json.loads((out / SETTINGS_FILE).read_text(encoding="utf-8"))
    assert baked == {**settings, "variant": "ort/t2-nospin", "session": session, "chunk_s": 15.0}
    transcriber = Transcriber.load(TranscriberOptions(model_dir=out))
    assert transcriber.chunk_s == 15.0  # the runtime chunks as the search measured
    assert (out / "lm.arpa").is_file() and (out / TOKENS_FILE).is_file()
    assert (out / ORT_MODEL_FILE).is_file() and not (out / MODEL_FILE).exists()
    assert AsrModel.load(TranscriberOptions(model_dir=out)).info.variant == "ort/t2-nospin"


def test_the_stft_becomes_a_conv_over_the_dft_basis_with_the_same_output() -> None:
    # GIVEN a one-sided STFT with a constant hop and Hann window, as NeMo's featurizer exports it
    n, hop = 64, 16
    window = np.zeros(n, np.float32)
    window[8:56] = np.hanning(48)
    inits = [
        numpy_helper.from_array(np.array(hop, np.int64), "hop"),
        numpy_helper.from_array(window, "window"),
        numpy_helper.from_array(np.array(n, np.int64), "length"),
    ]
    stft = helper.make_node("STFT", ["x", "hop", "window", "length"], ["spec"], name="stft", onesided=1)
    prop = stft.metadata_props.add()
    prop.key, prop.value = "namespace", ": m.WaveformToLogProbs/featurizer: FilterbankFeatures/stft"
    graph = helper.make_graph(
        [stft, helper.make_node("Transpose", ["spec"], ["y"], perm=[0, 2, 1, 3])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["B", "L", 1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["B", 33, "F", 2])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    x = np.random.default_rng(4).standard_normal((2, 1000, 1)).astype(np.float32)
    # WHEN rewritten
    rewritten, count = stft_to_conv(model)
    onnx.checker.check_model(rewritten)
    # THEN no STFT is left, the window and hop are gone, the new nodes stay in the featurizer, and the
    # spectrum is the same up to float rounding
    ops = [node.op_type for node in rewritten.graph.node]
    assert count == 1 and "STFT" not in ops and "Conv" in ops
    assert not {"hop", "window", "length"} & {i.name for i in rewritten.graph.initializer}
    assert len(featurizer_nodes(rewritten)) == 4
    reference = _run(model, x)
    np.testing.assert_allclose(_run(rewritten, x), reference, atol=1e-5 * np.abs(reference).max())


def test_the_longest_clip_is_timed_in_groups_and_every_worker_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN three runtime workers on the tiny model, two clip lengths, and groups of two for the longest
    model_dir = build_tiny_model(tmp_path / "tiny")
    clips = {}
    for name, seconds in (("10", 1.0), ("60", 3.0)):
        clips[name] = tmp_path / f"{name}.wav"
        sf.write(clips[name], (np.sin(np.arange(int(16_000 * seconds)) / 7) * 0.3).astype(np.float32), 16_000)
    monkeypatch.setattr(timing, "LONG_GROUP", 2)
    contenders = [timing.Contender(f"w{i}", "runtime", model_dir, 1) for i in range(3)]
    printed: list[str] = []
    monkeypatch.setattr("builtins.print", lambda *args, **_: printed.append(" ".join(map(str, args))))
    # WHEN measured
    results = timing.measure(contenders, clips, {"10": 3, "60": 2})
    # THEN every worker has every round of both clips and its peak RSS, and the long clip ran in two groups
    for name in ("w0", "w1", "w2"):
        assert {clip: s["n"] for clip, s in results[name]["latency_ms"].items()} == {"10": 3, "60": 2}
        assert results[name]["peak_rss_mb"] > 0
    assert sum("60 s clip, workers 1-2" in line for line in printed) == 2
    assert sum("60 s clip, workers 3-3" in line for line in printed) == 2


def test_the_10s_median_is_pooled_over_chunk_lengths_that_do_not_cut_it() -> None:
    # GIVEN one graph and session measured at three chunk lengths (the same graph on the 10 s clip), one
    # of them unlucky, and a rival measured once
    rows = [
        _row("int8-matmul/t2", 2, 130.0),  # unlucky: 10 s medians of the same graph drift apart
        _row("int8-matmul/t2-c20", 2, 100.0, chunk_s=20.0),
        _row("int8-matmul/t2-c15", 2, 102.0, chunk_s=15.0),
        _row("int8-matmul-ort/t2", 2, 110.0, cold=500.0),
        _row("int8-matmul/t2-c5", 2, 50.0, chunk_s=5.0),  # cuts the 10 s clip: not the same work
    ]
    # THEN the pooled figure is the median of the three, and the rule ranks by it: 102 beats 110 by more
    # than the tie, where the unlucky 130 alone would have lost
    assert selection.pooled_median(rows, rows[0], "10") == 102.0
    assert selection.pooled_median(rows, rows[3], "10") == 110.0
    assert selection.pick_winner(rows, selection.Rule(tie=0.05), threads=2)["name"] == "int8-matmul/t2"
