"""Export a NeMo CTC model to one self-describing ONNX file: raw 16 kHz waveform -> CTC log-probs.

NeMo's featurizer (pre-emphasis, STFT, mel, log, per-feature normalisation, masking) goes *inside*
the graph, so the runtime needs no re-implementation of it. The graph has dynamic batch and time,
returns the output lengths, and carries its vocabulary and settings as ONNX metadata. A
``tokens.txt`` in sherpa-onnx's format and a ``model.json`` (runtime settings) are written beside it.

    python -m asr_build.export --nemo model.nemo --out artifacts/models/NAME
    python -m asr_build.export --pretrained stt_hi_conformer_ctc_medium --out ...   (needs NGC access)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import onnx
import torch
from nemo.collections.asr.models import ASRModel, EncDecCTCModelBPE

from asr_build.conformer import SAMPLE_RATE
from hindi_asr.contract import (
    DEFAULT_VARIANT,
    INPUT_NAMES,
    MIN_INPUT_SAMPLES,
    MODEL_FILE,
    OUTPUT_NAMES,
    SETTINGS_FILE,
    TOKENS_FILE,
    default_session,
    settings_json,
    tokens_text,
)

OPSET = 18  # the dynamo exporter needs >= 18 for STFT on real input
EXAMPLE_SECONDS = (3.0, 2.2)  # a padded batch of two, so the trace sees masking


class WaveformToLogProbs(torch.nn.Module):
    """Featurizer + encoder + CTC decoder, with NeMo's type checks and export hooks out of the way."""

    def __init__(self, model: EncDecCTCModelBPE) -> None:
        super().__init__()
        self.featurizer = model.preprocessor.featurizer
        self.encoder = model.encoder
        self.decoder = model.decoder

    def forward(
        self, waveform: torch.Tensor, waveform_lens: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        features, feature_lens = self.featurizer(waveform, waveform_lens)
        encoded, encoded_lens = self.encoder.forward_internal(features, feature_lens)[:2]
        logits = self.decoder.decoder_layers(encoded).transpose(1, 2)
        return torch.log_softmax(logits, dim=-1), encoded_lens.to(torch.int64)


@dataclass(frozen=True)
class ExportResult:
    model_dir: Path
    seconds: float
    size_mb: float


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_model(*, nemo: Path | None = None, pretrained: str | None = None) -> tuple[EncDecCTCModelBPE, str]:
    """Load from a local ``.nemo`` or by NeMo's pretrained name; returns the model and its source sha256."""
    if (nemo is None) == (pretrained is None):
        raise ValueError("give exactly one of nemo= or pretrained=")
    if nemo is not None:
        model = ASRModel.restore_from(str(nemo), map_location="cpu")
        source = nemo
    else:
        assert pretrained is not None
        source = Path(EncDecCTCModelBPE.from_pretrained(pretrained, return_model_file=True))
        model = ASRModel.restore_from(str(source), map_location="cpu")
    if not isinstance(model, EncDecCTCModelBPE):
        raise TypeError(f"expected an EncDecCTCModelBPE, got {type(model).__name__}")
    return model.eval(), sha256_of(source)


def prepare_for_export(model: EncDecCTCModelBPE, max_input_s: float) -> WaveformToLogProbs:
    """Dither off, eval mode, and the positional table sized to exactly ``max_input_s``.

    The table is frozen into the graph (``pos_emb_max_len`` positions by default, 200 s for the
    real model). Rebuilding it for ``max_input_s`` keeps small models small; its values do not
    depend on its length, so outputs are unchanged.
    """
    model.eval()
    model.preprocessor.featurizer.dither = 0.0
    encoder_frames = int(max_input_s * frames_per_second(model)) + 1
    if hasattr(model.encoder.pos_enc, "pe"):
        del model.encoder.pos_enc.pe  # NeMo only ever grows the table
    model.encoder.set_max_audio_length(encoder_frames)
    return WaveformToLogProbs(model).eval()


def frames_per_second(model: EncDecCTCModelBPE) -> float:
    """Encoder (CTC output) frames per second of audio."""
    stride = float(model.cfg.preprocessor.window_stride)
    return 1.0 / (stride * subsampling_factor(model))


def subsampling_factor(model: EncDecCTCModelBPE) -> int:
    return int(model.cfg.encoder.get("subsampling_factor", 4))


def vocabulary(model: EncDecCTCModelBPE) -> list[str]:
    return [model.tokenizer.ids_to_tokens([i])[0] for i in range(model.tokenizer.vocab_size)]


def build_metadata(
    model: EncDecCTCModelBPE, *, name: str, source_sha256: str, max_input_s: float
) -> dict[str, str]:
    """The keys the runtime reads back, plus those sherpa-onnx needs for NeMo CTC models."""
    vocab = vocabulary(model)
    pre = model.cfg.preprocessor
    featurizer = {
        key: pre.get(key)
        for key in (
            "sample_rate",
            "features",
            "n_fft",
            "window_size",
            "window_stride",
            "window",
            "normalize",
            "log",
            "dither",
            "pad_to",
            "frame_splicing",
        )
    }
    featurizer.update(dither=0.0, preemph=float(model.preprocessor.featurizer.preemph or 0.0))
    tools = {pkg: version(pkg) for pkg in ("torch", "nemo_toolkit", "onnx", "onnxscript")}
    metadata = {
        "model_name": name,
        "model_type": "EncDecCTCModelBPE",
        "source_sha256": source_sha256,
        "sample_rate": str(int(pre.get("sample_rate", SAMPLE_RATE))),
        "vocabulary": json.dumps(vocab, ensure_ascii=False),
        "blank_id": str(len(vocab)),
        "vocab_size": str(len(vocab)),
        "subsampling_factor": str(subsampling_factor(model)),
        "window_stride": str(float(pre.window_stride)),
        "frame_shift_s": str(1.0 / frames_per_second(model)),
        "normalize_type": str(pre.get("normalize", "")),
        "featurizer": json.dumps(featurizer),
        "max_input_s": str(max_input_s),
        "export_versions": json.dumps(tools),
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "is_ctc": "1",
        "model_author": "NVIDIA NeMo",
        "comment": "waveform [B,N] f32 16 kHz, waveform_lens [B] -> logprobs [B,T,V+1], logprobs_lens [B]",
    }
    return metadata


def _example_inputs() -> tuple[torch.Tensor, torch.Tensor]:
    lengths = [int(s * SAMPLE_RATE) for s in EXAMPLE_SECONDS]
    waveform = torch.zeros(len(lengths), max(lengths))
    generator = torch.Generator().manual_seed(0)
    for row, n in enumerate(lengths):
        waveform[row, :n] = 0.1 * torch.randn(n, generator=generator)
    return waveform, torch.tensor(lengths, dtype=torch.int64)


def export_onnx(module: torch.nn.Module, path: Path, *, output_names: Sequence[str] = OUTPUT_NAMES) -> None:
    """Trace ``module(waveform, waveform_lens)`` with the dynamo exporter.

    The legacy exporter cannot export NeMo's complex-valued STFT; dynamo at opset 18 can.
    """
    batch, samples = torch.export.Dim("batch", min=1), torch.export.Dim("samples", min=MIN_INPUT_SAMPLES)
    with torch.no_grad():
        program = torch.onnx.export(
            module,
            _example_inputs(),
            dynamo=True,
            opset_version=OPSET,
            input_names=list(INPUT_NAMES),
            output_names=list(output_names),
            dynamic_shapes={"waveform": {0: batch, 1: samples}, "waveform_lens": {0: batch}},
            external_data=False,
        )
    assert program is not None
    program.save(str(path), external_data=False)


def write_metadata(path: Path, metadata: dict[str, str]) -> None:
    proto = onnx.load(str(path))
    del proto.metadata_props[:]
    for key, value in metadata.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(proto, str(path))


def write_tokens(path: Path, vocab: list[str]) -> None:
    """sherpa-onnx's tokens.txt: ``piece id`` per line, the blank last."""
    path.write_text(tokens_text(vocab), encoding="utf-8")


def write_settings(path: Path, name: str, variant: str, session: dict[str, Any] | None = None) -> None:
    settings = settings_json(name, variant, session or default_session())
    path.write_text(json.dumps(settings, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def export_model(
    model: EncDecCTCModelBPE, out_dir: Path, *, name: str, source_sha256: str, max_input_s: float = 200.0
) -> ExportResult:
    """Write ``model.onnx`` (with metadata), ``tokens.txt`` and ``model.json`` to ``out_dir``."""
    start = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    wrapper = prepare_for_export(model, max_input_s)
    onnx_path = out_dir / MODEL_FILE
    export_onnx(wrapper, onnx_path)
    metadata = build_metadata(model, name=name, source_sha256=source_sha256, max_input_s=max_input_s)
    write_metadata(onnx_path, metadata)
    write_tokens(out_dir / TOKENS_FILE, vocabulary(model))
    write_settings(out_dir / SETTINGS_FILE, name, DEFAULT_VARIANT)
    return ExportResult(out_dir, time.perf_counter() - start, onnx_path.stat().st_size / 1e6)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--nemo", type=Path, help="a local .nemo file")
    source.add_argument("--pretrained", help="NeMo pretrained name, e.g. stt_hi_conformer_ctc_medium")
    parser.add_argument("--out", type=Path, required=True, help="model directory to write")
    parser.add_argument("--name", help="model name in the metadata (default: file stem or pretrained name)")
    parser.add_argument("--max-input-s", type=float, default=200.0, help="longest input the graph accepts")
    args = parser.parse_args()
    model, sha = load_model(nemo=args.nemo, pretrained=args.pretrained)
    name = args.name or args.pretrained or args.nemo.stem
    result = export_model(model, args.out, name=name, source_sha256=sha, max_input_s=args.max_input_s)
    print(f"wrote {result.model_dir} ({result.size_mb:.1f} MB model.onnx) in {result.seconds:.1f} s")


if __name__ == "__main__":
    main()
