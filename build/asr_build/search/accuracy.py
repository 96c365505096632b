"""Accuracy of each graph: CER/WER on a test manifest, agreement with fp32 and the largest log-prob change.

Every graph transcribes the same clips through the runtime (wav bytes -> text, as in production). The
test manifest is the user's (``--test-manifest``, NeMo's JSON lines) or, without one, a small set that
espeak-ng and festival speak from the corpus's held-out sentences (never in training).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from asr_build import corpus
from asr_build.evaluate import Utterance, read_manifest, score
from hindi_asr.audio import decode_audio
from hindi_asr.transcribe import Transcriber, TranscriberOptions


@dataclass(frozen=True)
class GraphOutput:
    """What one graph made of the test set."""

    texts: tuple[str, ...]
    logprobs: tuple[NDArray[np.float32], ...]


def synthesise_test_set(out: Path, utterances: int, *, seed: int = 13) -> Path:
    """Speak ``utterances`` held-out (test split) corpus sentences, with the corpus's voices and noise."""
    return _synthesise(out, "test", utterances, seed)


def synthesise_calibration_set(out: Path, utterances: int, *, seed: int = 13) -> Path:
    """Speak ``utterances`` dev-split sentences: static quantisation is calibrated apart from the test set."""
    return _synthesise(out, "dev", utterances, seed)


def _synthesise(out: Path, split: str, utterances: int, seed: int) -> Path:
    manifest = out / f"{split}_manifest.json"
    if manifest.exists() and len(read_manifest(manifest)) == utterances:
        return manifest
    sizes = {"train": 0, "dev": 0, "test": 0, split: utterances}
    options = corpus.CorpusOptions(out=out, seed=seed, workers=1, **sizes)
    corpus.write_manifests(corpus.synthesise(corpus.plan_jobs(options), out), out)
    return manifest


def calibration_audio(rows: Sequence[Utterance], count: int, sample_rate: int) -> list[NDArray[np.float32]]:
    """Waveforms for static quantisation's calibration: the first ``count`` clips of the manifest."""
    return [decode_audio(r.audio.read_bytes(), sample_rate=sample_rate).samples for r in rows[:count]]


def run_graph(model_dir: Path, rows: Sequence[Utterance], threads: int = 2) -> GraphOutput:
    """Transcribe every clip through the runtime and keep each clip's log-probs."""
    transcriber = Transcriber.load(TranscriberOptions(model_dir=model_dir, intra_op_threads=threads))
    texts, logprobs = [], []
    for row in rows:
        data = row.audio.read_bytes()
        texts.append(transcriber.transcribe(data).text)
        audio = decode_audio(data, sample_rate=transcriber.model.info.sample_rate)
        logprobs.append(transcriber.model.run(audio.samples))
    return GraphOutput(tuple(texts), tuple(logprobs))


def compare(rows: Sequence[Utterance], output: GraphOutput, reference: GraphOutput) -> dict[str, Any]:
    """CER/WER against the manifest, agreement and log-prob differences against the fp32 graph."""
    scores = score([r.text for r in rows], output.texts)
    same = [a == b for a, b in zip(output.texts, reference.texts, strict=True)]
    pairs = [_common_frames(a, b) for a, b in zip(output.logprobs, reference.logprobs, strict=True)]
    diffs = [float(np.abs(a - b).max()) if a.size else float("inf") for a, b in pairs]
    argmax = np.concatenate([a.argmax(-1) == b.argmax(-1) for a, b in pairs])
    return {
        "cer": scores["cer"],
        "wer": scores["wer"],
        "utterances": scores["utterances"],
        "agreement": round(sum(same) / len(same), 4),
        "max_logprob_diff": round(max(diffs), 5),
        "argmax_agreement": round(float(argmax.mean()), 5),
    }


def _common_frames(
    a: NDArray[np.float32], b: NDArray[np.float32]
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """Both log-prob matrices over their common frames. A graph without length masks sees up to one hop
    of added silence, which may add a final frame; any other difference in shape leaves nothing to
    compare (an infinite difference)."""
    if a.shape[1:] != b.shape[1:] or abs(len(a) - len(b)) > 1:
        return a[:0], b[:0]
    frames = min(len(a), len(b))
    return a[:frames], b[:frames]


def evaluate_graphs(
    graph_dirs: Mapping[str, Path], rows: Sequence[Utterance], reference: str = "fp32"
) -> dict[str, dict[str, Any]]:
    """Accuracy of every graph (by recipe name) on ``rows``; ``reference`` is the fp32 graph's name."""
    outputs = {name: run_graph(path, rows) for name, path in graph_dirs.items()}
    return {name: compare(rows, out, outputs[reference]) for name, out in outputs.items()}
