"""Side-by-side latency benchmark: NeMo eager vs the exported ONNX graph vs the whole runtime.

All contenders transcribe the same clip, in rotation (one call each per round, so machine noise
hits them alike); the report gives medians, spreads and ratios to NeMo eager. The runtime's peak
memory is measured in a fresh process that imports only the runtime (no torch).

    python -m asr_build.bench --nemo model.nemo --model-dir DIR --clip clip.wav [--seconds 10]
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import torch

from asr_build.conformer import SAMPLE_RATE
from asr_build.export import load_model
from asr_build.verify import read_16k
from hindi_asr.transcribe import Transcriber, TranscriberOptions

WARMUP = 2
# VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec, so a child of this (torch-sized) process
# would report the parent's peak.
PEAK_RSS_SNIPPET = """
import sys
from pathlib import Path
from hindi_asr.transcribe import Transcriber, TranscriberOptions
options = TranscriberOptions(model_dir=Path(sys.argv[1]), intra_op_threads=int(sys.argv[3]))
transcriber = Transcriber.load(options)
data = Path(sys.argv[2]).read_bytes()
for _ in range(3):
    transcriber.transcribe(data)
status = Path("/proc/self/status").read_text().splitlines()
print(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
"""


@dataclass(frozen=True)
class Timing:
    contender: str
    median_ms: float
    p10_ms: float
    p90_ms: float
    rtf: float  # median processing time / audio duration
    ratio_to_baseline: float


def clip_of(path: Path, seconds: float) -> np.ndarray:
    """The clip at 16 kHz, repeated (with 0.3 s pauses) and cut to exactly ``seconds``."""
    clip = read_16k(path)
    pause = np.zeros(int(0.3 * SAMPLE_RATE), np.float32)
    target = int(seconds * SAMPLE_RATE)
    reps = target // (clip.size + pause.size) + 1
    return np.tile(np.concatenate([clip, pause]), reps)[:target]


def contenders(
    nemo: Path, model_dir: Path, audio: np.ndarray, threads: int
) -> dict[str, Callable[[], object]]:
    torch.set_num_threads(threads)
    model, _ = load_model(nemo=nemo)
    model.preprocessor.featurizer.dither = 0.0
    signal, length = torch.from_numpy(audio[None, :]), torch.tensor([audio.size])
    transcriber = Transcriber.load(TranscriberOptions(model_dir=model_dir, intra_op_threads=threads))
    wav = io.BytesIO()
    sf.write(wav, audio, SAMPLE_RATE, subtype="PCM_16", format="WAV")
    data = wav.getvalue()

    def nemo_eager() -> object:
        with torch.inference_mode():
            return model.forward(input_signal=signal, input_signal_length=length)

    return {
        "nemo-eager": nemo_eager,
        "onnx-graph": lambda: transcriber.model.run(audio),
        "runtime-e2e": lambda: transcriber.transcribe(data),
    }


def measure(runs: dict[str, Callable[[], object]], rounds: int) -> dict[str, list[float]]:
    for run in runs.values():
        for _ in range(WARMUP):
            run()
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            times[name].append((time.perf_counter() - start) * 1e3)
    return times


def summarise(times: dict[str, list[float]], seconds: float) -> list[Timing]:
    baseline = statistics.median(next(iter(times.values())))
    rows = []
    for name, values in times.items():
        median = statistics.median(values)
        deciles = statistics.quantiles(values, n=10, method="inclusive")
        rows.append(Timing(name, median, deciles[0], deciles[-1], median / 1e3 / seconds, median / baseline))
    return rows


def peak_rss_mb(model_dir: Path, audio: np.ndarray, threads: int, scratch: Path) -> float:
    """Peak resident memory of a fresh runtime-only process transcribing ``audio`` three times."""
    wav = scratch / "bench_clip.wav"
    sf.write(wav, audio, SAMPLE_RATE, subtype="PCM_16")
    out = subprocess.run(
        [sys.executable, "-c", PEAK_RSS_SNIPPET, str(model_dir), str(wav), str(threads)],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.strip().splitlines()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--nemo", type=Path, required=True)
    parser.add_argument("--model-dir", type=Path, required=True)
    parser.add_argument("--clip", type=Path, required=True, help="speech to repeat up to --seconds")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("artifacts/bench"))
    args = parser.parse_args()
    audio = clip_of(args.clip, args.seconds)
    rows = summarise(
        measure(contenders(args.nemo, args.model_dir, audio, args.threads), args.rounds), args.seconds
    )
    args.out.mkdir(parents=True, exist_ok=True)
    rss = peak_rss_mb(args.model_dir, audio, args.threads, args.out)
    print(
        f"{args.model_dir.name}: {args.seconds:g} s clip, {args.threads} threads, "
        f"{args.rounds} rounds in rotation"
    )
    print(f"{'contender':<14}{'median ms':>11}{'p10':>9}{'p90':>9}{'RTF':>8}{'vs nemo':>9}")
    for r in rows:
        print(
            f"{r.contender:<14}{r.median_ms:>11.1f}{r.p10_ms:>9.1f}{r.p90_ms:>9.1f}{r.rtf:>8.3f}{r.ratio_to_baseline:>8.2f}x"
        )
    print(f"runtime-only process peak RSS: {rss:.0f} MB")
    report = {
        "model_dir": str(args.model_dir),
        "seconds": args.seconds,
        "threads": args.threads,
        "rounds": args.rounds,
        "timings": [asdict(r) for r in rows],
        "runtime_peak_rss_mb": rss,
    }
    (args.out / f"{args.model_dir.name}.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
