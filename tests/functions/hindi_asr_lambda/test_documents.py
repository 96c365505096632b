"""The documents the S3 transcriber writes: Amazon Transcribe's shape, the API's problem."""

from __future__ import annotations

from hindi_asr.errors import AudioTooShortError
from hindi_asr.transcribe import Transcript, Word
from hindi_asr_lambda.documents import SourceObject, error_document, transcript_document

SOURCE = SourceObject("in", "uploads/a.wav", "abc", "")


def test_transcript_document_is_amazon_transcribes_shape() -> None:
    transcript = Transcript(
        text="नमस्ते आप",
        words=(Word("नमस्ते", 0.2, 0.8, 0.99), Word("आप", 0.96, 1.08, 0.5)),
        duration_s=1.5,
        model_name="m",
        model_variant="int8",
        timings_ms={"total": 12.0},
    )
    document = transcript_document(transcript, SOURCE)
    assert document["status"] == "COMPLETED" and document["jobName"] == "uploads/a.wav"
    assert document["results"]["transcripts"] == [{"transcript": "नमस्ते आप"}]
    assert document["results"]["items"][1] == {
        "id": 1,
        "type": "pronunciation",
        "start_time": "0.960",
        "end_time": "1.080",
        "alternatives": [{"confidence": "0.5000", "content": "आप"}],
    }
    assert document["hindi_asr"]["model"] == {"name": "m", "variant": "int8"}
    assert (
        document["hindi_asr"]["timings_ms"] == {"total": 12.0} and document["hindi_asr"]["language"] == "hi"
    )
    assert document["hindi_asr"]["source"]["key"] == "uploads/a.wav"


def test_error_document_carries_the_problem() -> None:
    document = error_document(AudioTooShortError("the audio lasts 0.1 s"), SOURCE)
    assert document["status"] == "FAILED" and document["failureReason"] == "the audio lasts 0.1 s"
    assert document["error"] == {
        "type": "urn:hindi-asr:problem:audio_too_short",
        "title": "Audio is too short",
        "status": 422,
        "detail": "the audio lasts 0.1 s",
        "code": "audio_too_short",
    }
    assert document["error"] == AudioTooShortError("the audio lasts 0.1 s").to_problem()  # as the API says it
