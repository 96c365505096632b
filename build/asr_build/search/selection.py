"""The rule that picks the winner and the Lambda memory size, stated once and written into the report."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from asr_build.search.cost import costs
from hindi_asr.contract import DEFAULT_CHUNK_S

CER_SLACK = 0.003  # 0.3 percentage points
MIN_AGREEMENT = 0.95
TARGET_CLIP = "10"
LATENCY_BOUND_MS = 1000.0  # a 10 s clip answered within 1 s (RTF 0.1) at the chosen memory size
TIE = 0.05  # medians within 5 % of the fastest are a tie (rounds in rotation still drift that much)
LONG_CLIP = "60"  # the clip that is chunked: chunk lengths are compared on it


@dataclass(frozen=True)
class Rule:
    cer_slack: float = CER_SLACK
    min_agreement: float = MIN_AGREEMENT
    clip: str = TARGET_CLIP
    latency_bound_ms: float = LATENCY_BOUND_MS
    tie: float = TIE
    long_clip: str = LONG_CLIP

    def describe(self, threads: int) -> str:
        return (
            f"winner: among variants whose graph has CER <= fp32 CER + {self.cer_slack * 100:.1f} points "
            f"and transcripts equal to fp32's on >= {self.min_agreement:.0%} of test clips, and which are "
            f"portable (not saved at ORT_ENABLE_ALL, whose kernels are laid out for this machine's CPU), "
            f"the one with the lowest median latency on the {self.clip} s clip at {threads} threads; "
            f"medians within {self.tie:.0%} of the lowest are a tie, won by the fastest cold start (chunk "
            f"lengths do not count here: no {self.clip} s clip is chunked, so a graph and session's "
            f"{self.clip} s median is the median of its medians at every chunk length). Chunk length: of "
            f"the winner's graph and session at each chunk length, the lowest median on the "
            f"{self.long_clip} s clip; "
            f"medians within {self.tie:.0%} are a tie, won by the lowest peak RSS. Memory "
            f"size: the cheapest per audio hour whose {self.clip} s latency, measured at that size's vCPU "
            f"count as threads, is <= {self.latency_bound_ms:.0f} ms."
        )

    def passes(self, accuracy: Mapping[str, Any], fp32: Mapping[str, Any]) -> bool:
        return bool(
            accuracy["cer"] <= fp32["cer"] + self.cer_slack + 1e-9
            and accuracy["agreement"] >= self.min_agreement
        )


def pooled_median(rows: Sequence[Mapping[str, Any]], row: Mapping[str, Any], clip: str) -> float:
    """``row``'s median on ``clip``, pooled over its graph and session at every chunk length that does not
    cut ``clip``: those variants run the same graph on the same audio, so the median of their medians is
    steadier than any one of them (single medians of one graph drifted 10 % apart in one run)."""
    same = [
        r["latency_ms"][clip]["median"]
        for r in rows
        if r["config"]["graph"] == row["config"]["graph"]
        and r["config"]["session"] == row["config"]["session"]
        and float(clip) <= float(r["config"].get("chunk_s", DEFAULT_CHUNK_S))
        and clip in r["latency_ms"]
    ]
    return float(statistics.median(same)) if same else float(row["latency_ms"][clip]["median"])


def pick_winner(rows: Sequence[Mapping[str, Any]], rule: Rule, threads: int) -> Mapping[str, Any]:
    """The fastest eligible variant at ``threads`` (fp32 if nothing else passes), by ``pooled_median``;
    among those within ``rule.tie`` of the fastest, the one with the fastest cold start."""
    eligible = [
        r
        for r in rows
        if r["threads"] == threads
        and r["passes_gate"]
        and r["config"]["graph"]["portable"]
        and r["config"].get("chunk_s", DEFAULT_CHUNK_S) == DEFAULT_CHUNK_S
    ]
    if not eligible:
        raise ValueError(f"no eligible variant at {threads} threads (fp32 always passes: none was measured?)")
    latency = {r["name"]: pooled_median(rows, r, rule.clip) for r in eligible}
    fastest = min(latency.values())
    tied = [r for r in eligible if latency[r["name"]] <= fastest * (1 + rule.tie)]
    return min(tied, key=lambda r: (r["cold_start_ms"], latency[r["name"]]))


def pick_chunk(rows: Sequence[Mapping[str, Any]], winner: Mapping[str, Any], rule: Rule) -> Mapping[str, Any]:
    """The winner's graph and session at the chunk length the rule picks (the winner itself if no other
    length, or no long clip, was measured)."""
    same = [
        r
        for r in rows
        if r["config"]["graph"] == winner["config"]["graph"]
        and r["config"]["session"] == winner["config"]["session"]
        and rule.long_clip in r["latency_ms"]
    ]
    if winner not in same:
        return winner
    fastest = min(r["latency_ms"][rule.long_clip]["median"] for r in same)
    tied = [r for r in same if r["latency_ms"][rule.long_clip]["median"] <= fastest * (1 + rule.tie)]
    return min(tied, key=lambda r: (r["peak_rss_mb"], r["latency_ms"][rule.long_clip]["median"]))


def siblings(rows: Sequence[Mapping[str, Any]], winner: Mapping[str, Any]) -> dict[int, Mapping[str, Any]]:
    """The winner's graph and session options at each measured thread count; where those exact options
    were not measured at a thread count, the same graph with default options stands in."""

    def options(row: Mapping[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in row["config"]["session"].items() if k != "threads"}

    same_graph = [r for r in rows if r["config"]["graph"]["name"] == winner["config"]["graph"]["name"]]
    found: dict[int, Mapping[str, Any]] = {}

    def chunk(row: Mapping[str, Any]) -> float:
        return float(row["config"].get("chunk_s", DEFAULT_CHUNK_S))

    for row in sorted(same_graph, key=lambda r: (options(r) != options(winner), chunk(r) != chunk(winner))):
        found.setdefault(row["threads"], row)
    return found


def pick_memory(
    rows: Sequence[Mapping[str, Any]], winner: Mapping[str, Any], rule: Rule, cores: int
) -> tuple[int, dict[str, dict[str, Any]]]:
    """The memory size (MB) the rule picks for ``winner``, and the cost table it picked from."""
    by_threads = {t: pooled_median(rows, r, rule.clip) for t, r in siblings(rows, winner).items()}
    table = costs(by_threads, float(rule.clip), cores)
    fast_enough = {mb: c for mb, c in table.items() if c["latency_ms"] <= rule.latency_bound_ms}
    if fast_enough:
        chosen = min(fast_enough, key=lambda mb: (fast_enough[mb]["usd"], fast_enough[mb]["latency_ms"]))
    else:  # nothing meets the bound: the fastest size
        chosen = min(table, key=lambda mb: (table[mb]["latency_ms"], table[mb]["usd"]))
    return int(chosen), table
