"""Large files: a presigned S3 upload per job, and the job's state read back from the S3 transcriber's output.

``POST /uploads`` makes a job id (128 random bits) and a presigned PUT for ``<input prefix><job id>/<name>``
whose signature covers the content type and length. The S3 transcriber writes
``<output prefix><key>.json`` (or ``<error prefix><key>.json``), so a job's state is found by listing
``.../<job id>/`` under those prefixes: nothing is stored besides what S3 holds, and a job id only ever
lists its own prefix.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, Protocol

from hindi_asr.errors import (
    InvalidRequestError,
    JobNotFoundError,
    PayloadTooLargeError,
    UnsupportedMediaTypeError,
)
from hindi_asr.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

JOB_ID_BYTES = 16  # 128 bits: unguessable
JOB_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{22}")  # secrets.token_urlsafe(16)
SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
MAX_NAME_CHARS = 100
DEFAULT_NAME = "audio"
AUDIO_TYPE = re.compile(r"(audio/[a-z0-9.+-]+|application/octet-stream|video/(ogg|webm))")
RESULT_SUFFIX = ".json"
SIGNATURE_VERSION = "s3v4"  # SigV2 query signatures would not cover the content length


class JobState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class UploadTicket:
    """Where and how to PUT the file: the URL and the headers the signature covers (besides its length)."""

    job_id: str
    bucket: str
    key: str
    url: str
    headers: dict[str, str]
    expires_in: int


@dataclass(frozen=True)
class JobStatus:
    """``document`` is what the S3 transcriber wrote: the transcript (done) or the error report (failed)."""

    job_id: str
    state: JobState
    document: dict[str, Any] | None = None


class ResultLayout(Protocol):
    """Where the S3 transcriber reads uploads and writes results (the S3 settings)."""

    @property
    def input_prefix(self) -> str: ...

    @property
    def output_prefix(self) -> str: ...

    @property
    def error_prefix(self) -> str: ...


class UploadJobs:
    """Creates upload jobs and reports their state; the S3 client is injected."""

    def __init__(
        self,
        s3: S3Client,
        layout: ResultLayout,
        *,
        input_bucket: str,
        output_bucket: str | None,
        max_bytes: int,
        expires_s: int,
    ) -> None:
        self.s3 = s3
        self.layout = layout
        self.input_bucket = input_bucket
        self.output_bucket = output_bucket or input_bucket
        self.max_bytes = max_bytes
        self.expires_s = expires_s

    @classmethod
    def provider(cls, settings: Settings) -> Callable[[], UploadJobs] | None:
        """The service the S3 settings describe, made on first use; None without an input bucket."""
        input_bucket = settings.s3.input_bucket
        if not input_bucket:
            return None

        @cache
        def build() -> UploadJobs:
            import boto3  # the Lambda runtime has it; `make run` without an input bucket never imports it
            from botocore.config import Config

            return cls(
                boto3.client("s3", config=Config(signature_version=SIGNATURE_VERSION)),
                settings.s3,
                input_bucket=input_bucket,
                output_bucket=settings.s3.output_bucket,
                max_bytes=settings.limits.max_file_bytes,
                expires_s=settings.s3.upload_expires_s,
            )

        return build

    def create(self, filename: str, content_type: str, size: int) -> UploadTicket:
        """A new job and its presigned PUT; raises for a size or type the service would not take."""
        content_type = content_type.strip().lower()
        if not AUDIO_TYPE.fullmatch(content_type):
            shown = content_type or "no content type"
            raise UnsupportedMediaTypeError(
                f"{shown} is not accepted: use audio/* or application/octet-stream"
            )
        if size <= 0:
            raise InvalidRequestError("size must be the file's length in bytes, above 0")
        if size > self.max_bytes:
            raise PayloadTooLargeError(f"the file has {size} bytes; the limit is {self.max_bytes}")
        job_id = secrets.token_urlsafe(JOB_ID_BYTES)
        key = f"{self.layout.input_prefix}{job_id}/{safe_name(filename)}"
        url = self.s3.generate_presigned_url(
            "put_object",
            Params={
                "Bucket": self.input_bucket,
                "Key": key,
                "ContentType": content_type,
                "ContentLength": size,
            },
            ExpiresIn=self.expires_s,
            HttpMethod="PUT",
        )
        headers = {"Content-Type": content_type}
        return UploadTicket(job_id, self.input_bucket, key, url, headers, self.expires_s)

    def status(self, job_id: str) -> JobStatus:
        """Done or failed once the transcriber has written; pending while only the upload exists."""
        if not JOB_ID_PATTERN.fullmatch(job_id):
            raise JobNotFoundError(f"no job {job_id!r}")
        for prefix, state in (
            (self.layout.output_prefix, JobState.DONE),
            (self.layout.error_prefix, JobState.FAILED),
        ):
            key = self._result_key(f"{prefix}{self.layout.input_prefix}{job_id}/")
            if key is not None:
                body = self.s3.get_object(Bucket=self.output_bucket, Key=key)["Body"]
                with body:
                    return JobStatus(job_id, state, json.loads(body.read()))
        if self._keys(self.input_bucket, f"{self.layout.input_prefix}{job_id}/"):
            return JobStatus(job_id, JobState.PENDING)
        raise JobNotFoundError(f"no job {job_id!r}, or its file has not been uploaded yet")

    def _result_key(self, prefix: str) -> str | None:
        """The JSON result under ``prefix`` (subtitles may lie beside it)."""
        results = [key for key in self._keys(self.output_bucket, prefix) if key.endswith(RESULT_SUFFIX)]
        return results[0] if results else None

    def _keys(self, bucket: str, prefix: str) -> list[str]:
        listing = self.s3.list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=10)
        return [item["Key"] for item in listing.get("Contents", [])]


def safe_name(filename: str) -> str:
    """The file's base name with only ``A-Z a-z 0-9 . _ -``, at most ``MAX_NAME_CHARS``, never empty."""
    base = PurePosixPath(filename.replace("\\", "/")).name
    cleaned = SAFE_NAME.sub("_", base).lstrip(".")
    return cleaned[-MAX_NAME_CHARS:] or DEFAULT_NAME
