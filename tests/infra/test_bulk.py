"""infra/bulk.py: manifests against moto S3 on 127.0.0.1, s3control requests against botocore's model."""

from __future__ import annotations

import gzip
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from infra.bulk import BulkError, S3Object, Stack, manifest_objects, start, status
from tests.moto_server import moto_server

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3control import S3ControlClient

ACCOUNT = "123456789012"
REGION = "us-east-1"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
JOB_ID = "5d5b6a6e-8a3b-4d35-9f2a-3c0e6a1c2b7f"
AUDIO = ["archive/a.wav", "archive/calls/नमस्ते b.FLAC", "archive/calls/c d.mp3"]
NOT_AUDIO = ["archive/notes.txt", "archive/", "other/e.wav", "archived/f.wav"]


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    with moto_server() as endpoint:
        yield endpoint


@pytest.fixture
def s3(moto_endpoint: str) -> S3Client:
    client: S3Client = boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name=REGION,
        aws_access_key_id=CREDENTIALS["aws_access_key_id"],
        aws_secret_access_key=CREDENTIALS["aws_secret_access_key"],
    )
    return client


@pytest.fixture
def s3control() -> S3ControlClient:
    """A real client (request validation against botocore's model) whose calls a Stubber answers."""
    client: S3ControlClient = boto3.client(
        "s3control",
        region_name=REGION,
        aws_access_key_id=CREDENTIALS["aws_access_key_id"],
        aws_secret_access_key=CREDENTIALS["aws_secret_access_key"],
    )
    return client


@pytest.fixture
def stack(s3: S3Client) -> Stack:
    """A deployed stack's outputs: an archive bucket with its source prefix, an output bucket."""
    suffix = uuid.uuid4().hex[:10]
    archive, output = f"archive-{suffix}", f"output-{suffix}"
    s3.create_bucket(Bucket=archive)
    s3.create_bucket(Bucket=output)
    for key in AUDIO + NOT_AUDIO:
        s3.put_object(Bucket=archive, Key=key, Body=b"RIFF")
    return Stack.from_outputs(
        {
            "BulkJobRoleArn": f"arn:aws:iam::{ACCOUNT}:role/hindi-asr-dev-BulkJobRole-X",
            "TranscriberFunctionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:hindi-asr-dev-s3",
            "OutputBucketName": output,
            "BulkManifestPrefix": "bulk/manifests/",
            "BulkReportPrefix": "bulk/reports/",
            "BulkSource": f"s3://{archive}/archive/",
        }
    )


def expected_job(stack: Stack, fields: list[str]) -> dict[str, Any]:
    return {
        "AccountId": ACCOUNT,
        "ConfirmationRequired": False,
        "Operation": {"LambdaInvoke": {"FunctionArn": stack.function_arn, "InvocationSchemaVersion": "2.0"}},
        "Report": {
            "Bucket": f"arn:aws:s3:::{stack.output_bucket}",
            "Prefix": "bulk/reports",
            "Format": "Report_CSV_20180820",
            "Enabled": True,
            "ReportScope": "AllTasks",
        },
        "ClientRequestToken": ANY,
        "Manifest": {
            "Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": fields},
            "Location": {"ObjectArn": ANY, "ETag": ANY},
        },
        "Description": ANY,
        "Priority": 10,
        "RoleArn": stack.role_arn,
    }


def test_start_writes_a_manifest_of_the_audio_under_the_prefix_and_creates_the_job(
    s3: S3Client, s3control: S3ControlClient, stack: Stack
) -> None:
    # GIVEN audio and other objects in the archive, and s3control answering CreateJob
    sent: dict[str, Any] = {}
    s3control.meta.events.register(
        "before-parameter-build.s3-control.CreateJob", lambda params, **_: sent.update(params)
    )
    with Stubber(s3control) as stubbed:
        stubbed.add_response("create_job", {"JobId": JOB_ID}, expected_job(stack, ["Bucket", "Key"]))
        # WHEN a job is started for the prefix
        started = start(s3, s3control, stack, bucket=stack.source_bucket, prefix="archive/", manifest=None)
        stubbed.assert_no_pending_responses()
    # THEN the manifest lists the audio only, keys URL-encoded, and the job points at it and the report
    manifest_key = started["manifest"].removeprefix(f"s3://{stack.output_bucket}/")
    assert manifest_key.startswith("bulk/manifests/") and manifest_key.endswith(".csv")
    written = s3.get_object(Bucket=stack.output_bucket, Key=manifest_key)
    assert written["Body"].read().decode().splitlines() == [
        f"{stack.source_bucket},archive/a.wav",  # in S3's listing order (UTF-8 bytes)
        f"{stack.source_bucket},archive/calls/c%20d.mp3",
        f"{stack.source_bucket},archive/calls/%E0%A4%A8%E0%A4%AE%E0%A4%B8%E0%A5%8D%E0%A4%A4%E0%A5%87%20b.FLAC",
    ]
    location = sent["Manifest"]["Location"]
    assert location == {
        "ObjectArn": f"arn:aws:s3:::{stack.output_bucket}/{manifest_key}",
        "ETag": written["ETag"],
    }
    assert started == {
        "job_id": JOB_ID,
        "objects": 3,
        "manifest": f"s3://{stack.output_bucket}/{manifest_key}",
        "report": f"s3://{stack.output_bucket}/bulk/reports/job-{JOB_ID}/",
    }


def test_a_csv_manifest_is_filtered_to_the_prefix_and_keeps_versions(
    s3: S3Client, s3control: S3ControlClient, stack: Stack, tmp_path: Path
) -> None:
    csv_file = tmp_path / "list.csv"
    bucket = stack.source_bucket
    csv_file.write_text(
        f"{bucket},archive/a.wav,v1\n{bucket},archive/notes.txt,v2\nother-bucket,archive/x.wav,v3\n"
        f"{bucket},archive/calls/c+d.mp3,v4\n{bucket},archive/a.wav,v1\n",
        encoding="utf-8",
    )
    assert list(manifest_objects(s3, str(csv_file)))[3] == S3Object(bucket, "archive/calls/c d.mp3", "v4")
    with Stubber(s3control) as stubbed:
        stubbed.add_response(
            "create_job", {"JobId": JOB_ID}, expected_job(stack, ["Bucket", "Key", "VersionId"])
        )
        started = start(s3, s3control, stack, bucket=bucket, prefix="archive/", manifest=str(csv_file))
    assert started["objects"] == 2  # a.wav once, c d.mp3; not the text, not the other bucket
    key = started["manifest"].removeprefix(f"s3://{stack.output_bucket}/")
    body = s3.get_object(Bucket=stack.output_bucket, Key=key)["Body"].read().decode()
    assert body.splitlines() == [f"{bucket},archive/a.wav,v1", f"{bucket},archive/calls/c%20d.mp3,v4"]


def test_an_s3_inventory_report_is_read_through_its_manifest_json(s3: S3Client, stack: Stack) -> None:
    # GIVEN an S3 Inventory report (CSV, gzip) delivered to another bucket
    inventory = f"inventory-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=inventory)
    rows = [[stack.source_bucket, "archive/calls/%E0%A4%A8%E0%A4%AE+b.wav", "3", "2024-01-01T00:00:00.000Z"]]
    rows.append([stack.source_bucket, "archive/notes.txt", "9", "2024-01-01T00:00:00.000Z"])
    data = gzip.compress("".join(",".join(f'"{v}"' for v in row) + "\n" for row in rows).encode())
    s3.put_object(Bucket=inventory, Key="inv/data/part-0.csv.gz", Body=data)
    manifest = {
        "sourceBucket": stack.source_bucket,
        "destinationBucket": f"arn:aws:s3:::{inventory}",
        "fileFormat": "CSV",
        "fileSchema": "Bucket, Key, Size, LastModifiedDate",
        "files": [{"key": "inv/data/part-0.csv.gz", "size": len(data), "MD5checksum": "x"}],
    }
    s3.put_object(
        Bucket=inventory, Key="inv/2024-01-02T00-00Z/manifest.json", Body=json.dumps(manifest).encode()
    )
    # WHEN its manifest.json is named
    objects = list(manifest_objects(s3, f"s3://{inventory}/inv/2024-01-02T00-00Z/manifest.json"))
    # THEN its rows are the objects, keys decoded
    assert objects == [
        S3Object(stack.source_bucket, "archive/calls/नम b.wav"),
        S3Object(stack.source_bucket, "archive/notes.txt"),
    ]


def test_a_prefix_the_transcriber_may_not_read_is_refused_before_anything_is_written(
    s3: S3Client, s3control: S3ControlClient, stack: Stack
) -> None:
    with Stubber(s3control), pytest.raises(BulkError, match=r"may read s3://archive-.*/archive/\* only"):
        start(s3, s3control, stack, bucket=stack.source_bucket, prefix="other/", manifest=None)
    with Stubber(s3control), pytest.raises(BulkError, match="BulkSourceBucket=elsewhere"):
        start(s3, s3control, stack, bucket="elsewhere", prefix="archive/", manifest=None)
    assert "Contents" not in s3.list_objects_v2(Bucket=stack.output_bucket)


def test_no_audio_under_the_prefix_is_an_error(
    s3: S3Client, s3control: S3ControlClient, stack: Stack
) -> None:
    with Stubber(s3control), pytest.raises(BulkError, match="no audio objects"):
        start(s3, s3control, stack, bucket=stack.source_bucket, prefix="archive/nothing-here/", manifest=None)


@pytest.mark.parametrize(("state", "report"), [("Active", False), ("Complete", True), ("Failed", True)])
def test_status_reports_progress_and_the_completion_report(
    s3control: S3ControlClient, stack: Stack, state: str, report: bool
) -> None:
    job = {
        "JobId": JOB_ID,
        "Status": state,
        "ProgressSummary": {
            "TotalNumberOfTasks": 3,
            "NumberOfTasksSucceeded": 2,
            "NumberOfTasksFailed": 1,
            "Timers": {"ElapsedTimeInActiveSeconds": 42},
        },
        "FailureReasons": [{"FailureCode": "x", "FailureReason": "task failure threshold"}]
        if state == "Failed"
        else [],
    }
    with Stubber(s3control) as stubbed:
        stubbed.add_response("describe_job", {"Job": job}, {"AccountId": ACCOUNT, "JobId": JOB_ID})
        summary = status(s3control, stack, JOB_ID)
    assert summary["status"] == state
    assert (summary["tasks"], summary["succeeded"], summary["failed"], summary["elapsed_s"]) == (3, 2, 1, 42)
    assert summary["failure_reasons"] == (["task failure threshold"] if state == "Failed" else [])
    assert summary.get("report") == (
        f"s3://{stack.output_bucket}/bulk/reports/job-{JOB_ID}/manifest.json" if report else None
    )


def test_a_stack_without_the_bulk_outputs_is_named() -> None:
    with pytest.raises(BulkError, match=r"no outputs \['BulkJobRoleArn', 'BulkManifestPrefix'"):
        Stack.from_outputs({"TranscriberFunctionArn": "x", "OutputBucketName": "y", "BulkSource": "s3://b/"})
