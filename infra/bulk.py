"""Bulk transcription of existing S3 objects with S3 Batch Operations invoking the transcriber function.

    python infra/bulk.py start --stack hindi-asr-dev --prefix archive/2024/ [--bucket BUCKET]
                               [--manifest FILE.csv | s3://B/K.csv | s3://B/.../manifest.json]
    python infra/bulk.py status --stack hindi-asr-dev --job JOB_ID

``start`` lists the audio objects under the prefix (or reads them from a CSV manifest, local or in S3, or
from an S3 Inventory report's ``manifest.json``), writes them as a CSV manifest under the stack's
``BulkManifestPrefix``, and creates a Batch Operations job (``LambdaInvoke``, schema 2.0) with the stack's
job role; the completion report goes under ``BulkReportPrefix``. ``status`` prints the job's progress and,
once it has one, where its completion report is. Each prints one JSON line. Transcripts land where uploads'
do (``OutputPrefix<key>.json``, ``ErrorPrefix<key>.json`` in the output bucket).

Only objects the function may read can be transcribed: the stack's ``BulkSourceBucket`` under
``BulkSourcePrefix`` (template parameters). Needs only boto3; the caller needs ``s3:CreateJob``,
``iam:PassRole`` on the job role, ``s3:ListBucket`` / ``s3:GetObject`` on the source (or the manifest),
``s3:PutObject`` on the manifest prefix.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import sys
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import quote, unquote_plus

import boto3

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3control import S3ControlClient
    from mypy_boto3_s3control.literals import JobManifestFieldNameType

# What the runtime decodes (libsndfile): WAV, FLAC, MP3, Ogg Vorbis/Opus, AIFF.
AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg", ".oga", ".opus", ".aif", ".aiff")
CSV_FORMAT: Final = "S3BatchOperations_CSV_20180820"
REPORT_FORMAT: Final = "Report_CSV_20180820"
SCHEMA_VERSION = "2.0"
DEFAULT_PRIORITY = 10


class BulkError(RuntimeError):
    """A request the stack cannot serve; the message says what to change."""


@dataclass(frozen=True)
class Stack:
    """The stack outputs a bulk job needs."""

    role_arn: str
    function_arn: str
    output_bucket: str
    manifest_prefix: str
    report_prefix: str
    source_bucket: str
    source_prefix: str

    @classmethod
    def from_outputs(cls, outputs: dict[str, str]) -> Stack:
        names = {
            "role_arn": "BulkJobRoleArn",
            "function_arn": "TranscriberFunctionArn",
            "output_bucket": "OutputBucketName",
            "manifest_prefix": "BulkManifestPrefix",
            "report_prefix": "BulkReportPrefix",
        }
        missing = sorted(output for output in [*names.values(), "BulkSource"] if output not in outputs)
        if missing:
            raise BulkError(f"the stack has no outputs {missing}: deploy the current template.yaml")
        bucket, _, prefix = outputs["BulkSource"].removeprefix("s3://").partition("/")
        fields = {field: outputs[output] for field, output in names.items()}
        return cls(**fields, source_bucket=bucket, source_prefix=prefix)

    @property
    def account_id(self) -> str:
        return self.role_arn.split(":")[4]

    @property
    def partition(self) -> str:
        return self.role_arn.split(":")[1]

    def bucket_arn(self, bucket: str) -> str:
        return f"arn:{self.partition}:s3:::{bucket}"


@dataclass(frozen=True)
class S3Object:
    bucket: str
    key: str
    version_id: str = ""


def stack_outputs(cloudformation: CloudFormationClient, stack: str) -> dict[str, str]:
    described = cloudformation.describe_stacks(StackName=stack)["Stacks"][0].get("Outputs", [])
    return {o["OutputKey"]: o["OutputValue"] for o in described if "OutputKey" in o and "OutputValue" in o}


def is_audio(key: str) -> bool:
    return key.lower().endswith(AUDIO_SUFFIXES)


def listed(s3: S3Client, bucket: str, prefix: str) -> Iterator[S3Object]:
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            yield S3Object(bucket, item["Key"])


def csv_rows(lines: Iterable[str]) -> Iterator[S3Object]:
    """Rows ``bucket,key[,version]`` of a Batch Operations CSV manifest (keys URL-encoded)."""
    for row in csv.reader(lines):
        if len(row) >= 2:
            yield S3Object(row[0], unquote_plus(row[1]), row[2] if len(row) > 2 else "")


def inventory_rows(s3: S3Client, bucket: str, key: str) -> Iterator[S3Object]:
    """The objects of an S3 Inventory report (CSV format), from its ``manifest.json``."""
    manifest = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    if manifest.get("fileFormat") != "CSV":
        raise BulkError(f"inventory format {manifest.get('fileFormat')!r}: only CSV inventories are read")
    fields = [field.strip() for field in manifest["fileSchema"].split(",")]
    at = {name: fields.index(name) for name in ("Bucket", "Key")}
    version = fields.index("VersionId") if "VersionId" in fields else None
    data_bucket = manifest["destinationBucket"].split(":::")[-1]
    for file in manifest["files"]:
        body = gzip.decompress(s3.get_object(Bucket=data_bucket, Key=file["key"])["Body"].read())
        for row in csv.reader(io.StringIO(body.decode("utf-8"))):
            version_id = row[version] if version is not None else ""
            yield S3Object(row[at["Bucket"]], unquote_plus(row[at["Key"]]), version_id)


def manifest_objects(s3: S3Client, source: str) -> Iterator[S3Object]:
    """The objects a manifest names: a local CSV file, an S3 CSV, or an S3 Inventory ``manifest.json``."""
    if not source.startswith("s3://"):
        with Path(source).open(encoding="utf-8", newline="") as lines:
            yield from csv_rows(lines)
        return
    bucket, _, key = source.removeprefix("s3://").partition("/")
    if key.endswith("manifest.json"):
        yield from inventory_rows(s3, bucket, key)
        return
    text = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
    yield from csv_rows(io.StringIO(text, newline=""))


def selected(objects: Iterable[S3Object], bucket: str, prefix: str) -> list[S3Object]:
    """The audio objects of ``bucket`` under ``prefix``, each once, in manifest order."""
    seen: dict[S3Object, None] = {}
    for obj in objects:
        if obj.bucket == bucket and obj.key.startswith(prefix) and is_audio(obj.key):
            seen.setdefault(obj)
    return list(seen)


def manifest_csv(objects: Iterable[S3Object]) -> bytes:
    """A Batch Operations CSV manifest: bucket, URL-encoded key, version id where there is one."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for obj in objects:
        key = quote(obj.key, safe="/")
        writer.writerow([obj.bucket, key, obj.version_id] if obj.version_id else [obj.bucket, key])
    return buffer.getvalue().encode("utf-8")


def check_readable(stack: Stack, bucket: str, prefix: str) -> None:
    if bucket != stack.source_bucket or not prefix.startswith(stack.source_prefix):
        raise BulkError(
            f"the transcriber may read s3://{stack.source_bucket}/{stack.source_prefix}* only; deploy with "
            f"BulkSourceBucket={bucket} BulkSourcePrefix=<a prefix of {prefix!r}> to transcribe s3://{bucket}/{prefix}"
        )


def start(
    s3: S3Client, s3control: S3ControlClient, stack: Stack, *, bucket: str, prefix: str, manifest: str | None
) -> dict[str, Any]:
    """Write the manifest and create the job; returns what was started."""
    check_readable(stack, bucket, prefix)
    objects = selected(
        manifest_objects(s3, manifest) if manifest else listed(s3, bucket, prefix), bucket, prefix
    )
    if not objects:
        raise BulkError(f"no audio objects ({', '.join(AUDIO_SUFFIXES)}) under s3://{bucket}/{prefix}")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    key = f"{stack.manifest_prefix}{stamp}-{uuid.uuid4().hex[:8]}.csv"
    etag = s3.put_object(
        Bucket=stack.output_bucket, Key=key, Body=manifest_csv(objects), ContentType="text/csv"
    )["ETag"]
    fields: list[JobManifestFieldNameType] = ["Bucket", "Key"]
    if any(obj.version_id for obj in objects):
        fields.append("VersionId")
    job = s3control.create_job(
        AccountId=stack.account_id,
        ConfirmationRequired=False,
        Operation={
            "LambdaInvoke": {"FunctionArn": stack.function_arn, "InvocationSchemaVersion": SCHEMA_VERSION}
        },
        Report={
            "Bucket": stack.bucket_arn(stack.output_bucket),
            "Prefix": stack.report_prefix.rstrip("/"),
            "Format": REPORT_FORMAT,
            "Enabled": True,
            "ReportScope": "AllTasks",
        },
        ClientRequestToken=str(uuid.uuid4()),
        Manifest={
            "Spec": {"Format": CSV_FORMAT, "Fields": fields},
            "Location": {"ObjectArn": f"{stack.bucket_arn(stack.output_bucket)}/{key}", "ETag": etag},
        },
        Description=f"hindi-asr bulk s3://{bucket}/{prefix}"[:256],
        Priority=DEFAULT_PRIORITY,
        RoleArn=stack.role_arn,
    )
    return {
        "job_id": job["JobId"],
        "objects": len(objects),
        "manifest": f"s3://{stack.output_bucket}/{key}",
        "report": report_location(stack, job["JobId"]),
    }


def report_location(stack: Stack, job_id: str) -> str:
    return f"s3://{stack.output_bucket}/{stack.report_prefix.rstrip('/')}/job-{job_id}/"


def status(s3control: S3ControlClient, stack: Stack, job_id: str) -> dict[str, Any]:
    """Progress of a job; the completion report's manifest once the job has finished."""
    job = s3control.describe_job(AccountId=stack.account_id, JobId=job_id)["Job"]
    progress = job.get("ProgressSummary", {})
    summary: dict[str, Any] = {
        "job_id": job_id,
        "status": job.get("Status", ""),
        "tasks": progress.get("TotalNumberOfTasks", 0),
        "succeeded": progress.get("NumberOfTasksSucceeded", 0),
        "failed": progress.get("NumberOfTasksFailed", 0),
        "elapsed_s": progress.get("Timers", {}).get("ElapsedTimeInActiveSeconds", 0),
        "failure_reasons": [reason.get("FailureReason", "") for reason in job.get("FailureReasons", [])],
    }
    if summary["status"] in ("Complete", "Failed", "Cancelled"):
        summary["report"] = report_location(stack, job_id) + "manifest.json"
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--region", default=None)
    commands = parser.add_subparsers(dest="command", required=True)
    start_args = commands.add_parser("start", help="write a manifest and start a job")
    start_args.add_argument("--stack", required=True)
    start_args.add_argument("--prefix", required=True, help="key prefix of the audio to transcribe")
    start_args.add_argument("--bucket", help="default: the bucket of the stack's BulkSource")
    start_args.add_argument(
        "--manifest", help="a CSV manifest (file or s3://) or an S3 Inventory manifest.json"
    )
    status_args = commands.add_parser("status", help="progress and completion report of a job")
    status_args.add_argument("--stack", required=True)
    status_args.add_argument("--job", required=True)
    args = parser.parse_args(argv)

    session = boto3.session.Session(region_name=args.region)
    try:
        stack = Stack.from_outputs(stack_outputs(session.client("cloudformation"), args.stack))
        s3control = session.client("s3control")
        if args.command == "start":
            bucket = args.bucket or stack.source_bucket
            result = start(
                session.client("s3"),
                s3control,
                stack,
                bucket=bucket,
                prefix=args.prefix,
                manifest=args.manifest,
            )
        else:
            result = status(s3control, stack, args.job)
    except BulkError as error:
        sys.stderr.write(f"bulk: {error}\n")
        return 2
    sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
