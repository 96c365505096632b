"""Check an exported model directory against the NeMo model it came from.

Runs the same waveforms through NeMo (PyTorch) and ONNX Runtime and reports the largest
log-prob difference and the argmax agreement over valid frames (text is decoded by the runtime's
``hindi_asr.decoding``, the one greedy decoder of the project).

    python -m asr_build.verify --nemo model.nemo --model-dir artifacts/models/NAME [FILE.wav ...]
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort
import soundfile as sf
import soxr
import torch
from nemo.collections.asr.models import EncDecCTCModelBPE

from asr_build.conformer import SAMPLE_RATE
from asr_build.export import load_model
from hindi_asr.contract import MODEL_FILE

RANDOM_LENGTHS = [1600, 16_000, 16_001, 80_000]  # 0.1 s, 1 s, odd, 5 s: one padded batch


@dataclass(frozen=True)
class Comparison:
    max_abs_diff: float
    argmax_agreement: float
    frames: int


def pad_batch(clips: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Right-pad mono clips into a ``[B, N]`` batch with their lengths."""
    waveform = np.zeros((len(clips), max(c.size for c in clips)), np.float32)
    for row, clip in enumerate(clips):
        waveform[row, : clip.size] = clip
    return waveform, np.array([c.size for c in clips], np.int64)


def noise_batch(lengths: list[int], seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return pad_batch([(0.1 * rng.standard_normal(n)).astype(np.float32) for n in lengths])


def nemo_logprobs(
    model: EncDecCTCModelBPE, waveform: np.ndarray, lens: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    with torch.no_grad():
        logprobs, out_lens, _ = model.forward(
            input_signal=torch.from_numpy(waveform), input_signal_length=torch.from_numpy(lens)
        )
    return logprobs.numpy(), out_lens.numpy()


def compare(
    model: EncDecCTCModelBPE, session: ort.InferenceSession, waveform: np.ndarray, lens: np.ndarray
) -> Comparison:
    """NeMo vs ONNX on one batch; raises if the output lengths differ."""
    logprobs, out_lens = session.run(None, {"waveform": waveform, "waveform_lens": lens})
    ref, ref_lens = nemo_logprobs(model, waveform, lens)
    np.testing.assert_array_equal(out_lens, ref_lens)
    diffs, agree = [], []
    for row, n in enumerate(out_lens):
        diffs.append(float(np.abs(logprobs[row, :n] - ref[row, :n]).max()))
        agree.append(logprobs[row, :n].argmax(-1) == ref[row, :n].argmax(-1))
    matches = np.concatenate(agree)
    return Comparison(max(diffs), float(matches.mean()), int(matches.size))


def read_16k(path: Path) -> np.ndarray:
    audio, rate = sf.read(path, dtype="float32", always_2d=True)
    return np.asarray(soxr.resample(audio.mean(axis=1), rate, SAMPLE_RATE), dtype=np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--nemo", type=Path, required=True)
    parser.add_argument("--model-dir", type=Path, required=True)
    parser.add_argument("files", nargs="*", type=Path, help="audio files (default: a padded noise batch)")
    args = parser.parse_args()
    model, _ = load_model(nemo=args.nemo)
    model.preprocessor.featurizer.dither = 0.0
    session = ort.InferenceSession(str(args.model_dir / MODEL_FILE), providers=["CPUExecutionProvider"])
    batch = pad_batch([read_16k(f) for f in args.files]) if args.files else noise_batch(RANDOM_LENGTHS)
    result = compare(model, session, *batch)
    print(
        f"max |logprob diff| {result.max_abs_diff:.2e}, "
        f"argmax agreement {result.argmax_agreement:.2%} over {result.frames} frames"
    )


if __name__ == "__main__":
    main()
