"""Cost per audio hour on Lambda, the machine's description and its arithmetic peak.

A Lambda function gets CPU in proportion to its memory: 1,769 MB is one vCPU, 3,008 MB about two,
5,307 MB three. Each memory size is costed with the latency measured at its vCPU count as the
intra-op thread count, capped at the cores this machine has (so the 3-vCPU size is costed at the
2-thread latency: an upper bound on its cost).
"""

from __future__ import annotations

import os
import platform
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

GB_SECOND_USD = {"x86_64": 0.0000166667, "arm64": 0.0000133334}
REQUEST_USD = 0.20 / 1_000_000
TRANSCRIBE_USD_PER_HOUR = 1.44  # Amazon Transcribe batch, $0.024 per minute
FP32_FLOPS_PER_CYCLE = 32  # per core: two 256-bit FMA pipes x 8 floats x 2 (Zen 2-4, also with AVX-512)


@dataclass(frozen=True)
class MemorySize:
    mb: int
    vcpus: int


MEMORY_SIZES = (MemorySize(1769, 1), MemorySize(3008, 2), MemorySize(5307, 3))


def threads_for(size: MemorySize, available: int) -> int:
    return max(1, min(size.vcpus, available))


def cost_per_audio_hour(latency_ms: float, clip_s: float, memory_mb: int, arch: str = "x86_64") -> float:
    """USD to transcribe one hour of audio as ``clip_s`` requests that each take ``latency_ms``."""
    requests = 3600.0 / clip_s
    billed_s = requests * latency_ms / 1e3
    return billed_s * memory_mb / 1024 * GB_SECOND_USD[arch] + requests * REQUEST_USD


def costs(latency_by_threads: dict[int, float], clip_s: float, available: int) -> dict[str, dict[str, Any]]:
    """Per memory size: threads used, measured 10 s latency, and the cost per audio hour (x86 and arm64)."""
    table = {}
    for size in MEMORY_SIZES:
        threads = threads_for(size, available)
        if threads not in latency_by_threads:
            continue
        latency = latency_by_threads[threads]
        table[str(size.mb)] = {
            "threads": threads,
            "latency_ms": round(latency, 1),
            "usd": round(cost_per_audio_hour(latency, clip_s, size.mb), 6),
            "usd_arm64_if_same_speed": round(cost_per_audio_hour(latency, clip_s, size.mb, "arm64"), 6),
        }
    return table


def cpu_model() -> str:
    text = Path("/proc/cpuinfo").read_text(encoding="utf-8") if Path("/proc/cpuinfo").exists() else ""
    match = re.search(r"^model name\s*:\s*(.+)$", text, re.MULTILINE)
    return match.group(1).strip() if match else platform.processor()


def cpu_flags() -> set[str]:
    text = Path("/proc/cpuinfo").read_text(encoding="utf-8") if Path("/proc/cpuinfo").exists() else ""
    match = re.search(r"^flags\s*:\s*(.+)$", text, re.MULTILINE)
    return set(match.group(1).split()) if match else set()


def cpu_ghz() -> float:
    text = Path("/proc/cpuinfo").read_text(encoding="utf-8") if Path("/proc/cpuinfo").exists() else ""
    values = [float(v) for v in re.findall(r"^cpu MHz\s*:\s*([\d.]+)$", text, re.MULTILINE)]
    return max(values) / 1000 if values else 0.0


def machine() -> dict[str, Any]:
    flags = cpu_flags()
    isa = [f for f in ("avx2", "fma", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16") if f in flags]
    cores = os.cpu_count() or 1
    return {
        "cpu": cpu_model(),
        "cores": cores,
        "ghz": round(cpu_ghz(), 2),
        "isa": isa,
        "fp32_peak_gflops_per_core": round(cpu_ghz() * FP32_FLOPS_PER_CYCLE, 1),
        "onnxruntime": version("onnxruntime"),
        "python": platform.python_version(),
    }


def achieved(flops: float, latency_ms: float, threads: int, peak_per_core: float) -> dict[str, float]:
    """GFLOP/s reached and its share of the fp32 peak of ``threads`` cores."""
    gflops = flops / 1e9 / (latency_ms / 1e3)
    peak = peak_per_core * threads
    return {
        "gflop": round(flops / 1e9, 2),
        "gflops": round(gflops, 1),
        "peak_gflops": round(peak, 1),
        "share_of_peak": round(gflops / peak, 3) if peak else 0.0,
    }


def gemm_floor_ms(flops: float, int8_gmacs: float) -> float:
    """The clip's time if every multiply-add (``flops / 2``) ran at the int8 GEMM rate measured here."""
    return flops / 2 / 1e9 / int8_gmacs * 1e3


def compute(
    flops: float,
    latency_ms: float,
    threads: int,
    machine: Mapping[str, Any],
    gemm_gmacs: Mapping[str, Mapping[str, float]] | None,
    memory_costs: Mapping[str, Mapping[str, Any]],
) -> dict[str, Any]:
    """The winner against the FMA peak and, per memory size, against ORT's own int8 GEMM ceiling
    (``roofline.measure``) at that size's thread count: ``floor_ms`` is the clip at that rate throughout."""
    result: dict[str, Any] = achieved(flops, latency_ms, threads, machine["fp32_peak_gflops_per_core"])
    if gemm_gmacs:
        result["gemm_gmacs"] = dict(gemm_gmacs)
        result["floors"] = {
            mb: {
                "threads": size["threads"],
                "latency_ms": size["latency_ms"],
                "floor_ms": round(gemm_floor_ms(flops, gemm_gmacs[str(size["threads"])]["int8"]), 1),
            }
            for mb, size in memory_costs.items()
            if str(size["threads"]) in gemm_gmacs
        }
    return result
