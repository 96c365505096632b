"""Report and bake: report.json, report.md (table), report.png (latency vs CER) and winner/.

``winner/`` is a complete model directory: every file of the source model directory (an LM, say)
and every key of its model.json (a decoder section, say), with the winner's graph in place of the
source graph and only ``variant`` and ``session`` set from the search.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from hindi_asr.contract import (
    CHUNK_KEY,
    DEFAULT_CHUNK_S,
    MODEL_FILES,
    SESSION_KEY,
    SETTINGS_FILE,
    VARIANT_KEY,
)


def bake_winner(
    source_dir: Path,
    graph_dir: Path,
    out: Path,
    variant: str,
    session: Mapping[str, Any],
    chunk_s: float = DEFAULT_CHUNK_S,
) -> Path:
    """Copy ``source_dir`` to ``out`` with ``graph_dir``'s graph, ``variant``, ``session`` and ``chunk_s``."""
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(source_dir, out, symlinks=False)
    for name in MODEL_FILES:
        (out / name).unlink(missing_ok=True)
        if (graph_dir / name).is_file():
            shutil.copy2((graph_dir / name).resolve(), out / name)
    settings_path = source_dir / SETTINGS_FILE
    settings = json.loads(settings_path.read_text(encoding="utf-8")) if settings_path.is_file() else {}
    settings[VARIANT_KEY] = variant
    settings[SESSION_KEY] = dict(session)
    settings[CHUNK_KEY] = chunk_s
    (out / SETTINGS_FILE).write_text(
        json.dumps(settings, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return out


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.2f}"


def _ms(row: Mapping[str, Any], clip: str, key: str = "median") -> str:
    cell = row["latency_ms"].get(clip)
    return "-" if cell is None else f"{cell[key]:.0f}"


def markdown(report: Mapping[str, Any]) -> str:
    """The report as a Markdown table with the rule, anchors and winner above it."""
    anchors, winner, versus = report["anchors"], report["winner"], report["winner_vs_anchors"]
    lines = [
        f"# Optimisation search: {report['model']}",
        "",
        f"Machine: {report['machine']['cpu']}, {report['machine']['cores']} cores "
        f"({', '.join(report['machine']['isa'])}), ONNX Runtime {report['machine']['onnxruntime']}.",
        f"Accuracy: `{report['accuracy_model']}` on {report['test_set']['utterances']} clips "
        f"({report['test_set']['source']}). Speed: `{report['speed_model']}`.",
        "",
        f"**Rule.** {report['rule']}",
        "",
        f"**Winner: `{winner}`**, memory size **{report['memory_size_mb']} MB**. "
        f"Anchors ({report['anchor_threads']} threads, 10 s clip, own processes, same rotation): "
        f"NeMo eager {anchors['nemo_eager_ms']} ms, sherpa-onnx {anchors['sherpa_onnx_ms']} ms; winner "
        f"{versus['latency_ms']} ms = {versus['vs_nemo_eager']}x NeMo, "
        f"{versus['vs_sherpa_onnx']}x sherpa-onnx.",
        "",
        "| variant | 5 s ms | 10 s ms (p95) | 10 s pooled | 60 s ms | cold ms | RSS MB | MB | CER % | WER % "
        "| agree % | max dlogp | $/audio h | gate |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in sorted(report["variants"], key=lambda r: (r["threads"], r["latency_ms"]["10"]["median"])):
        cost = row["cost_per_audio_hour_usd"]
        cheapest = min((c["usd"] for c in cost.values()), default=None)
        mark = "**" if row["name"] == winner else ""
        lines.append(
            f"| {mark}{row['name']}{mark} | {_ms(row, '5')} | {_ms(row, '10')} ({_ms(row, '10', 'p95')}) | "
            f"{row['latency_pooled_ms']:.0f} | {_ms(row, '60')} | {row['cold_start_ms']:.0f} | "
            f"{row['peak_rss_mb']:.0f} | "
            f"{row['size_mb']:.1f} | {_pct(row['cer'])} | {_pct(row['wer'])} | {_pct(row['agreement'])} | "
            f"{row['max_logprob_diff']:.3f} | {'-' if cheapest is None else f'{cheapest:.4f}'} | "
            f"{'pass' if row['passes_gate'] else 'fail'} |"
        )
    lines += ["", "Cost of the winner per memory size (x86_64; Transcribe: $1.44 per audio hour):", ""]
    lines += [
        "| memory MB | threads | 10 s ms | $/audio hour | arm64 at the same speed |",
        "|---|---|---|---|---|",
    ]
    for mb, cost in report["memory_costs"].items():
        lines.append(
            f"| {mb} | {cost['threads']} | {cost['latency_ms']} | {cost['usd']:.5f} | "
            f"{cost['usd_arm64_if_same_speed']:.5f} |"
        )
    if report.get("compute"):
        c = report["compute"]
        lines += [
            "",
            f"Compute: {c['gflop']} GFLOP per 10 s clip (torch's counter on NeMo's forward); the winner "
            f"reaches {c['gflops']} GFLOP/s, {c['share_of_peak']:.1%} of the {c['peak_gflops']} GFLOP/s fp32 "
            f"FMA peak of {report['anchor_threads']} cores.",
        ]
        if c.get("floors"):
            rates = "; ".join(
                f"{t} thread{'s' if t != '1' else ''}: fp32 {r['fp32']}, int8 {r['int8']}"
                for t, r in c["gemm_gmacs"].items()
            )
            floors = "; ".join(
                f"{mb} MB ({f['threads']} thread{'s' if f['threads'] != 1 else ''}): {f['latency_ms']} ms "
                f"against {f['floor_ms']} ms"
                for mb, f in c["floors"].items()
            )
            lines += [
                "",
                "ONNX Runtime's own GEMMs at the medium model's feed-forward shape reach (G multiply-adds/s) "
                f"{rates} (`roofline`). At the int8 rate throughout, the clip's {c['gflop'] / 2:.2f} G "
                f"multiply-adds would take: {floors}.",
            ]
    return "\n".join(lines) + "\n"


def plot(report: Mapping[str, Any], path: Path) -> None:
    """Median 10 s latency against CER per variant; the winner ringed, the anchors as lines."""
    fig, ax = plt.subplots(figsize=(9, 6))
    for threads, marker in ((1, "s"), (2, "o"), (3, "^")):
        rows = [r for r in report["variants"] if r["threads"] == threads and r["cer"] is not None]
        if rows:
            ax.scatter(
                [r["latency_ms"]["10"]["median"] for r in rows],
                [r["cer"] * 100 for r in rows],
                marker=marker,
                label=f"{threads} thread(s)",
            )
            for r in rows:
                ax.annotate(r["name"], (r["latency_ms"]["10"]["median"], r["cer"] * 100), fontsize=6)
    win = next(r for r in report["variants"] if r["name"] == report["winner"])
    ax.scatter(
        [win["latency_ms"]["10"]["median"]], [win["cer"] * 100], s=300, facecolors="none", edgecolors="red"
    )
    for label, value, style in (
        ("NeMo eager", report["anchors"]["nemo_eager_ms"], "--"),
        ("sherpa-onnx", report["anchors"]["sherpa_onnx_ms"], ":"),
    ):
        if value is not None:
            ax.axvline(
                value, linestyle=style, color="gray", label=f"{label} ({report['anchor_threads']} threads)"
            )
    ax.set_xlabel(f"median latency, 10 s clip, wav bytes -> text (ms), {report['speed_model']}")
    ax.set_ylabel(f"CER % ({report['accuracy_model']})")
    ax.set_title(f"Optimisation search: winner {report['winner']}")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write_report(report: Mapping[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(
        json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (out / "report.md").write_text(markdown(report), encoding="utf-8")
    plot(report, out / "report.png")
