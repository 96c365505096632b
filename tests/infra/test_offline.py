"""``make offline``: an upload presigned by the API lands in moto S3, SQS notifies, the loop transcribes."""

from __future__ import annotations

import time

import httpx

from hindi_asr.api.upload_jobs import JobState
from hindi_asr.settings import Settings
from hindi_asr.transcribe import Transcriber
from infra.offline import offline_stack
from tests.layers.hindi_asr.tiny_model import encode, speech

DEADLINE_S = 30.0


def test_an_upload_is_transcribed_without_aws(tiny_transcriber: Transcriber) -> None:
    data = encode(speech("नमस्ते आप कैसे हैं"))
    with offline_stack(Settings(), lambda: tiny_transcriber) as (stack, jobs):
        # GIVEN a job and its upload through the presigned URL
        ticket = jobs.create("hello.wav", "audio/wav", len(data))
        assert ticket.url.startswith(stack.endpoint)
        assert httpx.put(ticket.url, content=data, headers=ticket.headers).status_code == 200
        # WHEN the notification loop has had its turn
        deadline = time.monotonic() + DEADLINE_S
        while (status := jobs.status(ticket.job_id)).state is JobState.PENDING:
            assert time.monotonic() < deadline, "no result within the deadline"
            time.sleep(0.2)
        # THEN the transcript is in the output bucket, where the API reads it
        assert status.state is JobState.DONE and status.document is not None
        assert status.document["hindi_asr"]["text"] == "नमस्ते आप कैसे हैं"
        key = f"transcripts/{ticket.key}.json"
        assert stack.s3.head_object(Bucket=stack.output_bucket, Key=key)["ContentLength"] > 0


def test_a_bad_upload_fails_its_job(tiny_transcriber: Transcriber) -> None:
    data = b"this is not audio" * 10
    with offline_stack(Settings(), lambda: tiny_transcriber) as (_, jobs):
        ticket = jobs.create("broken.wav", "audio/wav", len(data))
        assert httpx.put(ticket.url, content=data, headers=ticket.headers).status_code == 200
        deadline = time.monotonic() + DEADLINE_S
        while (status := jobs.status(ticket.job_id)).state is JobState.PENDING:
            assert time.monotonic() < deadline, "no result within the deadline"
            time.sleep(0.2)
        assert status.state is JobState.FAILED and status.document is not None
        assert status.document["error"]["code"] == "undecodable_audio"
