"""The response bodies: one JSON shape of a transcript, built by ``TranscriptionResponse.from_transcript``."""

from __future__ import annotations

from hindi_asr.api.schemas import TranscriptionResponse
from hindi_asr.transcribe import Transcript, Word

TRANSCRIPT = Transcript(
    text="नमस्ते आप",
    words=(Word("नमस्ते", 0.2, 0.8, 0.99), Word("आप", 0.96, 1.08, 0.5)),
    duration_s=1.23456,
    model_name="m",
    model_variant="int8",
    timings_ms={"decode_audio": 1.04, "total": 12.345},
)


def test_a_transcript_in_the_api_shape() -> None:
    body = TranscriptionResponse.from_transcript(TRANSCRIPT).model_dump(mode="json")
    assert body == {
        "text": "नमस्ते आप",
        "language": "hi",
        "duration_s": 1.235,
        "words": [
            {"word": "नमस्ते", "start": 0.2, "end": 0.8, "confidence": 0.99},
            {"word": "आप", "start": 0.96, "end": 1.08, "confidence": 0.5},
        ],
        "model": {"name": "m", "variant": "int8"},
        "decoder": {
            "name": "greedy",
            "numbers": "words",
            "lm": None,
            "alpha": None,
            "beta": None,
            "beam_size": None,
            "hotwords": [],
        },
        "timings_ms": {"decode_audio": 1.0, "total": 12.3},
    }
