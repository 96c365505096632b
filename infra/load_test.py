"""Load and soak on this machine (127.0.0.1 only, bounded in time and count): ``make load``.

1. ``uvicorn --factory hindi_asr.api.app:create_app`` (as ``make run``) in its own process; ``--clients``
   threads post for ``--seconds``, then ``--sequential`` requests one after another. One request in ten
   is a truncated WAV (415 owed), the rest the clip (200 owed); any other answer or a transport error
   counts as an error.
2. The Lambda API handler in a fresh process, invoked ``--invocations`` times with the recorded HTTP
   API, REST API and ALB events carrying the clip.

Reports p50/p95/max latency, errors, and resident memory (VmRSS) after a concurrent warm-up and at
the end (the handler: after a tenth of the invocations and at the end): the growth must stay under
``--max-rss-growth`` (5 %). Writes the report as JSON (``--out``) and prints it.
Exit status 1 if any error or a growth over the limit.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO_ROOT = Path(__file__).resolve().parents[1]
CLIP = REPO_ROOT / "tests/data/hindi_clip.wav"
EVENTS = REPO_ROOT / "tests/events"
HOST = "127.0.0.1"
WARM_UP_S = 3.0  # concurrent requests before the memory baseline
BAD_EVERY = 10  # one request in ten is hostile
START_TIMEOUT_S = 120.0


@dataclass
class Phase:
    name: str
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list, repr=False)
    rss_start_mb: float = 0.0
    rss_end_mb: float = 0.0

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.latencies_ms) or [0.0]
        growth = (self.rss_end_mb - self.rss_start_mb) / self.rss_start_mb * 100 if self.rss_start_mb else 0.0
        return {
            **{k: v for k, v in asdict(self).items() if k != "latencies_ms"},
            "throughput_rps": round(self.requests / self.seconds, 2) if self.seconds else 0.0,
            "p50_ms": round(statistics.median(ordered), 1),
            "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1),
            "max_ms": round(ordered[-1], 1),
            "rss_growth_pct": round(growth, 2),
        }


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text(encoding="utf-8").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def child_env(model_dir: Path | None) -> dict[str, str]:
    paths = (REPO_ROOT / "layers", REPO_ROOT / "functions", REPO_ROOT)  # the last for infra.lambda_context
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(p) for p in paths)}
    if model_dir is not None:
        env["HINDI_ASR_MODEL_DIR"] = str(model_dir)
    return env


class Requests:
    """The request mix: the clip (200), and every BAD_EVERY-th a truncated WAV (415)."""

    def __init__(self, clip: bytes) -> None:
        self.good, self.bad = clip, clip[: len(clip) // 2]
        self.count = 0
        self.lock = threading.Lock()

    def next(self) -> tuple[bytes, int]:
        with self.lock:
            self.count += 1
            bad = self.count % BAD_EVERY == 0
        return (self.bad, 415) if bad else (self.good, 200)


def post(client: httpx.Client, body: bytes, expected: int, phase: Phase, lock: threading.Lock) -> None:
    started = time.perf_counter()
    try:
        response = client.post("/transcribe", content=body, headers={"content-type": "audio/wav"})
        ok = response.status_code == expected
    except httpx.HTTPError:
        ok = False
    elapsed_ms = (time.perf_counter() - started) * 1e3
    with lock:
        phase.requests += 1
        phase.errors += not ok
        phase.latencies_ms.append(elapsed_ms)


def concurrent(url: str, mix: Requests, clients: int, seconds: float, pid: int) -> Phase:
    phase, lock = (
        Phase(f"{clients} concurrent clients, {seconds:g} s", rss_start_mb=rss_mb(pid)),
        threading.Lock(),
    )
    deadline = time.monotonic() + seconds

    def client_loop() -> None:
        with httpx.Client(base_url=url, timeout=60) as client:
            while time.monotonic() < deadline:
                post(client, *mix.next(), phase, lock)

    threads = [threading.Thread(target=client_loop) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    phase.seconds, phase.rss_end_mb = time.perf_counter() - started, rss_mb(pid)
    return phase


def sequential(url: str, mix: Requests, count: int, pid: int) -> Phase:
    phase, lock = Phase(f"{count} sequential requests", rss_start_mb=rss_mb(pid)), threading.Lock()
    started = time.perf_counter()
    with httpx.Client(base_url=url, timeout=60) as client:
        for _ in range(count):
            post(client, *mix.next(), phase, lock)
    phase.seconds, phase.rss_end_mb = time.perf_counter() - started, rss_mb(pid)
    return phase


def serve_and_load(args: argparse.Namespace, clip: bytes) -> tuple[list[Phase], float]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "hindi_asr.api.app:create_app", "--host", HOST,
         "--port", str(port), "--log-level", "warning"],
        cwd=REPO_ROOT, env=child_env(args.model_dir),
    )  # fmt: skip
    url = f"http://{HOST}:{port}"
    try:
        wait_until(lambda: httpx.get(f"{url}/health", timeout=5).status_code == 200, server)
        mix = Requests(clip)
        # warm up as loaded: every client thread's buffers and the thread pool exist before the baseline
        concurrent(url, mix, args.clients, max(WARM_UP_S, args.seconds / 10), server.pid)
        baseline = rss_mb(server.pid)
        phases = [
            concurrent(url, mix, args.clients, args.seconds, server.pid),
            sequential(url, mix, args.sequential, server.pid),
        ]
        return phases, baseline
    finally:
        server.terminate()
        server.wait(timeout=60)


def wait_until(ready: Callable[[], bool], process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with status {process.returncode}")
        try:
            if ready():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not answer /health in time")


# ---------------------------------------------------------------- the Lambda handler, in its own process


def recorded_events(clip: bytes) -> list[dict[str, Any]]:
    """The recorded HTTP API, REST API and ALB events, each posting the clip."""
    body = base64.b64encode(clip).decode()
    events = []
    for name in ("apigw-http-v2", "apigw-rest-v1", "alb"):
        event = json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))
        event.update(body=body, isBase64Encoded=True)
        for headers in (event.get("headers"), event.get("multiValueHeaders")):
            if headers is not None:
                for key in [k for k in headers if k.lower() == "content-type"]:
                    del headers[key]
        event.setdefault("headers", {})["content-type"] = "audio/wav"
        if "multiValueHeaders" in event:
            event["multiValueHeaders"]["content-type"] = ["audio/wav"]
        events.append(event)
    return events


def invoke_handler(count: int) -> dict[str, Any]:
    """In the child: the API handler ``count`` times, round-robin over the recorded events."""
    from hindi_asr_lambda.api import handler
    from infra.lambda_context import LocalLambdaContext

    events = recorded_events(CLIP.read_bytes())
    phase = Phase(f"Lambda API handler, {count} invocations")
    warm = max(1, count // 10)
    started = time.perf_counter()
    for index in range(count):
        if index == warm:
            phase.rss_start_mb = rss_mb(os.getpid())
        began = time.perf_counter()
        response = handler(events[index % len(events)], LocalLambdaContext("hindi-asr-load"))
        phase.latencies_ms.append((time.perf_counter() - began) * 1e3)
        phase.requests += 1
        phase.errors += response["statusCode"] != 200
    phase.seconds, phase.rss_end_mb = time.perf_counter() - started, rss_mb(os.getpid())
    return phase.summary()


def lambda_phase(args: argparse.Namespace) -> dict[str, Any]:
    child = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--lambda-child", str(args.invocations)],
        cwd=REPO_ROOT, env={**child_env(args.model_dir), "POWERTOOLS_METRICS_NAMESPACE": "HindiAsr",
                            "POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "ERROR",
                            "POWERTOOLS_TRACE_DISABLED": "true"},
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    summary: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
    return summary


# ---------------------------------------------------------------- report


def run(args: argparse.Namespace) -> dict[str, Any]:
    clip = CLIP.read_bytes()
    phases, baseline = serve_and_load(args, clip)
    summaries = [phase.summary() for phase in phases]
    server_growth = (phases[-1].rss_end_mb - baseline) / baseline * 100
    summaries.append(lambda_phase(args))
    errors = sum(s["errors"] for s in summaries)
    worst = max(server_growth, summaries[-1]["rss_growth_pct"])
    return {
        "machine": {"cpus": os.cpu_count(), "load_average": os.getloadavg()},
        "model_dir": str(args.model_dir or "default (embedded)"),
        "clip_bytes": len(clip),
        "server_rss_after_warm_up_mb": round(baseline, 1),
        "server_rss_growth_pct": round(server_growth, 2),
        "phases": summaries,
        "errors": errors,
        "passed": errors == 0 and worst < args.max_rss_growth,
    }


def markdown(report: dict[str, Any]) -> str:
    lines = [
        "| phase | requests | errors | p50 ms | p95 ms | max ms | req/s | RSS MB start -> end | growth |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for s in report["phases"]:
        numbers = [s[key] for key in ("requests", "errors", "p50_ms", "p95_ms", "max_ms", "throughput_rps")]
        memory = [f"{s['rss_start_mb']:.1f} -> {s['rss_end_mb']:.1f}", f"{s['rss_growth_pct']} %"]
        cells = [s["name"], *numbers, *memory]
        lines.append("| " + " | ".join(map(str, cells)) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model-dir", type=Path, help="default: the embedded model")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--sequential", type=int, default=1000)
    parser.add_argument("--invocations", type=int, default=1000)
    parser.add_argument("--max-rss-growth", type=float, default=5.0, help="percent")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "artifacts/load/report.json")
    parser.add_argument("--lambda-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.lambda_child is not None:
        sys.stdout.write(json.dumps(invoke_handler(args.lambda_child)) + "\n")
        return 0
    report = run(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    sys.stdout.write(markdown(report) + "\n")
    sys.stdout.write(
        f"server RSS after warm-up {report['server_rss_after_warm_up_mb']} MB, growth to the end "
        f"{report['server_rss_growth_pct']} %; errors {report['errors']}; report: {args.out}\n"
    )
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
