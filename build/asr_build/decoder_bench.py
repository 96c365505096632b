"""Latency of the decoders side by side: greedy, beam + LM, beam + LM + hotwords, per thread count.

Every contender is the runtime on the same model directory (wav bytes -> text: decode, resample,
ORT, CTC decoding) in its own process, timed in rotation with pauses (``asr_build.search.timing``), on
the committed espeak and festival clips one after another, repeated to ``--seconds``. The ratio that
matters is beam / greedy at the same thread count: what beam search with the word LM adds to a request.

    python -m asr_build.decoder_bench --model-dir layers/hindi_asr/models/default [--threads 1,2]
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import soundfile as sf

from asr_build.bench import SAMPLE_RATE, clip_of
from asr_build.decoder_eval import HOT_KNOWN, HOT_OOV
from asr_build.search import timing

DATA = Path("tests/data")
CLIPS = (DATA / "hindi_clip.wav", DATA / "hindi_clip_festival.wav")
HOTWORDS = ",".join(word for _, word in HOT_OOV + HOT_KNOWN)
DECODERS: dict[str, tuple[tuple[str, str], ...]] = {
    "greedy": (),
    "beam+lm": (("decoder", "beam"),),
    "beam+lm+hotwords": (("decoder", "beam"), ("hotwords", HOTWORDS)),
}


def contenders(model_dir: Path, threads: Sequence[int]) -> list[timing.Contender]:
    return [
        timing.Contender(f"{name}/t{t}", "runtime", model_dir, t, decoding)
        for t in threads
        for name, decoding in DECODERS.items()
    ]


def ratios(results: dict[str, dict[str, Any]], threads: Sequence[int]) -> dict[str, float]:
    """Median latency of each beam contender over greedy's at the same thread count."""
    out = {}
    for t in threads:
        greedy = results[f"greedy/t{t}"]["latency_ms"]["10"]["median"]
        for name in DECODERS:
            if name != "greedy":
                out[f"{name}/t{t}"] = round(results[f"{name}/t{t}"]["latency_ms"]["10"]["median"] / greedy, 3)
    return out


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model-dir", type=Path, required=True, help="a model directory with an LM")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--threads", default="1,2", help="comma-separated intra-op thread counts")
    parser.add_argument("--out", type=Path, default=Path("artifacts/decoder_bench"))
    args = parser.parse_args(argv)
    threads = [int(t) for t in args.threads.split(",")]
    args.out.mkdir(parents=True, exist_ok=True)
    wav = args.out / "clip.wav"
    sf.write(wav, clip_of(args.seconds, *CLIPS), SAMPLE_RATE, subtype="PCM_16")
    # The timing protocol names clips by length; "10" is the comparison clip whatever --seconds says.
    results = timing.measure(contenders(args.model_dir, threads), {"10": wav}, {"10": args.rounds})
    added = ratios(results, threads)
    print(f"{args.model_dir}: {args.seconds:g} s clip, {args.rounds} rounds in rotation")
    print(f"{'contender':<22}{'median ms':>11}{'p95':>9}{'vs greedy':>11}{'peak RSS MB':>13}")
    for name, result in results.items():
        cell = result["latency_ms"]["10"]
        ratio = f"{added[name]:.2f}x" if name in added else "1.00x"
        print(
            f"{name:<22}{cell['median']:>11.1f}{cell['p95']:>9.1f}{ratio:>11}{result['peak_rss_mb']:>13.0f}"
        )
    report = {"model_dir": str(args.model_dir), "seconds": args.seconds, "rounds": args.rounds,
              "vs_greedy": added, "contenders": results}  # fmt: skip
    (args.out / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
