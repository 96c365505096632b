"""The S3 path under faults, against moto on 127.0.0.1 behind a proxy that injects S3 errors.

The guarantee checked throughout: after the deliveries S3 and Lambda make (duplicates, retries, out of
order), each upload has exactly one current record (a transcript, or an error document), describing
the object as it now is; nothing is transcribed again when a record for it exists; nothing the function
writes triggers it again.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from tests.layers.hindi_asr.tiny_model import encode, speech
from tests.reliability.conftest import MAX_OBJECT_BYTES, put, read_json, results, s3_record, sqs_event
from tests.reliability.faults import FaultyS3
from tests.reliability.lambda_process import LambdaProcess

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

KEY = "uploads/clip.wav"
TEXT, OTHER_TEXT = "नमस्ते आप", "आप कैसे हैं"
GOOD, OTHER = encode(speech(TEXT)), encode(speech(OTHER_TEXT))
NOT_AUDIO = b"these are my notes, not audio"


def notification(*records: dict[str, Any]) -> dict[str, Any]:
    return {"Records": list(records)}


def statuses(result: dict[str, Any] | None) -> list[str]:
    assert result is not None
    return [outcome["status"] for outcome in result["results"]]


def transcript_text(s3: S3Client, bucket: str, key: str) -> str:
    return str(read_json(s3, bucket, f"transcripts/{key}.json")["results"]["transcripts"][0]["transcript"])


# ---------------------------------------------------------------- deliveries


def test_a_duplicate_delivery_reads_and_writes_nothing(
    s3: S3Client, bucket: str, transcriber: LambdaProcess, faults: FaultyS3
) -> None:
    event = notification(put(s3, bucket, KEY, GOOD))
    assert statuses(transcriber.invoke(event).result) == ["transcribed"]
    assert statuses(transcriber.invoke(event).result) == ["duplicate"]
    assert faults.count("GET", KEY) == 1 and faults.count("PUT", KEY) == 1
    assert results(s3, bucket) == [f"transcripts/{KEY}.json"]


def test_out_of_order_deliveries_leave_the_newest_upload_described(
    s3: S3Client, bucket: str, transcriber: LambdaProcess
) -> None:
    # GIVEN a bad upload overwritten by a good one, whose notifications arrive newest first
    old = put(s3, bucket, KEY, NOT_AUDIO)
    new = put(s3, bucket, KEY, GOOD)
    assert statuses(transcriber.invoke(notification(new)).result) == ["transcribed"]
    # WHEN the old notification arrives last
    late = transcriber.invoke(notification(old))
    # THEN it changes nothing: the transcript of the current object is the only record
    assert statuses(late.result) == ["ignored"]
    assert results(s3, bucket) == [f"transcripts/{KEY}.json"]
    assert transcript_text(s3, bucket, KEY) == TEXT


def test_out_of_order_deliveries_on_a_versioned_bucket(
    s3: S3Client, bucket: str, transcriber: LambdaProcess
) -> None:
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    old = put(s3, bucket, KEY, GOOD)
    new = put(s3, bucket, KEY, OTHER)
    assert old["s3"]["object"]["versionId"] != new["s3"]["object"]["versionId"]
    assert statuses(transcriber.invoke(notification(new)).result) == ["transcribed"]
    assert statuses(transcriber.invoke(notification(old)).result) == ["ignored"]
    assert transcript_text(s3, bucket, KEY) == OTHER_TEXT


def test_an_object_deleted_before_it_is_read(s3: S3Client, bucket: str, transcriber: LambdaProcess) -> None:
    event = notification(put(s3, bucket, KEY, GOOD))
    s3.delete_object(Bucket=bucket, Key=KEY)
    result = transcriber.invoke(event)
    assert statuses(result.result) == ["ignored"] and results(s3, bucket) == []


def test_an_object_overwritten_before_it_is_read(
    s3: S3Client, bucket: str, transcriber: LambdaProcess
) -> None:
    first = put(s3, bucket, KEY, NOT_AUDIO)
    second = put(s3, bucket, KEY, GOOD)
    assert statuses(transcriber.invoke(notification(first)).result) == ["ignored"]
    assert results(s3, bucket) == []
    assert statuses(transcriber.invoke(notification(second)).result) == ["transcribed"]
    assert results(s3, bucket) == [f"transcripts/{KEY}.json"]


def test_a_good_upload_replacing_a_bad_one_replaces_its_error_record(
    s3: S3Client, bucket: str, transcriber: LambdaProcess
) -> None:
    assert statuses(transcriber.invoke(notification(put(s3, bucket, KEY, NOT_AUDIO))).result) == ["rejected"]
    assert statuses(transcriber.invoke(notification(put(s3, bucket, KEY, GOOD))).result) == ["transcribed"]
    assert results(s3, bucket) == [f"transcripts/{KEY}.json"]


@pytest.mark.parametrize(
    "key",
    [
        "uploads/with space.wav",
        "uploads/with+plus.wav",
        "uploads/नमस्ते दुनिया.wav",
        "uploads/100% sure.wav",
        "uploads/literal%20escape.wav",
        "uploads/a/b/deep (1).wav",
    ],
)
def test_keys_that_need_encoding(s3: S3Client, bucket: str, transcriber: LambdaProcess, key: str) -> None:
    result = transcriber.invoke(notification(put(s3, bucket, key, GOOD)))
    assert statuses(result.result) == ["transcribed"]
    assert results(s3, bucket) == [f"transcripts/{key}.json"]
    assert read_json(s3, bucket, f"transcripts/{key}.json")["hindi_asr"]["source"]["key"] == key


def test_an_object_over_the_size_limit_gets_an_error_record(
    s3: S3Client, bucket: str, transcriber: LambdaProcess, faults: FaultyS3
) -> None:
    event = notification(put(s3, bucket, KEY, bytes(MAX_OBJECT_BYTES + 1)))
    assert statuses(transcriber.invoke(event).result) == ["rejected"]
    assert statuses(transcriber.invoke(event).result) == ["duplicate"]
    assert read_json(s3, bucket, f"errors/{KEY}.json")["error"]["code"] == "payload_too_large"
    assert faults.count("GET", KEY) == 1


# ---------------------------------------------------------------- S3 errors


def test_a_transient_error_on_read_is_retried(
    s3: S3Client, bucket: str, transcriber: LambdaProcess, faults: FaultyS3
) -> None:
    event = notification(put(s3, bucket, KEY, GOOD))
    faults.inject("GET", KEY, status=503, times=2)
    assert statuses(transcriber.invoke(event).result) == ["transcribed"]
    assert faults.count("GET", KEY, injected=True) == 2 and faults.count("GET", KEY, injected=False) == 1


def test_a_transient_error_on_write_is_retried(
    s3: S3Client, bucket: str, transcriber: LambdaProcess, faults: FaultyS3
) -> None:
    event = notification(put(s3, bucket, KEY, GOOD))
    faults.inject("PUT", f"transcripts/{KEY}", status=500, times=2)
    assert statuses(transcriber.invoke(event).result) == ["transcribed"]
    assert faults.count("PUT", f"transcripts/{KEY}", injected=False) == 1
    assert transcript_text(s3, bucket, KEY) == TEXT


def test_a_failed_write_fails_the_invocation_and_the_retry_completes_it(
    s3: S3Client, bucket: str, transcriber: LambdaProcess, faults: FaultyS3
) -> None:
    good, bad = put(s3, bucket, KEY, GOOD), put(s3, bucket, "uploads/bad.wav", NOT_AUDIO)
    event = notification(good, bad)
    faults.inject("PUT", f"transcripts/{KEY}", status=403)  # not retryable by the client
    first = transcriber.invoke(event)
    assert first.error == "RecordsFailedError"  # Lambda retries the event
    assert results(s3, bucket) == ["errors/uploads/bad.wav.json"]  # the other record is done
    retry = transcriber.invoke(event)
    assert statuses(retry.result) == ["transcribed", "duplicate"]
    assert results(s3, bucket) == ["errors/uploads/bad.wav.json", f"transcripts/{KEY}.json"]


def test_a_crash_between_the_write_and_the_stale_delete_is_repaired_by_the_retry(
    s3: S3Client, bucket: str, transcriber: LambdaProcess, faults: FaultyS3
) -> None:
    # GIVEN a rejected upload, replaced by good audio
    assert statuses(transcriber.invoke(notification(put(s3, bucket, KEY, NOT_AUDIO))).result) == ["rejected"]
    event = notification(put(s3, bucket, KEY, GOOD))
    # WHEN the function dies after writing the transcript, before deleting the outdated error record
    faults.inject("DELETE", f"errors/{KEY}", status=403)
    assert transcriber.invoke(event).error == "RecordsFailedError"
    assert results(s3, bucket) == [f"errors/{KEY}.json", f"transcripts/{KEY}.json"]
    # THEN Lambda's retry leaves the transcript as the only record, without transcribing again
    assert statuses(transcriber.invoke(event).result) == ["duplicate"]
    assert results(s3, bucket) == [f"transcripts/{KEY}.json"]
    assert faults.count("PUT", f"transcripts/{KEY}") == 1


# ---------------------------------------------------------------- poison messages, recursion


def test_poison_sqs_messages_are_not_retried(s3: S3Client, bucket: str, transcriber: LambdaProcess) -> None:
    good = json.dumps(notification(put(s3, bucket, KEY, GOOD)))
    poison = [
        "not json at all",
        '{"Records": "not a list"}',
        '{"Records": [{}]}',
        '{"Records": [{"eventName": "ObjectCreated:Put", "s3": {"object": {}}}]}',
        '{"Service": "Amazon S3", "Event": "s3:TestEvent"}',
        "[]",
    ]
    result = transcriber.invoke(sqs_event(good, *poison))
    assert result.result == {"batchItemFailures": []}, result
    assert results(s3, bucket) == [f"transcripts/{KEY}.json"]


def test_a_malformed_record_does_not_make_lambda_retry_the_event(
    s3: S3Client, bucket: str, transcriber: LambdaProcess
) -> None:
    event = notification(put(s3, bucket, KEY, GOOD), {"eventName": "ObjectCreated:Put"})
    result = transcriber.invoke(event)
    assert statuses(result.result) == ["transcribed", "ignored"], result
    assert results(s3, bucket) == [f"transcripts/{KEY}.json"]


def test_results_written_beside_the_uploads_trigger_nothing(
    s3: S3Client, bucket: str, transcriber: LambdaProcess
) -> None:
    # GIVEN the function writing its results into the bucket of the uploads
    upload, bad = put(s3, bucket, KEY, GOOD), put(s3, bucket, "uploads/bad.wav", NOT_AUDIO)
    assert statuses(transcriber.invoke(notification(upload, bad)).result) == ["transcribed", "rejected"]
    # WHEN S3 announces what the function wrote (as a bucket-wide trigger would)
    written = results(s3, bucket)
    heads = {key: s3.head_object(Bucket=bucket, Key=key) for key in written}
    echoes = [s3_record(bucket, k, h["ETag"].strip('"'), h["ContentLength"]) for k, h in heads.items()]
    # THEN every echo is ignored and nothing more is written: the chain ends
    assert statuses(transcriber.invoke(notification(*echoes)).result) == ["ignored", "ignored"]
    assert results(s3, bucket) == written == ["errors/uploads/bad.wav.json", f"transcripts/{KEY}.json"]
