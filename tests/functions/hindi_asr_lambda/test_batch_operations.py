"""S3 Batch Operations tasks (recorded schema 2.0 and 1.0 events) into the S3 service, against moto S3."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote_plus

import boto3
import pytest
from aws_lambda_powertools.utilities.data_classes import S3BatchOperationEvent
from botocore.awsrequest import AWSRequest, AWSResponse
from botocore.compat import HTTPHeaders
from botocore.config import Config

from hindi_asr.errors import ModelUnavailableError
from hindi_asr.transcribe import Transcriber
from hindi_asr_lambda.batch_operations import answer
from hindi_asr_lambda.s3_service import S3Transcriber
from tests.layers.hindi_asr.tiny_model import encode, speech

from .conftest import CREDENTIALS, REGION, Buckets
from .test_s3_service import make_service
from .test_s3_transcriber import invoke_fresh

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

KEY = "archive/2024/नमस्ते clip.wav"  # outside the upload prefix: bulk jobs read existing archives
TEXT = "नमस्ते आप कैसे हैं"
LoadEvent = Callable[[str], dict[str, Any]]
SLOW_DOWN = b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"


def client(endpoint: str, max_attempts: int) -> S3Client:
    s3: S3Client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        config=Config(retries={"mode": "standard", "total_max_attempts": max_attempts}),
        aws_access_key_id=CREDENTIALS["aws_access_key_id"],
        aws_secret_access_key=CREDENTIALS["aws_secret_access_key"],
    )
    return s3


@pytest.fixture
def service(s3: S3Client, buckets: Buckets, tiny_transcriber: Transcriber) -> S3Transcriber:
    return make_service(s3, buckets.output, lambda: tiny_transcriber)


def run_task(service: S3Transcriber, event: dict[str, Any]) -> dict[str, Any]:
    """What the handler answers to a Batch Operations invocation."""
    return answer(S3BatchOperationEvent(event), service)


def task_event(
    load_event: LoadEvent, schema: str, bucket: str, key: str, version: str | None = None
) -> dict[str, Any]:
    """The recorded invocation, about this object (its key URL-encoded, as in a CSV manifest)."""
    event = load_event(f"s3-batch-operations-{schema}")
    task = event["tasks"][0]
    task.update(s3Key=quote_plus(key, safe="/"), s3VersionId=version)
    if schema == "v1":
        task["s3BucketArn"] = f"arn:aws:s3:::{bucket}"
    else:
        task["s3Bucket"] = bucket
    return event


def put(s3: S3Client, bucket: str, key: str, data: bytes) -> str:
    return s3.put_object(Bucket=bucket, Key=key, Body=data)["ETag"].strip('"')


def result(response: dict[str, Any]) -> tuple[str, str]:
    (only,) = response["results"]
    return only["resultCode"], only["resultString"]


def keys(s3: S3Client, bucket: str) -> list[str]:
    return sorted(item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", []))


def read_json(s3: S3Client, bucket: str, key: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    return document


@pytest.mark.parametrize("schema", ["v2", "v1"])
def test_a_task_is_transcribed_like_an_upload(
    schema: str,
    s3: S3Client,
    buckets: Buckets,
    service: S3Transcriber,
    load_event: LoadEvent,
) -> None:
    # GIVEN an archived clip, and the Batch Operations task naming it
    etag = put(s3, buckets.input, KEY, encode(speech(TEXT), sample_rate=44_100))
    event = task_event(load_event, schema, buckets.input, KEY)
    # WHEN the function gets the task
    response = run_task(service, event)
    # THEN it answers the one task, and the transcript is where an upload's would be
    output = f"transcripts/{KEY}.json"
    assert response == {
        "invocationSchemaVersion": event["invocationSchemaVersion"],
        "treatMissingKeysAs": "PermanentFailure",
        "invocationId": event["invocationId"],
        "results": [
            {"taskId": event["tasks"][0]["taskId"], "resultCode": "Succeeded", "resultString": output}
        ],
    }
    document = read_json(s3, buckets.output, output)
    assert document["results"]["transcripts"] == [{"transcript": TEXT}]
    assert document["hindi_asr"]["source"] == {
        "bucket": buckets.input,
        "key": KEY,
        "etag": etag,
        "version_id": "",
    }
    assert s3.head_object(Bucket=buckets.output, Key=output)["Metadata"]["source-etag"] == etag


def test_a_task_run_again_is_not_transcribed_again(
    s3: S3Client,
    buckets: Buckets,
    service: S3Transcriber,
    load_event: LoadEvent,
) -> None:
    put(s3, buckets.input, KEY, encode(speech(TEXT)))
    event = task_event(load_event, "v2", buckets.input, KEY)
    assert result(run_task(service, event))[0] == "Succeeded"
    written = s3.head_object(Bucket=buckets.output, Key=f"transcripts/{KEY}.json")
    # WHEN the same object comes again (a retried task, a job run twice)
    assert result(run_task(service, event)) == ("Succeeded", f"transcripts/{KEY}.json")
    # THEN the result is the one written first
    again = s3.head_object(Bucket=buckets.output, Key=f"transcripts/{KEY}.json")
    assert again["ETag"] == written["ETag"] and again["LastModified"] == written["LastModified"]
    # AND a new upload under the same key is a new ETag: transcribed anew
    put(s3, buckets.input, KEY, encode(speech("भारत")))
    assert result(run_task(service, event))[0] == "Succeeded"
    assert read_json(s3, buckets.output, f"transcripts/{KEY}.json")["hindi_asr"]["text"] == "भारत"


def test_bad_audio_is_a_permanent_failure_with_its_problem_code(
    s3: S3Client,
    buckets: Buckets,
    service: S3Transcriber,
    load_event: LoadEvent,
) -> None:
    key = "archive/notes.wav"
    put(s3, buckets.input, key, b"these are my notes, not audio")
    response = run_task(service, task_event(load_event, "v2", buckets.input, key))
    assert result(response) == ("PermanentFailure", f"undecodable_audio: errors/{key}.json")
    document = read_json(s3, buckets.output, f"errors/{key}.json")  # as an upload's error record
    assert document["status"] == "FAILED" and document["error"]["code"] == "undecodable_audio"
    assert keys(s3, buckets.output) == [f"errors/{key}.json"]


def test_a_missing_object_is_a_permanent_failure_and_writes_nothing(
    s3: S3Client,
    buckets: Buckets,
    service: S3Transcriber,
    load_event: LoadEvent,
) -> None:
    response = run_task(service, task_event(load_event, "v1", buckets.input, "archive/gone.wav"))
    assert result(response) == ("PermanentFailure", "object_not_found")
    assert keys(s3, buckets.output) == []


def test_throttled_s3_is_a_temporary_failure_after_the_clients_retries(
    moto_endpoint: str,
    s3: S3Client,
    buckets: Buckets,
    tiny_transcriber: Transcriber,
    load_event: LoadEvent,
) -> None:
    # GIVEN S3 answering every GetObject with 503 SlowDown, and a client that tries twice
    put(s3, buckets.input, KEY, encode(speech(TEXT)))
    throttled = client(moto_endpoint, max_attempts=2)
    sent: list[str] = []

    def slow_down(request: AWSRequest, **_: Any) -> Any:  # a response here replaces sending the request
        sent.append(str(request.url))
        headers = HTTPHeaders()
        headers["Content-Type"] = "application/xml"
        return AWSResponse(str(request.url), 503, headers, _Raw(SLOW_DOWN))

    throttled.meta.events.register("before-send.s3.GetObject", slow_down)
    service = make_service(throttled, buckets.output, lambda: tiny_transcriber)
    response = run_task(service, task_event(load_event, "v2", buckets.input, KEY))
    # THEN Batch Operations is told to retry the task, and nothing was written
    assert result(response) == ("TemporaryFailure", "s3_error: SlowDown")
    assert len(sent) == 2 and keys(s3, buckets.output) == []


def test_an_unreachable_s3_is_a_temporary_failure(
    buckets: Buckets, tiny_transcriber: Transcriber, load_event: LoadEvent
) -> None:
    unreachable = client("http://127.0.0.1:9", max_attempts=1)  # the discard port: nothing listens
    service = make_service(unreachable, buckets.output, lambda: tiny_transcriber)
    response = run_task(service, task_event(load_event, "v2", buckets.input, KEY))
    assert result(response) == ("TemporaryFailure", "network_error: EndpointConnectionError")


def test_a_missing_model_is_a_temporary_failure(
    s3: S3Client, buckets: Buckets, load_event: LoadEvent
) -> None:
    def unavailable() -> Transcriber:
        raise ModelUnavailableError("no model.onnx in /opt/model")

    put(s3, buckets.input, KEY, encode(speech(TEXT)))
    service = make_service(s3, buckets.output, unavailable)
    response = run_task(service, task_event(load_event, "v2", buckets.input, KEY))
    assert result(response) == ("TemporaryFailure", "model_unavailable") and keys(s3, buckets.output) == []


def test_a_versioned_task_is_transcribed_only_while_current(
    s3: S3Client,
    buckets: Buckets,
    service: S3Transcriber,
    load_event: LoadEvent,
) -> None:
    # GIVEN a versioned bucket whose key was overwritten after the manifest listed its first version
    s3.put_bucket_versioning(Bucket=buckets.input, VersioningConfiguration={"Status": "Enabled"})
    first = s3.put_object(Bucket=buckets.input, Key=KEY, Body=encode(speech("आप")))["VersionId"]
    current = s3.put_object(Bucket=buckets.input, Key=KEY, Body=encode(speech(TEXT)))["VersionId"]
    # WHEN a task names the superseded version, THEN it fails for good and writes nothing
    stale = run_task(service, task_event(load_event, "v2", buckets.input, KEY, version=first))
    assert result(stale)[0] == "PermanentFailure" and result(stale)[1].startswith("object_superseded")
    assert keys(s3, buckets.output) == []
    # WHEN a task names the current version, THEN that version is transcribed
    fresh = run_task(service, task_event(load_event, "v2", buckets.input, KEY, version=current))
    assert result(fresh)[0] == "Succeeded"
    source = read_json(s3, buckets.output, f"transcripts/{KEY}.json")["hindi_asr"]
    assert source["source"]["version_id"] == current


class _Raw:
    """The raw body botocore reads an error response from."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.data


def test_the_handler_routes_batch_operations_tasks_to_the_service(
    moto_endpoint: str, s3: S3Client, buckets: Buckets, tiny_model_dir: Path, load_event: LoadEvent
) -> None:
    # GIVEN the function as Lambda runs it: a fresh process configured by the environment alone
    put(s3, buckets.input, KEY, encode(speech(TEXT)))
    event = task_event(load_event, "v2", buckets.input, KEY)
    # WHEN the handler gets a Batch Operations invocation
    reply = invoke_fresh(event, moto_endpoint, tiny_model_dir, HINDI_ASR_S3_OUTPUT_BUCKET=buckets.output)
    # THEN it answers the task in Batch Operations' shape, and the transcript is written
    assert result(reply) == ("Succeeded", f"transcripts/{KEY}.json")
    assert read_json(s3, buckets.output, f"transcripts/{KEY}.json")["hindi_asr"]["text"] == TEXT
