"""The anchors' inputs: NeMo's own features-input export of a .nemo, with the metadata sherpa-onnx reads.

sherpa-onnx 2.0.1 runs NeMo's standard export (``model.export``: ``audio_signal`` [B, 80, T] +
``length`` -> ``logprobs``) once the metadata has ``vocab_size`` (without the blank),
``subsampling_factor``, ``normalize_type`` and ``is_ctc``, and tokens.txt ends with ``<blk> V``.
"""

from __future__ import annotations

from pathlib import Path

from asr_build.export import load_model, subsampling_factor, vocabulary, write_metadata, write_tokens
from hindi_asr.contract import MODEL_FILE, TOKENS_FILE


def export_for_sherpa(nemo: Path, out: Path) -> Path:
    """Write ``out/model.onnx`` (NeMo's features-input CTC export) and ``out/tokens.txt``; returns ``out``."""
    if (out / MODEL_FILE).is_file() and (out / TOKENS_FILE).is_file():
        return out
    out.mkdir(parents=True, exist_ok=True)
    model, _ = load_model(nemo=nemo)
    model.export(str(out / MODEL_FILE))
    vocab = vocabulary(model)
    write_metadata(
        out / MODEL_FILE,
        {
            "model_type": "EncDecCTCModelBPE",
            "vocab_size": str(len(vocab)),
            "subsampling_factor": str(subsampling_factor(model)),
            "normalize_type": str(model.cfg.preprocessor.get("normalize", "per_feature")),
            "is_ctc": "1",
        },
    )
    write_tokens(out / TOKENS_FILE, vocab)
    return out
