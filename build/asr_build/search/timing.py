"""Timing: contenders in their own worker processes, measured in rotation with short pauses.

All workers are loaded and warm before the first round. Each round visits every worker once, in a
seeded shuffled order, for one call per clip length, with a pause after each visit so that the
previous worker's spinning threads have gone quiet. Machine noise then hits every contender alike;
medians and p95 are taken over rounds.

The longest clip comes last and in groups of at most ``LONG_GROUP`` workers (in rotation within the
group), each group's workers closed once measured: a worker keeps the memory arena its longest clip
needed (400-800 MB on the medium model's 60 s clip), and 40-odd of them warm at once outgrow the machine.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asr_build.search.worker import REPLY

PAUSE_S = 0.15
LONG_GROUP = 12  # workers warm at once for the longest clip
READY_TIMEOUT_S = 600.0


@dataclass(frozen=True)
class Contender:
    """A worker to start: ``kind`` runtime (model = a variant's model dir), nemo (.nemo) or sherpa."""

    name: str
    kind: str
    model: Path
    threads: int
    decoding: tuple[tuple[str, str], ...] = ()  # runtime only: `Transcriber.decoding_options` keywords


class Worker:
    """A running worker process and its JSON-lines channel."""

    def __init__(self, contender: Contender, clips: Mapping[str, Path]) -> None:
        self.contender = contender
        spec = {
            "kind": contender.kind,
            "model": str(contender.model),
            "threads": contender.threads,
            "decoding": dict(contender.decoding),
            "clips": {name: str(path) for name, path in clips.items()},
        }
        env = {**os.environ, "OMP_NUM_THREADS": str(contender.threads)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "asr_build.search.worker", json.dumps(spec)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        self.ready: dict[str, Any] = {}

    def wait_ready(self) -> dict[str, Any]:
        self.ready = self._read()
        return self.ready

    def ask(self, **command: Any) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return self._read()

    def _read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if REPLY in line:  # a library may have left a line unfinished before the reply
                reply: dict[str, Any] = json.loads(line[line.index(REPLY) + len(REPLY) :])
                if "error" in reply:
                    raise RuntimeError(f"{self.contender.name}: {reply['error']}")
                return reply
        code = self.process.wait()
        raise RuntimeError(f"worker {self.contender.name} exited with status {code} before answering")

    def close(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(RuntimeError, BrokenPipeError):
                self.ask(cmd="quit")
            self.process.wait(timeout=30)


def summary(values: Sequence[float]) -> dict[str, float]:
    """Median and p95 (nearest rank) in ms, over the rounds."""
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return {"median": round(statistics.median(ordered), 2), "p95": round(p95, 2), "n": len(ordered)}


def measure(
    contenders: Sequence[Contender],
    clips: Mapping[str, Path],
    rounds: Mapping[str, int],
    *,
    seed: int = 0,
    log: bool = True,
) -> dict[str, dict[str, Any]]:
    """Per contender: ``latency_ms`` per clip (median/p95), ``peak_rss_mb``, ``load_s`` (and ``flops``
    of the 10 s clip for NeMo).

    ``rounds[clip]`` says how many rounds each clip gets; anchors (nemo, sherpa) run the ``"10"`` clip
    only, as the comparison is defined on it. Timing starts when every worker is loaded and warm.
    """
    workers: list[Worker] = []
    rng = random.Random(seed)
    longest = max(rounds, key=float) if len(rounds) > 1 else None  # measured in groups, if any
    try:
        for contender in contenders:  # one at a time: warming up side by side, their pools would spin
            worker = Worker(contender, clips if contender.kind == "runtime" else {"10": clips["10"]})
            workers.append(worker)
            worker.wait_ready()
            if log:
                print(f"  ready {contender.name} ({worker.ready['load_s']:.1f} s)", flush=True)
        times: dict[str, dict[str, list[float]]] = {w.contender.name: {} for w in workers}
        results: dict[str, dict[str, Any]] = {}

        def rotate(group: Sequence[Worker], clip: str, label: str) -> None:
            order = [w for w in group if w.contender.kind == "runtime" or clip == "10"]
            rng.shuffle(order)
            for worker in order:
                (ms,) = worker.ask(cmd="run", clip=clip, n=1)["ms"]
                times[worker.contender.name].setdefault(clip, []).append(ms)
                time.sleep(PAUSE_S)
            if log:
                print(f"  {label}", flush=True)

        def finish(worker: Worker) -> None:
            name = worker.contender.name
            results[name] = {
                "latency_ms": {clip: summary(v) for clip, v in times[name].items()},
                "peak_rss_mb": round(worker.ask(cmd="rss")["peak_rss_mb"], 1),
                "load_s": round(float(worker.ready["load_s"]), 2),
            }
            if worker.contender.kind == "nemo":
                results[name]["flops"] = float(worker.ask(cmd="flops", clip="10")["flops"])
            worker.close()

        plan = [clip for clip, n in rounds.items() if clip != longest for _ in range(n)]
        for index, clip in enumerate(plan):
            rotate(workers, clip, f"round {index + 1}/{len(plan)} ({clip} s)")
        runtime = [w for w in workers if w.contender.kind == "runtime"]
        for worker in workers:
            if worker.contender.kind != "runtime":
                finish(worker)  # anchors run the 10 s clip only
        for start in range(0, len(runtime), LONG_GROUP):
            group = runtime[start : start + LONG_GROUP]
            if longest is not None:
                for index in range(rounds[longest]):
                    label = f"{longest} s clip, workers {start + 1}-{start + len(group)}: round {index + 1}"
                    rotate(group, longest, label)
            for worker in group:
                finish(worker)
        return results
    finally:
        for worker in workers:
            worker.close()


def cold_start(model_dir: Path, clip: Path, repeats: int) -> dict[str, float]:
    """Fresh processes: import the runtime, create the session, transcribe ``clip``; the median."""
    results = []
    for _ in range(repeats):
        out = subprocess.run(
            [sys.executable, "-m", "asr_build.search.worker", "--cold", str(model_dir), str(clip)],
            capture_output=True,
            text=True,
            check=True,
        )
        line = next(x for x in out.stdout.splitlines() if REPLY in x)
        results.append(json.loads(line[line.index(REPLY) + len(REPLY) :]))
        time.sleep(PAUSE_S)
    return {
        "cold_start_ms": round(statistics.median(r["cold_start_ms"] for r in results), 1),
        "cold_peak_rss_mb": round(max(r["peak_rss_mb"] for r in results), 1),
    }
