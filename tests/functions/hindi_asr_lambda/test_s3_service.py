"""The S3 service against moto S3 on 127.0.0.1: put an object, handle the event, read the result."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote_plus

import pytest
import srt
import webvtt
from aws_lambda_powertools.utilities.data_classes import S3Event
from aws_lambda_powertools.utilities.data_classes.s3_event import S3EventRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from hindi_asr.errors import ModelUnavailableError
from hindi_asr.options import TranscriberOptions
from hindi_asr.settings import S3Settings
from hindi_asr.transcribe import Transcriber
from hindi_asr_lambda.s3_service import Outcome, RecordsFailedError, S3Transcriber, UnsupportedEventError
from tests.layers.hindi_asr.tiny_model import encode, speech

from .conftest import Buckets

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

KEY = "uploads/नमस्ते clip.wav"
TEXT = "नमस्ते आप कैसे हैं"
LoadEvent = Callable[[str], dict[str, Any]]


def make_service(
    s3: S3Client, output_bucket: str, transcriber: Callable[[], Transcriber], max_object_bytes: int = 10**7
) -> S3Transcriber:
    """The service with the moto client injected, writing to ``output_bucket``."""
    config = S3Settings(output_bucket=output_bucket)
    return S3Transcriber(transcriber, config, max_object_bytes=max_object_bytes, boto3_client=s3)


@pytest.fixture
def service(s3: S3Client, buckets: Buckets, tiny_transcriber: Transcriber) -> S3Transcriber:
    return make_service(s3, buckets.output, lambda: tiny_transcriber)


def put(s3: S3Client, bucket: str, key: str, data: bytes) -> dict[str, Any]:
    response = s3.put_object(Bucket=bucket, Key=key, Body=data)
    return {"etag": response["ETag"].strip('"'), "size": len(data), "version": response.get("VersionId")}


def s3_record(
    load_event: LoadEvent, bucket: str, key: str, etag: str, size: int, version: str | None = None
) -> dict[str, Any]:
    """The recorded S3 put notification, about this object."""
    record: dict[str, Any] = load_event("s3-put")["Records"][0]
    record["s3"]["bucket"].update(name=bucket, arn=f"arn:aws:s3:::{bucket}")
    record["s3"]["object"].update(key=quote_plus(key), eTag=etag, size=size)  # keys arrive URL-encoded
    if version:
        record["s3"]["object"]["versionId"] = version
    return record


def process(service: S3Transcriber, *records: dict[str, Any]) -> list[Outcome]:
    outcomes, failed = service.process_notification(S3Event({"Records": list(records)}))
    assert failed == 0
    return outcomes


def read_json(s3: S3Client, bucket: str, key: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    return document


def keys(s3: S3Client, bucket: str) -> list[str]:
    return sorted(item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", []))


def test_an_upload_is_transcribed_in_amazon_transcribes_shape(
    s3: S3Client,
    buckets: Buckets,
    service: S3Transcriber,
    load_event: LoadEvent,
    lambda_context: LambdaContext,
) -> None:
    # GIVEN audio uploaded under the input prefix, with a Devanagari key and a space
    meta = put(s3, buckets.input, KEY, encode(speech(TEXT), sample_rate=44_100))
    event = {"Records": [s3_record(load_event, buckets.input, KEY, meta["etag"], meta["size"])]}
    # WHEN the service handles the notification
    result = service.handle(event, lambda_context)
    # THEN the transcript is in the output bucket, under the output prefix
    output = f"transcripts/{KEY}.json"
    assert result == {
        "results": [{"status": "transcribed", "key": KEY, "output": output, "detail": "", "code": ""}]
    }
    document = read_json(s3, buckets.output, output)
    assert document["status"] == "COMPLETED" and document["jobName"] == KEY
    assert document["results"]["transcripts"] == [{"transcript": TEXT}]
    assert document["results"]["language_code"] == "hi-IN"
    items = document["results"]["items"]
    assert [item["alternatives"][0]["content"] for item in items] == TEXT.split()
    assert all(float(item["start_time"]) < float(item["end_time"]) for item in items)
    assert all(0 < float(item["alternatives"][0]["confidence"]) <= 1 for item in items)
    assert document["hindi_asr"]["text"] == TEXT
    assert document["hindi_asr"]["source"] == {
        "bucket": buckets.input,
        "key": KEY,
        "etag": meta["etag"],
        "version_id": "",
    }
    head = s3.head_object(Bucket=buckets.output, Key=output)
    assert head["Metadata"]["source-etag"] == meta["etag"] and head["ContentType"].startswith(
        "application/json"
    )
    assert keys(s3, buckets.input) == [KEY]  # nothing written where it would trigger the function


def test_a_duplicate_delivery_produces_one_result(
    s3: S3Client,
    buckets: Buckets,
    service: S3Transcriber,
    load_event: LoadEvent,
    lambda_context: LambdaContext,
) -> None:
    meta = put(s3, buckets.input, KEY, encode(speech(TEXT)))
    event = {"Records": [s3_record(load_event, buckets.input, KEY, meta["etag"], meta["size"])]}
    first = service.handle(event, lambda_context)
    written = s3.head_object(Bucket=buckets.output, Key=f"transcripts/{KEY}.json")["ETag"]
    second = service.handle(event, lambda_context)
    assert first["results"][0]["status"] == "transcribed" and second["results"][0]["status"] == "duplicate"
    assert keys(s3, buckets.output) == [f"transcripts/{KEY}.json"]
    assert s3.head_object(Bucket=buckets.output, Key=f"transcripts/{KEY}.json")["ETag"] == written


def test_a_bad_object_gets_an_error_record_and_no_retry(
    s3: S3Client,
    buckets: Buckets,
    service: S3Transcriber,
    load_event: LoadEvent,
    lambda_context: LambdaContext,
) -> None:
    key = "uploads/notes.wav"
    meta = put(s3, buckets.input, key, b"these are my notes, not audio")
    event = {"Records": [s3_record(load_event, buckets.input, key, meta["etag"], meta["size"])]}
    result = service.handle(event, lambda_context)  # does not raise: retrying cannot help
    assert result["results"][0]["status"] == "rejected"
    document = read_json(s3, buckets.output, f"errors/{key}.json")
    assert document["status"] == "FAILED" and document["failureReason"].startswith(
        "not a readable audio file"
    )
    assert document["error"]["status"] == 415 and document["error"]["code"] == "undecodable_audio"
    assert keys(s3, buckets.output) == [f"errors/{key}.json"]
    assert service.handle(event, lambda_context)["results"][0]["status"] == "duplicate"


def test_one_bad_record_does_not_fail_the_others(
    s3: S3Client,
    buckets: Buckets,
    service: S3Transcriber,
    load_event: LoadEvent,
    lambda_context: LambdaContext,
) -> None:
    good, bad = (
        put(s3, buckets.input, KEY, encode(speech(TEXT))),
        put(s3, buckets.input, "uploads/x.wav", b"RIFF"),
    )
    elsewhere = put(s3, buckets.input, "other/y.wav", encode(speech("आप")))
    records = [
        s3_record(load_event, buckets.input, KEY, good["etag"], good["size"]),
        s3_record(load_event, buckets.input, "uploads/x.wav", bad["etag"], bad["size"]),
        s3_record(load_event, buckets.input, "other/y.wav", elsewhere["etag"], elsewhere["size"]),
        s3_record(load_event, buckets.input, "uploads/", "", 0),  # a folder marker
    ]
    result = service.handle({"Records": records}, lambda_context)
    assert [r["status"] for r in result["results"]] == ["transcribed", "rejected", "ignored", "ignored"]
    assert keys(s3, buckets.output) == ["errors/uploads/x.wav.json", f"transcripts/{KEY}.json"]


def test_a_failing_record_is_retried_after_the_others_are_done(
    s3: S3Client,
    buckets: Buckets,
    service: S3Transcriber,
    load_event: LoadEvent,
    lambda_context: LambdaContext,
) -> None:
    good = put(s3, buckets.input, KEY, encode(speech(TEXT)))
    missing_bucket = f"no-such-bucket-{uuid.uuid4().hex[:8]}"
    records = [
        s3_record(load_event, missing_bucket, "uploads/a.wav", "0" * 32, 10),
        s3_record(load_event, buckets.input, KEY, good["etag"], good["size"]),
    ]
    with pytest.raises(RecordsFailedError, match="1 of 2 records failed"):
        service.handle({"Records": records}, lambda_context)
    assert keys(s3, buckets.output) == [f"transcripts/{KEY}.json"]


def sqs_message(load_event: LoadEvent, body: str, message_id: str) -> dict[str, Any]:
    message: dict[str, Any] = load_event("sqs-s3-put")["Records"][0]
    message.update(body=body, messageId=message_id)
    return message


def test_sqs_batches_report_only_the_failed_messages(
    s3: S3Client,
    buckets: Buckets,
    service: S3Transcriber,
    load_event: LoadEvent,
    lambda_context: LambdaContext,
) -> None:
    good, bad = (
        put(s3, buckets.input, KEY, encode(speech(TEXT))),
        put(s3, buckets.input, "uploads/b.wav", b""),
    )
    recorded = json.loads(
        load_event("sqs-s3-put")["Records"][0]["body"]
    )  # an S3 notification as SQS carries it
    assert recorded["Records"][0]["eventSource"] == "aws:s3"

    def notification(bucket: str, key: str, meta: dict[str, Any]) -> str:
        return json.dumps({"Records": [s3_record(load_event, bucket, key, meta["etag"], meta["size"])]})

    messages = [
        sqs_message(load_event, notification(buckets.input, KEY, good), "m-good"),
        sqs_message(load_event, notification(buckets.input, "uploads/b.wav", bad), "m-bad-audio"),
        sqs_message(load_event, notification("no-such-bucket-sqs", "uploads/c.wav", good), "m-failing"),
        sqs_message(load_event, "not json", "m-garbage"),
        sqs_message(
            load_event, json.dumps({"Event": "s3:TestEvent", "Bucket": buckets.input}), "m-test-event"
        ),
        sqs_message(load_event, notification(buckets.input, KEY, good), "m-duplicate"),
    ]
    result = service.handle({"Records": messages}, lambda_context)
    assert result == {"batchItemFailures": [{"itemIdentifier": "m-failing"}]}
    assert keys(s3, buckets.output) == ["errors/uploads/b.wav.json", f"transcripts/{KEY}.json"]
    assert read_json(s3, buckets.output, "errors/uploads/b.wav.json")["error"]["code"] == "empty_audio"


def test_a_new_version_replaces_the_result_of_the_old(
    s3: S3Client,
    buckets: Buckets,
    service: S3Transcriber,
    load_event: LoadEvent,
    lambda_context: LambdaContext,
) -> None:
    def upload_and_notify(data: bytes) -> str:
        meta = put(s3, buckets.input, KEY, data)
        event = {"Records": [s3_record(load_event, buckets.input, KEY, meta["etag"], meta["size"])]}
        status: str = service.handle(event, lambda_context)["results"][0]["status"]
        return status

    assert upload_and_notify(encode(speech("आप"))) == "transcribed"
    assert upload_and_notify(encode(speech(TEXT))) == "transcribed"
    assert read_json(s3, buckets.output, f"transcripts/{KEY}.json")["hindi_asr"]["text"] == TEXT
    assert upload_and_notify(b"broken") == "rejected"  # the stale transcript goes
    assert keys(s3, buckets.output) == [f"errors/{KEY}.json"]
    assert upload_and_notify(encode(speech("भारत"))) == "transcribed"  # and the stale error record
    assert keys(s3, buckets.output) == [f"transcripts/{KEY}.json"]


def test_events_about_objects_changed_or_deleted_since_are_ignored(
    s3: S3Client, buckets: Buckets, service: S3Transcriber, load_event: LoadEvent
) -> None:
    old = put(s3, buckets.input, KEY, encode(speech("आप")))
    put(s3, buckets.input, KEY, encode(speech(TEXT)))
    (outcome,) = process(service, s3_record(load_event, buckets.input, KEY, old["etag"], 1))
    assert outcome.status == "ignored"
    (gone,) = process(service, s3_record(load_event, buckets.input, "uploads/gone.wav", "a", 1))
    assert gone.status == "ignored" and keys(s3, buckets.output) == []


def test_a_versioned_object_is_transcribed_only_while_current(
    s3: S3Client, buckets: Buckets, service: S3Transcriber, load_event: LoadEvent
) -> None:
    s3.put_bucket_versioning(Bucket=buckets.input, VersioningConfiguration={"Status": "Enabled"})
    first = put(s3, buckets.input, KEY, encode(speech("आप")))
    second = put(s3, buckets.input, KEY, encode(speech(TEXT)))
    late = s3_record(load_event, buckets.input, KEY, first["etag"], first["size"], version=first["version"])
    current = s3_record(
        load_event, buckets.input, KEY, second["etag"], second["size"], version=second["version"]
    )
    # an older version's event is ignored: the result must describe the object as it now is
    assert [outcome.status for outcome in process(service, late, current)] == ["ignored", "transcribed"]
    document = read_json(s3, buckets.output, f"transcripts/{KEY}.json")
    assert (
        document["hindi_asr"]["text"] == TEXT
        and document["hindi_asr"]["source"]["version_id"] == second["version"]
    )


def test_an_object_over_the_size_limit_is_rejected_unread(
    s3: S3Client, buckets: Buckets, tiny_transcriber: Transcriber, load_event: LoadEvent
) -> None:
    small = make_service(s3, buckets.output, lambda: tiny_transcriber, max_object_bytes=1000)
    meta = put(s3, buckets.input, KEY, encode(speech(TEXT)))
    (outcome,) = process(small, s3_record(load_event, buckets.input, KEY, meta["etag"], 1))
    assert outcome.status == "rejected" and "limit is 1000" in outcome.detail
    assert read_json(s3, buckets.output, f"errors/{KEY}.json")["error"]["code"] == "payload_too_large"


def test_a_missing_model_fails_the_record_instead_of_blaming_the_audio(
    s3: S3Client, buckets: Buckets, load_event: LoadEvent
) -> None:
    def unavailable() -> Transcriber:
        raise ModelUnavailableError("no model.onnx in /opt/model")

    broken = make_service(s3, buckets.output, unavailable)
    meta = put(s3, buckets.input, KEY, encode(speech(TEXT)))
    with pytest.raises(ModelUnavailableError):
        broken.process_record(
            S3EventRecord(s3_record(load_event, buckets.input, KEY, meta["etag"], meta["size"]))
        )
    assert keys(s3, buckets.output) == []


@pytest.mark.parametrize("event", [{}, {"Records": []}, {"detail-type": "Object Created", "detail": {}}])
def test_an_event_from_an_unknown_source_is_a_deployment_error(
    service: S3Transcriber, event: dict[str, Any], lambda_context: LambdaContext
) -> None:
    with pytest.raises(UnsupportedEventError, match="expected S3 event notification records"):
        service.handle(event, lambda_context)


def test_subtitles_are_written_beside_the_json_when_asked(
    s3: S3Client, buckets: Buckets, tiny_transcriber: Transcriber, load_event: LoadEvent
) -> None:
    config = S3Settings(output_bucket=buckets.output, write_subtitles=True)
    service = S3Transcriber(lambda: tiny_transcriber, config, max_object_bytes=10**7, boto3_client=s3)
    good = put(s3, buckets.input, KEY, encode(speech(TEXT)))
    process(service, s3_record(load_event, buckets.input, KEY, good["etag"], good["size"]))
    srt_object = s3.get_object(Bucket=buckets.output, Key=f"transcripts/{KEY}.srt")
    assert srt_object["ContentType"] == "application/x-subrip; charset=utf-8"
    (cue,) = srt.parse(srt_object["Body"].read().decode())
    assert (cue.index, cue.content) == (1, TEXT)
    vtt_text = s3.get_object(Bucket=buckets.output, Key=f"transcripts/{KEY}.vtt")["Body"].read().decode()
    assert [caption.text for caption in webvtt.from_buffer(io.StringIO(vtt_text)).captions] == [TEXT]
    # WHEN a new upload under the same key cannot be transcribed, THEN its old subtitles go too
    bad = put(s3, buckets.input, KEY, b"not audio" * 50)
    process(service, s3_record(load_event, buckets.input, KEY, bad["etag"], bad["size"]))
    assert keys(s3, buckets.output) == [f"errors/{KEY}.json"]


def test_uploads_may_be_longer_than_http_requests(
    s3: S3Client, buckets: Buckets, tiny_model_dir: Path, load_event: LoadEvent
) -> None:
    # GIVEN a transcriber whose own limit (the HTTP API's) is 10 s, and an S3 limit of 4 hours
    transcriber = Transcriber.load(TranscriberOptions(model_dir=tiny_model_dir, max_duration_s=10.0))
    config = S3Settings(output_bucket=buckets.output)
    service = S3Transcriber(
        lambda: transcriber, config, max_object_bytes=10**8, max_duration_s=14_400, boto3_client=s3
    )
    text = " ".join([TEXT] * 12)
    data = encode(speech(text))
    assert len(data) / 2 / 16_000 > 15  # 16-bit mono: well over the transcriber's own limit
    uploaded = put(s3, buckets.input, KEY, data)
    (outcome,) = process(
        service, s3_record(load_event, buckets.input, KEY, uploaded["etag"], uploaded["size"])
    )
    assert outcome.status == "transcribed"
    assert read_json(s3, buckets.output, f"transcripts/{KEY}.json")["hindi_asr"]["text"] == text
