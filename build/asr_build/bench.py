"""Side-by-side latency: NeMo eager, sherpa-onnx and the runtime, each in its own process.

The contenders run the same clip (a test clip repeated to ``--seconds``) with the same threads, in
rotation with pauses (``asr_build.search.timing``): ORT's and torch's spinning thread pools would slow
each other in one process. NeMo eager is forward + greedy argmax on the waveform tensor; sherpa-onnx
runs NeMo's own features-input export of the same .nemo; the runtime goes from wav bytes to text. The
full variant search with accuracy and cost is ``python -m asr_build.search`` (``make search``).

    python -m asr_build.bench --nemo model.nemo --model-dir DIR [--clip clip.wav --seconds 10 --threads 2]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import soundfile as sf

from asr_build.search import timing
from asr_build.search.anchors import export_for_sherpa
from hindi_asr.audio import decode_audio

SAMPLE_RATE = 16_000
DEFAULT_CLIP = Path("tests/data/hindi_clip.wav")


def clip_of(seconds: float, *paths: Path) -> np.ndarray:
    """The clips at 16 kHz one after another, each followed by a 0.3 s pause, repeated and cut to
    exactly ``seconds``."""
    pause = np.zeros(int(0.3 * SAMPLE_RATE), np.float32)
    speech = np.concatenate(
        [x for p in paths for x in (decode_audio(p.read_bytes(), sample_rate=SAMPLE_RATE).samples, pause)]
    )
    target = int(seconds * SAMPLE_RATE)
    return np.tile(speech, target // speech.size + 1)[:target]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--nemo", type=Path, required=True)
    parser.add_argument("--model-dir", type=Path, required=True)
    parser.add_argument("--clip", type=Path, default=DEFAULT_CLIP, help="speech to repeat up to --seconds")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("artifacts/bench"))
    args = parser.parse_args()
    work = args.out / args.model_dir.name
    work.mkdir(parents=True, exist_ok=True)
    wav = work / "clip.wav"
    sf.write(wav, clip_of(args.seconds, args.clip), SAMPLE_RATE, subtype="PCM_16")
    contenders = [
        timing.Contender("nemo-eager", "nemo", args.nemo, args.threads),
        timing.Contender(
            "sherpa-onnx", "sherpa", export_for_sherpa(args.nemo, work / "sherpa"), args.threads
        ),
        timing.Contender("runtime", "runtime", args.model_dir, args.threads),
    ]
    # The timing protocol names clips by length; the 10 s name is the anchors' comparison clip.
    results = timing.measure(contenders, {"10": wav}, {"10": args.rounds})
    nemo_ms = results["nemo-eager"]["latency_ms"]["10"]["median"]
    print(f"{args.model_dir.name}: {args.seconds:g} s clip, {args.threads} threads, {args.rounds} rounds")
    print(f"{'contender':<13}{'median ms':>11}{'p95':>9}{'RTF':>8}{'vs nemo':>9}{'peak RSS MB':>13}")
    for name, result in results.items():
        cell = result["latency_ms"]["10"]
        print(
            f"{name:<13}{cell['median']:>11.1f}{cell['p95']:>9.1f}{cell['median'] / 1e3 / args.seconds:>8.3f}"
            f"{cell['median'] / nemo_ms:>8.2f}x{result['peak_rss_mb']:>13.0f}"
        )
    report = {"model_dir": str(args.model_dir), "seconds": args.seconds, "threads": args.threads, **results}
    (args.out / f"{args.model_dir.name}.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
