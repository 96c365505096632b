"""Greedy transcription of a NeMo manifest and its CER/WER (jiwer), overall and per voice.

    python -m asr_build.evaluate --manifest artifacts/corpus/test_manifest.json \\
        --nemo artifacts/train/model.nemo --out artifacts/train/eval_test.json
    python -m asr_build.evaluate --manifest ... --model-dir layers/hindi_asr/models/default --out ...

A model is either a `.nemo` (NeMo's own `transcribe()`, greedy CTC) or an exported model directory
(`model.onnx` by the README's contract: waveform in, CTC log-probabilities out, vocabulary and blank in
its metadata; decoded greedily here with onnxruntime). References and hypotheses are both normalised by
`asr_build.hindi_text.clean` (nukta, chandrabindu, punctuation policy) before scoring. The report has
`overall`, `by_voice` (e.g. `espeak/hi+f3`), `by_engine` (espeak, festival) and the worst examples.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jiwer
import numpy as np
import soundfile as sf

from asr_build.hindi_text import clean

Transcriber = Callable[[list[Path]], list[str]]
WORD_BOUNDARY = "▁"
N_EXAMPLES = 15


@dataclass(frozen=True)
class Utterance:
    """One manifest line."""

    audio: Path
    text: str
    voice: str


def read_manifest(manifest: Path) -> list[Utterance]:
    """Manifest lines; relative audio paths are taken relative to the manifest's folder."""
    rows = []
    with manifest.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                r = json.loads(line)
                audio = Path(r["audio_filepath"])
                audio = audio if audio.is_absolute() else manifest.parent / audio
                rows.append(Utterance(audio, r["text"], r.get("voice", "unknown")))
    return rows


def normalise(text: str) -> str:
    """The scoring form of a text: the corpus cleaning policy, or "" if nothing speakable is left."""
    return clean(text) or ""


def score(refs: Sequence[str], hyps: Sequence[str]) -> dict[str, float | int]:
    """CER and WER of normalised `hyps` against normalised `refs`."""
    r = [normalise(t) for t in refs]
    h = [normalise(t) for t in hyps]
    return {"utterances": len(r), "cer": round(jiwer.cer(r, h), 4), "wer": round(jiwer.wer(r, h), 4)}


def nemo_transcriber(nemo: Path, batch_size: int = 16) -> Transcriber:
    """Greedy CTC transcription with NeMo's `transcribe()` on a `.nemo` file."""
    import torch
    from nemo.collections.asr.models import EncDecCTCModelBPE

    torch.set_num_threads(2)
    model = EncDecCTCModelBPE.restore_from(str(nemo), map_location="cpu").eval()

    def run(paths: list[Path]) -> list[str]:
        out = model.transcribe([str(p) for p in paths], batch_size=batch_size, verbose=False)
        return [h.text if hasattr(h, "text") else str(h) for h in out]

    return run


def ctc_greedy(logprobs: np.ndarray, length: int, vocabulary: Sequence[str], blank: int) -> str:
    """Best path: argmax per frame, collapse repeats, drop blanks, join SentencePiece pieces."""
    best = logprobs[:length].argmax(axis=-1)
    keep = [int(t) for i, t in enumerate(best) if t != blank and (i == 0 or t != best[i - 1])]
    return "".join(vocabulary[t] for t in keep).replace(WORD_BOUNDARY, " ").strip()


def onnx_transcriber(model_dir: Path) -> Transcriber:
    """Greedy CTC transcription with onnxruntime on an exported model directory (one clip at a time)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    session = ort.InferenceSession(str(model_dir / "model.onnx"), options, providers=["CPUExecutionProvider"])
    meta = session.get_modelmeta().custom_metadata_map
    vocabulary: list[str] = json.loads(meta["vocabulary"])
    blank = int(meta["blank_id"])

    def run(paths: list[Path]) -> list[str]:
        texts = []
        for path in paths:
            audio, _ = sf.read(path, dtype="float32", always_2d=True)
            wave = audio.mean(axis=1)[None, :]
            logprobs, lens = session.run(None, {"waveform": wave, "waveform_lens": np.array([wave.shape[1]])})
            texts.append(ctc_greedy(logprobs[0], int(lens[0]), vocabulary, blank))
        return texts

    return run


def _grouped(
    rows: Sequence[Utterance], hyps: Sequence[str], key: Callable[[Utterance], str]
) -> dict[str, Any]:
    groups: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        groups[key(row)].append(i)
    return {
        k: score([rows[i].text for i in idx], [hyps[i] for i in idx]) for k, idx in sorted(groups.items())
    }


def _examples(rows: Sequence[Utterance], hyps: Sequence[str]) -> list[dict[str, Any]]:
    scored = [(jiwer.cer(normalise(r.text), normalise(h)), r, h) for r, h in zip(rows, hyps, strict=True)]
    scored.sort(key=lambda s: -s[0])
    return [
        {"cer": round(c, 3), "voice": r.voice, "ref": r.text, "hyp": h} for c, r, h in scored[:N_EXAMPLES]
    ]


def evaluate(manifest: Path, transcribe: Transcriber) -> dict[str, Any]:
    """Transcribe every utterance of `manifest` and score it overall, per voice and per engine."""
    rows = read_manifest(manifest)
    start = time.monotonic()
    hyps = transcribe([r.audio for r in rows])
    seconds = time.monotonic() - start
    return {
        "manifest": str(manifest),
        "seconds": round(seconds, 1),
        "overall": score([r.text for r in rows], hyps),
        "by_engine": _grouped(rows, hyps, lambda r: r.voice.split("/")[0]),
        "by_voice": _grouped(rows, hyps, lambda r: r.voice),
        "worst": _examples(rows, hyps),
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--manifest", type=Path, required=True)
    model = parser.add_mutually_exclusive_group(required=True)
    model.add_argument("--nemo", type=Path, help="a .nemo model")
    model.add_argument("--model-dir", type=Path, help="an exported model directory (model.onnx)")
    parser.add_argument("--out", type=Path, help="write the JSON report here")
    parser.add_argument("--batch-size", type=int, default=16)
    args = parser.parse_args(argv)
    transcribe = (
        nemo_transcriber(args.nemo, args.batch_size) if args.nemo else onnx_transcriber(args.model_dir)
    )
    report = evaluate(args.manifest, transcribe)
    report["model"] = str(args.nemo or args.model_dir)
    text = json.dumps(report, indent=2, ensure_ascii=False)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    print(json.dumps({k: report[k] for k in ("overall", "by_engine")}, ensure_ascii=False))


if __name__ == "__main__":
    main()
