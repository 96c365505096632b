"""Greedy transcription of NeMo manifests and their CER/WER (jiwer), overall, per voice and per family.

    python -m asr_build.evaluate --manifest artifacts/corpus/test_manifest.json \\
        --manifest artifacts/corpus/ood_manifest.json --manifest artifacts/corpus/heldout_manifest.json \\
        --nemo artifacts/train/model.nemo [--nemo other.nemo] [--model-dir layers/hindi_asr/models/default] \\
        [--corpus-stats artifacts/corpus/stats.json --train-dir artifacts/train] \\
        [--curve-manifest artifacts/corpus/ood_manifest.json] --out artifacts/train/report.json

A model is either a `.nemo` (NeMo's own `transcribe()`, greedy CTC) or an exported model directory
(transcribed through the service's own runtime, `hindi_asr`: decoding, resampling, chunking, greedy
CTC). References and hypotheses are both normalised by `asr_build.text.normalise.normalise` (nukta,
chandrabindu, punctuation policy) before scoring. Each model's result per manifest (named by its stem:
`test`, `ood`, `heldout`) has `overall`, `by_voice` (e.g. `espeak/hi+f3`), `by_family` (espeak,
espeak-klatt: the held-out family, festival) and the worst examples; the report adds the corpus
statistics and the training summary: invocations, the validation curve, and with `--curve-manifest`
the CER of every kept checkpoint on that manifest (the learning curve on unseen speech).
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

from asr_build.corpus import voice_family
from asr_build.text.normalise import normalise as normalise_text
from hindi_asr.contract import MODEL_FILE

Transcriber = Callable[[list[Path]], list[str]]
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
    """The scoring form of a text: the corpus spelling and punctuation policy (nothing is rejected)."""
    return normalise_text(text)


def score(refs: Sequence[str], hyps: Sequence[str]) -> dict[str, float | int]:
    """CER and WER of normalised `hyps` against normalised `refs`."""
    r = [normalise(t) for t in refs]
    h = [normalise(t) for t in hyps]
    return {"utterances": len(r), "cer": round(jiwer.cer(r, h), 4), "wer": round(jiwer.wer(r, h), 4)}


def nemo_transcriber(
    nemo: Path, batch_size: int = 16, checkpoint: Path | None = None, threads: int = 2
) -> Transcriber:
    """Greedy CTC transcription with NeMo's `transcribe()` on a `.nemo` file, optionally with the
    weights of a training checkpoint of the same architecture."""
    import torch
    from nemo.collections.asr.models import EncDecCTCModelBPE

    torch.set_num_threads(threads)
    model = EncDecCTCModelBPE.restore_from(str(nemo), map_location="cpu")
    if checkpoint is not None:
        # a Lightning checkpoint of our own run: it pickles the hyper-parameters beside the weights
        state = torch.load(checkpoint, map_location="cpu", weights_only=False)["state_dict"]
        model.load_state_dict(state)
    model.eval()

    def run(paths: list[Path]) -> list[str]:
        out = model.transcribe([str(p) for p in paths], batch_size=batch_size, verbose=False)
        return [h.text if hasattr(h, "text") else str(h) for h in out]

    return run


def onnx_transcriber(model_dir: Path) -> Transcriber:
    """Transcription of an exported model directory through the service's own runtime path."""
    from hindi_asr.transcribe import Transcriber as RuntimeTranscriber
    from hindi_asr.transcribe import TranscriberOptions

    runtime = RuntimeTranscriber.load(TranscriberOptions(model_dir=model_dir, intra_op_threads=2))

    def run(paths: list[Path]) -> list[str]:
        return [runtime.transcribe(path.read_bytes()).text for path in paths]

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
        "by_family": _grouped(rows, hyps, lambda r: voice_family(r.voice)),
        "by_voice": _grouped(rows, hyps, lambda r: r.voice),
        "worst": _examples(rows, hyps),
    }


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The JSON lines of `path`; [] if it does not exist."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def training_summary(train_dir: Path) -> dict[str, Any]:
    """Invocations (`runs.jsonl`) and learning curve (`curve.jsonl`) written by `asr_build.train`.

    Curve minutes restart at each invocation; `total_minutes` adds the earlier invocations' time.
    """
    runs = read_jsonl(train_dir / "runs.jsonl")
    curve = read_jsonl(train_dir / "curve.jsonl")
    invocation, offset, previous = 0, 0.0, 0.0
    for row in curve:
        if row["minutes"] < previous and invocation < len(runs):
            offset += runs[invocation]["minutes"]
            invocation += 1
        previous = row["minutes"]
        row["total_minutes"] = round(offset + row["minutes"], 2)
    return {
        "steps": runs[-1]["end_step"] if runs else None,
        "minutes": round(sum(r["minutes"] for r in runs), 1),
        "parameters": runs[-1]["parameters"] if runs else None,
        "invocations": runs,
        "curve": curve,
    }


def checkpoint_curve(
    nemo: Path, checkpoints: Path, manifest: Path, batch_size: int, threads: int = 2
) -> list[dict[str, Any]]:
    """CER/WER on `manifest` of every `step=N.ckpt` in `checkpoints`, in step order."""
    curve = []
    for ckpt in sorted(checkpoints.glob("step=*.ckpt"), key=lambda p: int(p.stem.split("=")[1])):
        result = evaluate(manifest, nemo_transcriber(nemo, batch_size, checkpoint=ckpt, threads=threads))
        curve.append({"step": int(ckpt.stem.split("=")[1]), **result["overall"], **_family_cer(result)})
    return curve


def _family_cer(result: dict[str, Any]) -> dict[str, float]:
    return {f"cer_{family}": s["cer"] for family, s in result["by_family"].items()}


def _scored(manifests: Sequence[Path], transcribe: Transcriber) -> dict[str, Any]:
    return {m.stem.removesuffix("_manifest"): evaluate(m, transcribe) for m in manifests}


def build_report(args: argparse.Namespace) -> dict[str, Any]:
    """Scores of every model on every manifest, plus corpus statistics and training summary."""
    report: dict[str, Any] = {"manifests": [str(m) for m in args.manifest], "models": {}}
    for nemo in args.nemo:
        result = _scored(args.manifest, nemo_transcriber(nemo, args.batch_size, threads=args.threads))
        report["models"][f"nemo:{nemo}"] = {"path": str(nemo), "mb": _mb(nemo), "sets": result}
    if args.model_dir:
        result = _scored(args.manifest, onnx_transcriber(args.model_dir))
        onnx = args.model_dir / MODEL_FILE
        report["models"]["onnx"] = {"path": str(args.model_dir), "mb": _mb(onnx), "sets": result}
    if args.corpus_stats and args.corpus_stats.exists():
        report["corpus"] = json.loads(args.corpus_stats.read_text(encoding="utf-8"))
    if args.train_dir:
        report["training"] = training_summary(args.train_dir)
        if args.curve_manifest and args.nemo:
            checkpoints = args.train_dir / "checkpoints"
            curve = checkpoint_curve(
                args.nemo[0], checkpoints, args.curve_manifest, args.batch_size, args.threads
            )
            report["training"]["checkpoint_curve"] = curve
    return report


def table(report: dict[str, Any]) -> str:
    """A Markdown table: one row per model, set and voice family (CER, WER, utterances)."""
    lines = ["| model | set | family | CER | WER | utterances |", "|---|---|---|---|---|---|"]
    for name, model in report["models"].items():
        for set_name, result in model["sets"].items():
            for family, s in {"all": result["overall"], **result["by_family"]}.items():
                scores = f"{s['cer']:.1%} | {s['wer']:.1%} | {s['utterances']}"
                lines.append(f"| {name} | {set_name} | {family} | {scores} |")
    return "\n".join(lines)


def _mb(path: Path) -> float:
    return round(path.stat().st_size / 1e6, 2)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--manifest", type=Path, action="append", required=True, help="repeatable")
    parser.add_argument("--nemo", type=Path, action="append", default=[], help="a .nemo model (repeatable)")
    parser.add_argument("--model-dir", type=Path, help="an exported model directory (model.onnx)")
    parser.add_argument("--out", type=Path, help="write the JSON report here")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="torch threads for .nemo models")
    parser.add_argument("--corpus-stats", type=Path, help="include this corpus stats.json in the report")
    parser.add_argument("--train-dir", type=Path, help="include this training run's summary in the report")
    parser.add_argument(
        "--curve-manifest", type=Path, help="score every checkpoint of --train-dir on this manifest"
    )
    args = parser.parse_args(argv)
    if not (args.nemo or args.model_dir):
        parser.error("give --nemo, --model-dir or both")
    report = build_report(args)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(table(report))
    for row in report.get("training", {}).get("checkpoint_curve", []):
        print("checkpoint", json.dumps(row))


if __name__ == "__main__":
    main()
