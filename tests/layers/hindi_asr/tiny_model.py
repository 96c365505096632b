"""A tiny but real ONNX CTC model that follows the model directory contract, and speech it understands.

The graph frames the waveform every 640 samples (40 ms, like a Conformer with 10 ms hop and 4x
subsampling), takes each frame's RMS and scores it against one level per label: silence is the blank,
and token ``v`` is a 500 Hz tone of amplitude ``0.15 + 0.06 v``. ``speech("नमस्ते आप")`` renders text
as such tones, so every test can know exactly what the model must hear, and where.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnx
import soundfile as sf
import soxr
from numpy.typing import NDArray
from onnx import TensorProto, helper, numpy_helper

from hindi_asr.contract import (
    INPUT_NAMES,
    MODEL_FILE,
    OUTPUT_NAMES,
    SETTINGS_FILE,
    TOKENS_FILE,
    default_session,
    settings_json,
    tokens_text,
)

SAMPLE_RATE = 16_000
FRAME = 640
FRAME_SHIFT_S = FRAME / SAMPLE_RATE
TONE_HZ = 500.0  # exactly 20 periods per frame, so a frame's RMS is the tone's RMS
SCALE = 5000.0
MODEL_NAME = "tiny-test-ctc"
# "▁क़" is written with the precomposed U+0958, which NFC decomposes into क + nukta.
VOCABULARY = ("▁न", "म", "स्", "ते", "▁आप", "▁कैसे", "▁हैं", "▁भारत", "▁\u0958", "<unk>", "▁", "ल")
BLANK_ID = len(VOCABULARY)
AMPLITUDES = tuple(0.15 + 0.06 * v for v in range(len(VOCABULARY)))


def build_tiny_model(
    out_dir: Path, *, max_input_s: float = 20.0, session: dict[str, object] | None = None
) -> Path:
    """Write model.onnx (with the contract's metadata), tokens.txt and model.json into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    model = helper.make_model(_graph(), opset_imports=[helper.make_opsetid("", 17)], producer_name="tests")
    onnx.checker.check_model(model)
    for key, value in _metadata(max_input_s).items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(model, str(out_dir / MODEL_FILE))
    (out_dir / TOKENS_FILE).write_text(tokens_text(VOCABULARY), encoding="utf-8")
    settings = settings_json(MODEL_NAME, "fp32", session or default_session(intra_op_num_threads=1))
    (out_dir / SETTINGS_FILE).write_text(json.dumps(settings, ensure_ascii=False), encoding="utf-8")
    return out_dir


def tokenize(text: str) -> list[list[int]]:
    """Token ids per word, greedy longest match; a word's first piece carries the ``▁`` marker."""
    words = []
    for word in text.split():
        rest, ids = "▁" + word, []
        while rest:
            matches = [i for i, p in enumerate(VOCABULARY) if p != "<unk>" and rest.startswith(p)]
            if not matches:
                raise ValueError(f"{word!r} cannot be spelled with the tiny vocabulary")
            best = max(matches, key=lambda i: len(VOCABULARY[i]))
            ids.append(best)
            rest = rest[len(VOCABULARY[best]) :]
        words.append(ids)
    return words


def speech(
    text: str,
    *,
    token_frames: int = 3,
    word_gap_frames: int = 4,
    lead_frames: int = 5,
    tail_frames: int = 5,
) -> NDArray[np.float32]:
    """Render ``text`` as tones: one blank frame between tokens, ``word_gap_frames`` between words."""
    return render(
        tokenize(text),
        token_frames=token_frames,
        word_gap_frames=word_gap_frames,
        lead_frames=lead_frames,
        tail_frames=tail_frames,
    )


def render(
    words: Sequence[Sequence[int]],
    *,
    token_frames: int = 3,
    word_gap_frames: int = 4,
    lead_frames: int = 5,
    tail_frames: int = 5,
) -> NDArray[np.float32]:
    labels: list[int] = [BLANK_ID] * lead_frames
    for index, word in enumerate(words):
        if index:
            labels += [BLANK_ID] * word_gap_frames
        for position, token in enumerate(word):
            labels += ([BLANK_ID] if position else []) + [token] * token_frames
    labels += [BLANK_ID] * tail_frames
    levels = np.array([*AMPLITUDES, 0.0], dtype=np.float64)[labels]
    t = np.arange(len(labels) * FRAME) / SAMPLE_RATE
    return (np.repeat(levels, FRAME) * np.sin(2 * np.pi * TONE_HZ * t)).astype(np.float32)


def word_start_s(
    text: str, index: int, *, token_frames: int = 3, word_gap_frames: int = 4, lead_frames: int = 5
) -> float:
    """Where ``speech(text)`` starts its ``index``-th word, in seconds."""
    frames = lead_frames
    for word in tokenize(text)[:index]:
        frames += len(word) * token_frames + (len(word) - 1) + word_gap_frames
    return frames * FRAME_SHIFT_S


def _graph() -> onnx.GraphProto:
    levels = np.array([a / np.sqrt(2) for a in AMPLITUDES] + [0.0], dtype=np.float32)
    initializers = [
        numpy_helper.from_array(np.array(FRAME, dtype=np.int64), "frame"),
        numpy_helper.from_array(np.array([FRAME], dtype=np.int64), "frame_1d"),
        numpy_helper.from_array(np.array([0], dtype=np.int64), "zero_1d"),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "one_1d"),
        numpy_helper.from_array(np.array([0], dtype=np.int64), "axis0"),
        numpy_helper.from_array(levels, "levels"),
        numpy_helper.from_array(np.array(-SCALE, dtype=np.float32), "neg_scale"),
    ]
    nodes = [
        helper.make_node("Shape", [INPUT_NAMES[0]], ["shape"]),
        helper.make_node("Gather", ["shape", "zero_1d"], ["batch"], axis=0),
        helper.make_node("Gather", ["shape", "one_1d"], ["samples"], axis=0),
        helper.make_node("Div", ["samples", "frame_1d"], ["frames"]),
        helper.make_node("Mul", ["frames", "frame_1d"], ["usable"]),
        helper.make_node("Slice", [INPUT_NAMES[0], "zero_1d", "usable", "one_1d"], ["framed_flat"]),
        helper.make_node("Concat", ["batch", "frames", "frame_1d"], ["framed_shape"], axis=0),
        helper.make_node("Reshape", ["framed_flat", "framed_shape"], ["framed"]),
        helper.make_node("Mul", ["framed", "framed"], ["power"]),
        helper.make_node("ReduceMean", ["power"], ["mean_power"], axes=[2], keepdims=1),
        helper.make_node("Sqrt", ["mean_power"], ["rms"]),
        helper.make_node("Sub", ["rms", "levels"], ["distance"]),
        helper.make_node("Mul", ["distance", "distance"], ["squared"]),
        helper.make_node("Mul", ["squared", "neg_scale"], ["logits"]),
        helper.make_node("LogSoftmax", ["logits"], [OUTPUT_NAMES[0]], axis=-1),
        helper.make_node("Div", [INPUT_NAMES[1], "frame"], [OUTPUT_NAMES[1]]),
    ]
    return helper.make_graph(
        nodes,
        "tiny_ctc",
        [
            helper.make_tensor_value_info(INPUT_NAMES[0], TensorProto.FLOAT, ["B", "N"]),
            helper.make_tensor_value_info(INPUT_NAMES[1], TensorProto.INT64, ["B"]),
        ],
        [
            helper.make_tensor_value_info(
                OUTPUT_NAMES[0], TensorProto.FLOAT, ["B", "T", len(VOCABULARY) + 1]
            ),
            helper.make_tensor_value_info(OUTPUT_NAMES[1], TensorProto.INT64, ["B"]),
        ],
        initializers,
    )


def _metadata(max_input_s: float) -> dict[str, str]:
    return {
        "model_name": MODEL_NAME,
        "model_type": "EncDecCTCModelBPE",
        "source_sha256": "0" * 64,
        "sample_rate": str(SAMPLE_RATE),
        "vocabulary": json.dumps(list(VOCABULARY), ensure_ascii=False),
        "blank_id": str(BLANK_ID),
        "vocab_size": str(len(VOCABULARY)),
        "subsampling_factor": "4",
        "window_stride": "0.01",
        "frame_shift_s": str(FRAME_SHIFT_S),
        "normalize_type": "per_feature",
        "featurizer": json.dumps({"kind": "frame rms", "frame": FRAME}),
        "max_input_s": str(max_input_s),
        "export_versions": json.dumps({"onnx": onnx.__version__}),
    }


def encode(
    samples: NDArray[np.float32],
    *,
    sample_rate: int = SAMPLE_RATE,
    file_format: str = "WAV",
    subtype: str | None = None,
    channels: int = 1,
) -> bytes:
    """``samples`` (16 kHz mono) as an audio file: resampled to ``sample_rate``, copied to ``channels``."""
    audio = (
        np.asarray(soxr.resample(samples, SAMPLE_RATE, sample_rate), np.float32)
        if sample_rate != SAMPLE_RATE
        else samples
    )
    if channels > 1:
        audio = np.repeat(audio[:, np.newaxis], channels, axis=1)
    buffer = io.BytesIO()
    sf.write(buffer, audio, sample_rate, format=file_format, subtype=subtype)
    return buffer.getvalue()
