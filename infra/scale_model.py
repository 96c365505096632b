"""Scale model of bulk transcription on Lambda: concurrency, request rates and cost per day, as a table.

    python infra/scale_model.py [--hours-per-day 10000] [--mean-object-s 300] [--window-h 24]
                                [--engine NAME=MS_PER_10S ...] [--memory-mb 3008] [--cpu-factor 1.0]

An engine's speed is the runtime's measured latency for 10 s of audio (``make bench``: whole runtime,
decode to text, at the threads the memory size gives). ``--cpu-factor`` scales it for a slower or faster
CPU than the one measured on; arm64 is priced at its own rate but assumed to run at the measured (x86)
speed. Prints a Markdown table (``--json`` for the numbers).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass

SECONDS_PER_HOUR = 3600
SECONDS_PER_DAY = 86_400
# Prices (us-east-1 / ap-south-1 list prices, USD).
LAMBDA_GB_S = {"x86_64": 0.0000166667, "arm64": 0.0000133334}
LAMBDA_PER_REQUEST = 0.20 / 1e6
S3_GET_PER_REQUEST = 0.0004 / 1000  # GET and HEAD
S3_PUT_PER_REQUEST = 0.005 / 1000  # PUT, COPY, POST, LIST; DELETE is free
BATCH_OPERATIONS_PER_JOB = 0.25
BATCH_OPERATIONS_PER_OBJECT = 1.00 / 1e6
TRANSCRIBE_PER_AUDIO_HOUR = 1.44  # Amazon Transcribe batch, $0.024 per minute (first pricing tier)
# Per object: HEAD of the source, HEAD of the transcript and of the error record (idempotency), GET of
# the audio; PUT of the result (and a free DELETE of the outdated other kind of result).
S3_GETS_PER_OBJECT = 4
S3_PUTS_PER_OBJECT = 1
# Default limits: Lambda concurrent executions per account and region; S3 requests per second per
# partitioned prefix (GET/HEAD, and PUT/COPY/POST/DELETE).
LIMITS = {"account concurrency": 1000.0, "S3 GET/s per prefix": 5500.0, "S3 PUT/s per prefix": 3500.0}


@dataclass(frozen=True)
class Workload:
    hours_per_day: float = 10_000
    mean_object_s: float = 300.0  # mean length of one audio object
    window_h: float = 24.0  # the day's audio is transcribed within this many hours


@dataclass(frozen=True)
class Engine:
    name: str
    ms_per_10s: float  # measured runtime latency for 10 s of audio
    memory_mb: int = 3008
    overhead_ms: float = 150.0  # per object, outside the measured path: S3 round trips, result upload
    cpu_factor: float = 1.0  # Lambda's CPU time for the same work / the measuring machine's


@dataclass(frozen=True)
class Estimate:
    engine: str
    rtf: float  # compute seconds per audio second, overhead included
    objects_per_day: float
    lambda_hours_per_day: float
    concurrency: float  # mean concurrent executions within the window
    objects_per_s: float
    s3_gets_per_s: float
    s3_puts_per_s: float
    usd_per_day_x86_64: float
    usd_per_day_arm64: float
    usd_per_day_transcribe: float

    @property
    def first_limit(self) -> tuple[str, float]:
        """The default limit closest to being reached, and the share of it used."""
        used = {
            "account concurrency": self.concurrency,
            "S3 GET/s per prefix": self.s3_gets_per_s,
            "S3 PUT/s per prefix": self.s3_puts_per_s,
        }
        name = max(used, key=lambda limit: used[limit] / LIMITS[limit])
        return name, used[name] / LIMITS[name]


def estimate(workload: Workload, engine: Engine) -> Estimate:
    audio_s = workload.hours_per_day * SECONDS_PER_HOUR
    objects = audio_s / workload.mean_object_s
    compute_s = audio_s * engine.ms_per_10s * engine.cpu_factor / 10_000 + objects * engine.overhead_ms / 1000
    window_s = workload.window_h * SECONDS_PER_HOUR
    gb_s = compute_s * engine.memory_mb / 1024
    fixed = (
        objects * (LAMBDA_PER_REQUEST + S3_GETS_PER_OBJECT * S3_GET_PER_REQUEST)
        + objects * (S3_PUTS_PER_OBJECT * S3_PUT_PER_REQUEST + BATCH_OPERATIONS_PER_OBJECT)
        + BATCH_OPERATIONS_PER_JOB
    )
    return Estimate(
        engine=engine.name,
        rtf=compute_s / audio_s,
        objects_per_day=objects,
        lambda_hours_per_day=compute_s / SECONDS_PER_HOUR,
        concurrency=compute_s / window_s,
        objects_per_s=objects / window_s,
        s3_gets_per_s=objects * S3_GETS_PER_OBJECT / window_s,
        s3_puts_per_s=objects * S3_PUTS_PER_OBJECT / window_s,
        usd_per_day_x86_64=gb_s * LAMBDA_GB_S["x86_64"] + fixed,
        usd_per_day_arm64=gb_s * LAMBDA_GB_S["arm64"] + fixed,
        usd_per_day_transcribe=workload.hours_per_day * TRANSCRIBE_PER_AUDIO_HOUR,
    )


def markdown(estimates: list[Estimate]) -> str:
    head = (
        "| engine | RTF | Lambda h/day | concurrency | objects/s | S3 GET+HEAD/s | S3 PUT/s "
        "| $/day x86_64 | $/day arm64 | $/day Transcribe | first limit (share used) |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    )
    rows = [
        f"| {e.engine} | {e.rtf:.4f} | {e.lambda_hours_per_day:,.0f} | {e.concurrency:,.1f} | "
        f"{e.objects_per_s:,.2f} | {e.s3_gets_per_s:,.1f} | {e.s3_puts_per_s:,.2f} | "
        f"{e.usd_per_day_x86_64:,.1f} | {e.usd_per_day_arm64:,.1f} | {e.usd_per_day_transcribe:,.0f} | "
        f"{e.first_limit[0]} ({e.first_limit[1]:.1%}) |"
        for e in estimates
    ]
    return "\n".join([head, *rows])


def parse_engine(text: str) -> tuple[str, float]:
    name, separator, ms = text.partition("=")
    if not separator or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=MS_PER_10S, got {text!r}")
    return name, float(ms)


DEFAULT_ENGINES = [
    ("demo model (33 ms / 10 s)", 33.0),
    ("medium, fast end (112 ms / 10 s)", 112.0),
    ("medium fp32 (190 ms / 10 s)", 190.0),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    defaults, engine_defaults = Workload(), Engine("", 0.0)
    parser.add_argument("--hours-per-day", type=float, default=defaults.hours_per_day)
    parser.add_argument("--mean-object-s", type=float, default=defaults.mean_object_s)
    parser.add_argument("--window-h", type=float, default=defaults.window_h)
    parser.add_argument("--engine", type=parse_engine, action="append", help="NAME=MS_PER_10S (repeatable)")
    parser.add_argument("--memory-mb", type=int, default=engine_defaults.memory_mb)
    parser.add_argument("--overhead-ms", type=float, default=engine_defaults.overhead_ms)
    parser.add_argument("--cpu-factor", type=float, default=engine_defaults.cpu_factor)
    parser.add_argument("--json", action="store_true", help="the estimates as JSON lines")
    args = parser.parse_args(argv)
    workload = Workload(args.hours_per_day, args.mean_object_s, args.window_h)
    estimates = [
        estimate(workload, Engine(name, ms, args.memory_mb, args.overhead_ms, args.cpu_factor))
        for name, ms in (args.engine or DEFAULT_ENGINES)
    ]
    if args.json:
        sys.stdout.write("".join(json.dumps(asdict(e)) + "\n" for e in estimates))
    else:
        sys.stdout.write(markdown(estimates) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
