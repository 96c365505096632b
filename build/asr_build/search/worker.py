"""One contender per process: the runtime on a variant's model directory, NeMo eager, or sherpa-onnx.

Each process loads its contender, warms it up, then answers JSON commands on stdin, one per line:
``{"cmd": "run", "clip": "10", "n": 1}`` -> ``{"ms": [...]}`` (wall time of each call), ``{"cmd": "rss"}``
-> ``{"peak_rss_mb": ...}`` (VmHWM), ``{"cmd": "flops", "clip": "10"}`` (NeMo only, torch's FLOP counter),
``{"cmd": "quit"}``. Answers are printed on stdout behind ``REPLY`` so that library chatter is ignored.
Separate processes matter: ORT's and torch's thread pools spin after each call and slow a neighbour
in the same process.

    python -m asr_build.search.worker '{"kind": "runtime", "model": DIR, "threads": 2, "clips": {...}}'
    python -m asr_build.search.worker --cold DIR CLIP.wav   (cold start: import + session + first text)
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()  # before any heavy import: the cold start is measured from here

import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

REPLY = "@@search-worker "
# Replies get the process's stdout to themselves; whatever libraries print (Python or C) goes to stderr.
_REPLIES = os.fdopen(os.dup(1), "w", encoding="utf-8")
os.dup2(2, 1)
WARMUP_RUNS = 2  # of the 10 s clip; one of each other clip

Runner = Callable[[str], object]


def peak_rss_mb() -> float:
    status = Path("/proc/self/status").read_text().splitlines()
    return int(next(line.split()[1] for line in status if line.startswith("VmHWM:"))) / 1024


def runtime_runner(
    model_dir: Path, threads: int, clips: dict[str, Path], decoding: dict[str, str] | None = None
) -> Runner:
    """Wav bytes -> text through the service's own pipeline (decode, resample, chunk, ORT, CTC), with
    the decoder that ``decoding`` names (greedy when empty)."""
    from hindi_asr.transcribe import Transcriber, TranscriberOptions

    transcriber = Transcriber.load(TranscriberOptions(model_dir=model_dir, intra_op_threads=threads))
    options = transcriber.decoding_options(**(decoding or {}))
    data = {name: path.read_bytes() for name, path in clips.items()}
    return lambda clip: transcriber.transcribe(data[clip], options).text


def _samples(path: Path) -> Any:
    import soundfile as sf

    audio, _ = sf.read(path, dtype="float32")
    return audio


def nemo_runner(nemo: Path, threads: int, clips: dict[str, Path]) -> tuple[Runner, Callable[[str], float]]:
    """NeMo eager: forward + greedy argmax on the waveform tensor, no I/O; and its FLOP count."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    from asr_build.export import load_model

    torch.set_num_threads(threads)
    model, _ = load_model(nemo=nemo)
    model.preprocessor.featurizer.dither = 0.0
    inputs = {
        name: (torch.from_numpy(_samples(p))[None, :], torch.tensor([_samples(p).size]))
        for name, p in clips.items()
    }

    def run(clip: str) -> object:
        signal, length = inputs[clip]
        with torch.inference_mode():
            logprobs = model.forward(input_signal=signal, input_signal_length=length)[0]
            return logprobs.argmax(-1)

    def flops(clip: str) -> float:
        counter = FlopCounterMode(display=False)
        with counter:
            run(clip)
        return float(counter.get_total_flops())

    return run, flops


def sherpa_runner(model_dir: Path, threads: int, clips: dict[str, Path]) -> Runner:
    """sherpa-onnx's offline recognizer on NeMo's features-input export (its own featurizer)."""
    import sherpa_onnx

    recognizer = sherpa_onnx.OfflineRecognizer.from_nemo_ctc(
        model=str(model_dir / "model.onnx"),
        tokens=str(model_dir / "tokens.txt"),
        num_threads=threads,
        decoding_method="greedy_search",
    )
    audio = {name: _samples(p) for name, p in clips.items()}

    def run(clip: str) -> object:
        stream = recognizer.create_stream()
        stream.accept_waveform(16_000, audio[clip])
        recognizer.decode_stream(stream)
        return stream.result.text

    return run


def serve(spec: dict[str, Any]) -> None:
    clips = {name: Path(path) for name, path in spec["clips"].items()}
    kind, model, threads = spec["kind"], Path(spec["model"]), int(spec["threads"])
    flops: Callable[[str], float] | None = None
    if kind == "runtime":
        run = runtime_runner(model, threads, clips, spec.get("decoding"))
    elif kind == "nemo":
        run, flops = nemo_runner(model, threads, clips)
    elif kind == "sherpa":
        run = sherpa_runner(model, threads, clips)
    else:
        raise ValueError(f"unknown contender kind {kind!r}")
    for clip in clips:
        for _ in range(WARMUP_RUNS if clip == "10" else 1):
            run(clip)
    _reply({"ready": True, "load_s": time.perf_counter() - STARTED})
    for line in sys.stdin:
        command = json.loads(line)
        if command["cmd"] == "run":
            times = []
            for _ in range(int(command.get("n", 1))):
                start = time.perf_counter()
                run(command["clip"])
                times.append((time.perf_counter() - start) * 1e3)
            _reply({"ms": times})
        elif command["cmd"] == "rss":
            _reply({"peak_rss_mb": peak_rss_mb()})
        elif command["cmd"] == "flops" and flops is not None:
            _reply({"flops": flops(command["clip"])})
        elif command["cmd"] == "quit":
            return
        else:
            _reply({"error": f"unsupported command {command['cmd']!r} for {kind}"})


def cold_start(model_dir: Path, clip: Path) -> None:
    """Import the runtime, open the session, transcribe once: the Lambda init phase plus first request."""
    from hindi_asr.transcribe import Transcriber, TranscriberOptions

    text = Transcriber.load(TranscriberOptions(model_dir=model_dir)).transcribe(clip.read_bytes()).text
    _reply(
        {"cold_start_ms": (time.perf_counter() - STARTED) * 1e3, "text": text, "peak_rss_mb": peak_rss_mb()}
    )


def _reply(message: dict[str, Any]) -> None:
    _REPLIES.write(REPLY + json.dumps(message, ensure_ascii=False) + "\n")
    _REPLIES.flush()


def main() -> None:
    if sys.argv[1] == "--cold":
        cold_start(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        serve(json.loads(sys.argv[1]))


if __name__ == "__main__":
    main()
