"""Proof that the exported ONNX graph is NeMo: same features, same log-probs, same text."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
import soundfile as sf
import torch
from nemo.collections.asr.models import ASRModel, EncDecCTCModelBPE
from onnxruntime.capi.onnxruntime_pybind11_state import Fail

from asr_build.export import export_onnx, load_model, sha256_of
from asr_build.verify import compare, noise_batch, pad_batch
from hindi_asr.contract import MODEL_FILE, SETTINGS_FILE, TOKENS_FILE
from hindi_asr.decoding import decode, join_words

from .conftest import SAMPLE_RATE

TOLERANCE = 1e-3
EDGE_LENGTHS = [[1600], [16000], [16001], [24_123, 8_017, 1_601]]  # 0.1 s, 1 s, odd, padded batch


class Featurizer(torch.nn.Module):
    """NeMo's featurizer alone, exported by the same code path as the full model."""

    def __init__(self, model: EncDecCTCModelBPE) -> None:
        super().__init__()
        self.featurizer = model.preprocessor.featurizer

    def forward(
        self, waveform: torch.Tensor, waveform_lens: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        features, lens = self.featurizer(waveform, waveform_lens)
        return features, lens.to(torch.int64)


def _batches(speech: np.ndarray, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Real speech padded beside a cut of itself, then the edge lengths."""
    return [
        pad_batch([speech, speech[: speech.size // 2 + 1]]),
        *(noise_batch(n, seed) for n in EDGE_LENGTHS),
    ]


def _nemo(nemo: Path) -> EncDecCTCModelBPE:
    model, _ = load_model(nemo=nemo)
    model.preprocessor.featurizer.dither = 0.0
    return model


def _session(model_dir: Path) -> ort.InferenceSession:
    return ort.InferenceSession(str(model_dir / MODEL_FILE), providers=["CPUExecutionProvider"])


def test_featurizer_matches_nemo(random_medium_nemo: Path, hindi_speech: np.ndarray, tmp_path: Path) -> None:
    # GIVEN NeMo's featurizer exported alone through the exporter's code path
    model = _nemo(random_medium_nemo)
    path = tmp_path / "features.onnx"
    export_onnx(Featurizer(model).eval(), path, output_names=["features", "features_lens"])
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    # WHEN real speech and edge lengths go through both
    for waveform, lens in _batches(hindi_speech, seed=0):
        features, feature_lens = session.run(None, {"waveform": waveform, "waveform_lens": lens})
        with torch.no_grad():
            ref, ref_lens = model.preprocessor(
                input_signal=torch.from_numpy(waveform), length=torch.from_numpy(lens)
            )
        # THEN lengths agree exactly and values within tolerance, padding included
        np.testing.assert_array_equal(feature_lens, ref_lens.numpy())
        assert features.shape == ref.shape
        assert np.abs(features - ref.numpy()).max() <= TOLERANCE


def test_logprobs_match_nemo(exported: tuple[Path, Path], hindi_speech: np.ndarray) -> None:
    nemo, model_dir = exported
    model, session = _nemo(nemo), _session(model_dir)
    for waveform, lens in _batches(hindi_speech, seed=1):
        result = compare(model, session, waveform, lens)
        assert result.max_abs_diff <= TOLERANCE
        assert result.argmax_agreement == 1.0


def test_greedy_text_matches_nemo_transcribe(  # the runtime's decoder, the project's only greedy decoder
    exported: tuple[Path, Path], hindi_speech: np.ndarray, tmp_path: Path
) -> None:
    nemo, model_dir = exported
    session = _session(model_dir)
    meta = session.get_modelmeta().custom_metadata_map
    vocab, blank = json.loads(meta["vocabulary"]), int(meta["blank_id"])
    frame_shift_s = float(meta["frame_shift_s"])
    clips = {
        "speech": hindi_speech,
        "short": hindi_speech[:SAMPLE_RATE],
        "noise": noise_batch([40_000], 2)[0][0],
    }
    paths = []
    for name, audio in clips.items():
        paths.append(tmp_path / f"{name}.wav")
        sf.write(paths[-1], audio, SAMPLE_RATE, subtype="FLOAT")
    expected = [h.text for h in _nemo(nemo).transcribe([str(p) for p in paths], batch_size=1, verbose=False)]
    compared = 0
    for audio, text in zip(clips.values(), expected, strict=True):
        if "⁇" in text:  # the runtime drops <unk>, which SentencePiece renders as ⁇
            continue
        logprobs, lens = session.run(
            None, {"waveform": audio[None, :], "waveform_lens": np.array([audio.size])}
        )
        words = decode(logprobs[0, : lens[0]], vocab, blank_id=blank, frame_shift_s=frame_shift_s)
        assert join_words(words) == text
        compared += bool(text)
    assert compared, "NeMo produced no comparable text at all: the comparison would be vacuous"


def test_model_directory_is_self_describing(exported: tuple[Path, Path]) -> None:
    nemo, model_dir = exported
    model = ASRModel.restore_from(str(nemo), map_location="cpu")
    meta = _session(model_dir).get_modelmeta().custom_metadata_map
    vocab = json.loads(meta["vocabulary"])
    assert len(vocab) == model.tokenizer.vocab_size == int(meta["vocab_size"]) == int(meta["blank_id"])
    assert meta["sample_rate"] == "16000" and meta["subsampling_factor"] == "4"
    assert meta["normalize_type"] == "per_feature" and float(meta["frame_shift_s"]) == pytest.approx(
        model.cfg.preprocessor.window_stride * model.cfg.encoder.subsampling_factor
    )
    assert json.loads(meta["featurizer"])["dither"] == 0.0
    assert {"torch", "nemo_toolkit", "onnx"} <= json.loads(meta["export_versions"]).keys()
    assert len(meta["source_sha256"]) == 64
    tokens = (model_dir / TOKENS_FILE).read_text(encoding="utf-8").splitlines()
    assert tokens[-1] == f"<blk> {len(vocab)}" and tokens[1] == f"{vocab[1]} 1"
    settings = json.loads((model_dir / SETTINGS_FILE).read_text(encoding="utf-8"))
    assert settings["variant"] == "fp32" and settings["name"] == meta["model_name"]


def test_dynamic_batch_and_time_up_to_exactly_max_input(exported: tuple[Path, Path]) -> None:
    _, model_dir = exported
    session = _session(model_dir)
    max_s = float(session.get_modelmeta().custom_metadata_map["max_input_s"])
    waveform, lens = noise_batch([int(max_s * SAMPLE_RATE), SAMPLE_RATE], seed=3)
    logprobs, out_lens = session.run(None, {"waveform": waveform, "waveform_lens": lens})
    assert logprobs.shape[0] == 2 and out_lens[0] == pytest.approx(max_s * 25, abs=2)
    # the positional table is sized to max_input_s exactly: one second more is refused, so chunk below it
    waveform, lens = noise_batch([int((max_s + 1) * SAMPLE_RATE)], seed=4)
    with pytest.raises(Fail, match="broadcast"):
        session.run(None, {"waveform": waveform, "waveform_lens": lens})


def test_load_model_needs_exactly_one_source() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        load_model()
    with pytest.raises(ValueError, match="exactly one"):
        load_model(nemo=Path("a.nemo"), pretrained="stt_hi_conformer_ctc_medium")


def test_load_model_by_pretrained_name_uses_nemo_loader(
    random_medium_nemo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN NeMo's pretrained loader (NGC is unreachable here: patched at that edge only)
    asked: list[str] = []

    def from_pretrained(name: str, *, return_model_file: bool) -> str:
        asked.append(name)
        assert return_model_file
        return str(random_medium_nemo)

    monkeypatch.setattr(EncDecCTCModelBPE, "from_pretrained", from_pretrained)
    # WHEN the real model is asked for by name
    model, sha = load_model(pretrained="stt_hi_conformer_ctc_medium")
    # THEN NeMo's loader was asked for it and the checksum is the downloaded file's
    assert asked == ["stt_hi_conformer_ctc_medium"]
    assert isinstance(model, EncDecCTCModelBPE) and not model.training
    assert sha == sha256_of(random_medium_nemo)
