"""Run the optimisation search and bake the winner.

    python -m asr_build.search --model-dir DIR --nemo MODEL.nemo [--speed-model-dir DIR --speed-nemo X.nemo]
        [--test-manifest MANIFEST] [--quick] [--out artifacts/search]

``--model-dir``/``--nemo``: the model to optimise; its graphs are scored for accuracy and the winner
is baked from it. ``--speed-*``: the model whose speed is measured (default: the same; the demo model
is timed on the medium architecture). Writes ``OUT/<model name>/{report.json,report.md,report.png,
winner/}``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from asr_build.evaluate import Utterance, read_manifest
from asr_build.search import accuracy, cost, report, roofline, selection, timing
from asr_build.search.graphs import build_graph, model_file
from asr_build.search.variants import GRAPHS, Variant, grid
from hindi_asr.audio import decode_audio
from hindi_asr.contract import CHUNK_KEY, SETTINGS_FILE, TOKENS_FILE, settings_json

CLIP_SECONDS = {"5": 5.0, "10": 10.0, "60": 60.0}
RAW_FILE = "measurements.json"


@dataclass(frozen=True)
class Plan:
    """How much to measure: rounds per clip length, test and calibration clips, cold starts per variant."""

    rounds: Mapping[str, int]
    test_clips: int
    calibration: int
    cold: int


FULL = Plan(rounds={"10": 10, "5": 5, "60": 2}, test_clips=60, calibration=12, cold=3)
QUICK = Plan(rounds={"10": 3, "5": 2, "60": 1}, test_clips=6, calibration=4, cold=1)


def log(message: str) -> None:
    print(f"[search {time.strftime('%H:%M:%S')}] {message}", flush=True)


def model_name(model_dir: Path) -> str:
    settings = json.loads((model_dir / SETTINGS_FILE).read_text(encoding="utf-8"))
    return str(settings.get("name") or model_dir.name)


def speech_clips(rows: Sequence[Utterance], out: Path) -> dict[str, Path]:
    """5, 10 and 60 s of test speech (utterances back to back with 0.3 s pauses), as 16-bit WAV."""
    pieces = []
    for row in rows:
        pieces += [
            decode_audio(row.audio.read_bytes(), sample_rate=16_000).samples,
            np.zeros(4_800, np.float32),
        ]
    speech = np.concatenate(pieces)
    out.mkdir(parents=True, exist_ok=True)
    clips = {}
    for name, seconds in CLIP_SECONDS.items():
        n = int(seconds * 16_000)
        audio = np.tile(speech, n // speech.size + 1)[:n]
        clips[name] = out / f"speech_{name}s.wav"
        sf.write(clips[name], audio, 16_000, subtype="PCM_16")
    return clips


def build_graphs(
    source: Path, names: Sequence[str], out: Path, calibration: Sequence[Any]
) -> dict[str, Path]:
    """One model directory per graph recipe; fp32 is the source directory itself."""
    dirs = {"fp32": source}
    for recipe in GRAPHS:
        if recipe.name in names and recipe.name != "fp32":
            target = out / recipe.name
            settings = target / SETTINGS_FILE
            if settings.is_file() and settings.stat().st_mtime > model_file(source).stat().st_mtime:
                log(f"graph {recipe.name} of {source}: built already")  # graphs are deterministic
                dirs[recipe.name] = target
                continue
            log(f"graph {recipe.name} of {source}")
            dirs[recipe.name] = build_graph(recipe, source, target, calibration)
    return dirs


def cached_scores(
    path: Path, graphs: Mapping[str, Path], manifest: Path, score: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    """Accuracy per graph, reused from ``path`` when it covers the same graphs and test manifest."""
    key = {"graphs": sorted(graphs), "manifest": str(manifest.resolve()), "mtime": manifest.stat().st_mtime}
    if path.is_file():
        cached = json.loads(path.read_text(encoding="utf-8"))
        if cached["key"] == key:
            log("accuracy: measured already")
            return dict(cached["scores"])
    scores = score()
    path.write_text(json.dumps({"key": key, "scores": scores}, indent=2) + "\n", encoding="utf-8")
    return scores


def variant_dir(variant: Variant, graph_dir: Path, out: Path, name: str) -> Path:
    """A model directory for ``variant``: its graph and tokens linked, its own model.json."""
    target = out / variant.slug
    target.mkdir(parents=True, exist_ok=True)
    graph = model_file(graph_dir)
    for path, link in ((graph, target / graph.name), (graph_dir / TOKENS_FILE, target / TOKENS_FILE)):
        link.unlink(missing_ok=True)
        link.symlink_to(path.resolve())
    settings = settings_json(name, variant.name, variant.session.model_json()) | {CHUNK_KEY: variant.chunk_s}
    (target / SETTINGS_FILE).write_text(
        json.dumps(settings, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return target


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Build every graph, score its accuracy and time every variant and anchor: the raw measurements."""
    plan = QUICK if args.quick else FULL
    name = model_name(args.model_dir)
    out = args.out / name
    work = out / "work"
    speed_dir, speed_nemo = args.speed_model_dir or args.model_dir, args.speed_nemo or args.nemo
    threads = tuple(t for t in (1, 2) if t <= (os.cpu_count() or 1))
    variants = grid(quick=args.quick, threads=threads)
    if args.only:
        unknown = set(args.only) - {v.name for v in variants}
        if unknown:
            raise SystemExit(f"--only: not in the grid: {sorted(unknown)}")
        variants = [v for v in variants if v.name in args.only]
    graph_names = list(dict.fromkeys(["fp32", *(v.graph.name for v in variants)]))  # fp32: the gate

    log("test set")
    if args.test_manifest:
        manifest, source = args.test_manifest, str(args.test_manifest)
    else:
        manifest = accuracy.synthesise_test_set(work / "testset", plan.test_clips)
        source = "synthesised: held-out corpus sentences, espeak-ng and festival voices"
    rows = read_manifest(manifest)
    calibration_rows = read_manifest(
        accuracy.synthesise_calibration_set(work / "calibration", plan.calibration)
    )
    calibration = accuracy.calibration_audio(calibration_rows, plan.calibration, 16_000)

    acc_graphs = build_graphs(args.model_dir, graph_names, work / "graphs" / "accuracy", calibration)
    log(f"accuracy of {len(acc_graphs)} graphs on {len(rows)} clips")
    scores = cached_scores(
        work / "accuracy.json", acc_graphs, manifest, lambda: accuracy.evaluate_graphs(acc_graphs, rows)
    )
    same_model = speed_dir.resolve() == args.model_dir.resolve()
    speed_graphs = (
        acc_graphs
        if same_model
        else build_graphs(speed_dir, graph_names, work / "graphs" / "speed", calibration)
    )

    clips = speech_clips(rows, work / "clips")
    dirs = {v.name: variant_dir(v, speed_graphs[v.graph.name], work / "variants", name) for v in variants}
    contenders = [timing.Contender(v.name, "runtime", dirs[v.name], v.session.threads) for v in variants]
    top = max(threads)
    contenders.append(timing.Contender("nemo-eager", "nemo", speed_nemo, top))
    from asr_build.search.anchors import export_for_sherpa  # torch + NeMo: only here

    log(f"sherpa-onnx export of {speed_nemo}")

    sherpa_dir = export_for_sherpa(speed_nemo, work / "sherpa")
    contenders.append(timing.Contender("sherpa-onnx", "sherpa", sherpa_dir, top))
    log(f"timing {len(contenders)} contenders in rotation ({dict(plan.rounds)} rounds)")
    timings = timing.measure(contenders, clips, plan.rounds)
    log("cold starts")
    colds = {v.name: timing.cold_start(dirs[v.name], clips["10"], plan.cold) for v in variants}
    log("GEMM ceilings")
    gemm = roofline.measure(threads)
    raw = {
        "variants": [v.to_json() for v in variants],
        "scores": scores,
        "timings": timings,
        "colds": colds,
        "gemm_gmacs": gemm,
        "sizes_mb": {g: round(model_file(d).stat().st_size / 1e6, 2) for g, d in speed_graphs.items()},
        "accuracy_graphs": {g: str(d) for g, d in acc_graphs.items()},
        "test_set": {"manifest": str(manifest), "utterances": len(rows), "source": source},
    }
    (work / RAW_FILE).write_text(json.dumps(raw, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return raw


def assemble(args: argparse.Namespace, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Rows per variant, the rule's choices and the baked winner, from the raw measurements."""
    name = model_name(args.model_dir)
    measured = [Variant.from_json(v) for v in raw["variants"]]
    variants = [v for v in measured if v.graph in GRAPHS]  # --reuse after a recipe left the grid
    for gone in sorted({v.graph.name for v in measured} - {v.graph.name for v in variants}):
        log(f"graph {gone}: measured, no longer in the grid, left out")
    scores, timings, colds = raw["scores"], raw["timings"], raw["colds"]
    rule = selection.Rule()
    machine = cost.machine()
    top = max(v.session.threads for v in variants)
    table = []
    for v in variants:
        measured, score = timings[v.name], scores[v.graph.name]
        table.append(
            {
                "name": v.name,
                "config": v.to_json(),
                "threads": v.session.threads,
                "latency_ms": measured["latency_ms"],
                "cold_start_ms": colds[v.name]["cold_start_ms"],
                "peak_rss_mb": max(measured["peak_rss_mb"], colds[v.name]["cold_peak_rss_mb"]),
                "size_mb": raw["sizes_mb"][v.graph.name],
                **score,
                "passes_gate": rule.passes(score, scores["fp32"]),
            }
        )
    for row in table:  # the figure the rule uses, and so the costs: see selection.pooled_median
        pooled = selection.pooled_median(table, row, rule.clip)
        row["latency_pooled_ms"] = pooled
        row["cost_per_audio_hour_usd"] = cost.costs(
            {row["threads"]: pooled}, float(rule.clip), machine["cores"]
        )
    winner = selection.pick_chunk(table, selection.pick_winner(table, rule, top), rule)
    memory_mb, memory_costs = selection.pick_memory(table, winner, rule, machine["cores"])
    nemo_ms = timings["nemo-eager"]["latency_ms"]["10"]["median"]
    sherpa_ms = timings["sherpa-onnx"]["latency_ms"]["10"]["median"]
    win_ms = selection.pooled_median(table, winner, rule.clip)
    vcpus = next(s.vcpus for s in cost.MEMORY_SIZES if s.mb == memory_mb)
    win_variant = Variant.from_json(winner["config"])
    session = {**win_variant.session.model_json(), "intra_op_num_threads": vcpus}
    graph_dir = Path(raw["accuracy_graphs"][win_variant.graph.name])
    report.bake_winner(
        args.model_dir, graph_dir, args.out / name / "winner", winner["name"], session, win_variant.chunk_s
    )
    flops = timings["nemo-eager"].get("flops", 0.0)
    return {
        "model": name,
        "accuracy_model": str(args.model_dir),
        "speed_model": str(args.speed_model_dir or args.model_dir),
        "quick": args.quick,
        "machine": machine,
        "rule": rule.describe(top),
        "rule_parameters": asdict(rule),
        "test_set": raw["test_set"],
        "anchor_threads": top,
        "anchors": {
            "nemo_eager_ms": nemo_ms,
            "sherpa_onnx_ms": sherpa_ms,
            "nemo_eager": timings["nemo-eager"],
            "sherpa_onnx": timings["sherpa-onnx"],
        },
        "variants": table,
        "winner": winner["name"],
        "winner_vs_anchors": {
            "latency_ms": win_ms,
            "vs_nemo_eager": round(win_ms / nemo_ms, 3),
            "vs_sherpa_onnx": round(win_ms / sherpa_ms, 3),
        },
        "memory_size_mb": memory_mb,
        "memory_costs": memory_costs,
        "transcribe_usd_per_audio_hour": cost.TRANSCRIBE_USD_PER_HOUR,
        "compute": cost.compute(flops, win_ms, top, machine, raw.get("gemm_gmacs"), memory_costs)
        if flops
        else None,
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model-dir", type=Path, required=True, help="model directory to optimise and bake")
    parser.add_argument("--nemo", type=Path, required=True, help="its .nemo (the anchors' source)")
    parser.add_argument("--speed-model-dir", type=Path, help="model directory to time (default: --model-dir)")
    parser.add_argument("--speed-nemo", type=Path, help="its .nemo (default: --nemo)")
    parser.add_argument("--test-manifest", type=Path, help="NeMo JSON-lines manifest for the accuracy gate")
    parser.add_argument("--quick", action="store_true", help="a reduced grid and few rounds (CI)")
    parser.add_argument(
        "--only",
        type=lambda names: [n.strip() for n in names.split(",") if n.strip()],
        help="comma-separated variant names: time only these (of the full or quick grid)",
    )
    parser.add_argument("--out", type=Path, default=Path("artifacts/search"))
    parser.add_argument("--reuse", action="store_true", help=f"select and report from the last {RAW_FILE}")
    args = parser.parse_args(argv)
    if bool(args.speed_model_dir) != bool(args.speed_nemo):
        parser.error("give --speed-model-dir and --speed-nemo together")
    raw_file = args.out / model_name(args.model_dir) / "work" / RAW_FILE
    raw = json.loads(raw_file.read_text(encoding="utf-8")) if args.reuse else measure(args)
    result = assemble(args, raw)
    out = args.out / result["model"]
    report.write_report(result, out)
    log(f"winner {result['winner']} at {result['memory_size_mb']} MB; report in {out}")
    print(report.markdown(result))


if __name__ == "__main__":
    main()
