"""The S3 transcriber: audio uploaded under the input prefix -> ``<output prefix><key>.json``.

Accepts S3 event notifications (direct, asynchronous invocation) and SQS messages carrying them (with a
partial batch response). Per record:

- keys outside the input prefix, our own outputs and non-create events are ignored (no loops);
- a result already written for the same ETag and version is a duplicate delivery: nothing is redone
  (but an outdated record of the other kind, left by a crash between write and delete, is removed);
- the current object is read: an event for an upload since overwritten or deleted is ignored;
- a record or SQS message that is not an S3 notification is logged and ignored (retrying cannot help);
- the object is streamed to a temporary file and transcribed while it is decoded, so memory stays flat
  in the audio's length (hours; ``max_duration_s``), and ``.srt``/``.vtt`` go beside the JSON when the
  settings ask for subtitles;
- audio that cannot be transcribed (a 4xx of the HTTP API) gets ``<error prefix><key>.json`` and counts as
  handled, so a bad upload never causes retries;
- decoding choices come from the settings (``HINDI_ASR_S3_HOTWORDS``, ``_DECODER``, ``_NUMBERS``) and
  from the object's user metadata ``hotwords``, ``decoder``, ``numbers`` (the object's hotwords join
  the setting's; its decoder and numbers win). S3 returns non-ASCII metadata RFC 2047-encoded
  (``=?UTF-8?B?...?=``); percent-encoded UTF-8 is accepted too. A bad value is a 422 error document;
- anything else (S3 unavailable, model missing) fails that record only: SQS retries the message, a direct
  invocation raises after the other records are done, and Lambda's retries then skip what was written.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from email.header import decode_header
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, unquote_plus

import boto3
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes import S3Event, SQSRecord
from aws_lambda_powertools.utilities.data_classes.s3_event import S3EventRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.config import Config
from botocore.exceptions import ClientError

from hindi_asr.errors import AsrError, PayloadTooLargeError
from hindi_asr.settings import S3Settings, Settings
from hindi_asr.subtitles import SRT_MEDIA_TYPE, VTT_MEDIA_TYPE, build_cues, to_srt, to_vtt
from hindi_asr.transcribe import DecodingOptions, Transcriber, Transcript, get_transcriber
from hindi_asr_lambda.documents import SourceObject, error_document, transcript_document
from hindi_asr_lambda.observability import add_transcript_metrics, logger, metrics, tracer

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

S3_CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5})
SOURCE_ETAG = "source-etag"  # S3 user metadata on every result: which upload it describes
SOURCE_VERSION = "source-version"
NOT_FOUND = frozenset({"404", "NoSuchKey", "NotFound"})
JSON_CONTENT_TYPE = "application/json; charset=utf-8"
SUBTITLE_TYPES = {"srt": SRT_MEDIA_TYPE, "vtt": VTT_MEDIA_TYPE}
COPY_BUFFER_BYTES = 1 << 20


class Status(StrEnum):
    TRANSCRIBED = "transcribed"
    DUPLICATE = "duplicate"  # a result for the same ETag and version was already written
    REJECTED = "rejected"  # the audio cannot be transcribed: its error record was written
    IGNORED = "ignored"  # not ours to transcribe, or changed or deleted since it was announced


@dataclass(frozen=True)
class Outcome:
    status: Status
    key: str
    output: str = ""
    detail: str = ""
    code: str = ""  # the problem code of a rejected object


class UnsupportedEventError(ValueError):
    """The function is wired to an event source it does not understand (a deployment error)."""


class RecordsFailedError(RuntimeError):
    """Raised after a direct invocation's other records are done, so that Lambda retries the event."""


class S3Transcriber:
    """Processes S3 records with an injected S3 client and transcriber."""

    def __init__(
        self,
        transcriber: Callable[[], Transcriber],
        config: S3Settings,
        *,
        max_object_bytes: int,
        max_duration_s: float | None = None,
        boto3_client: S3Client | None = None,
    ) -> None:
        self.s3 = boto3_client or boto3.client("s3", config=S3_CLIENT_CONFIG)
        self.transcriber = transcriber
        self.config = config
        self.max_object_bytes = max_object_bytes
        self.max_duration_s = max_duration_s  # None: the transcriber's own limit

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Transcriber:
        """The service the environment describes: boto3's S3 client, the process-wide transcriber."""
        return cls(
            partial(get_transcriber, settings.transcriber.options()),
            settings.s3,
            max_object_bytes=settings.limits.max_file_bytes,
            max_duration_s=settings.limits.max_file_duration_s,
        )

    def handle(self, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        """A direct S3 notification, or an SQS batch of them (answered with a partial batch response)."""
        records = event.get("Records")
        if not isinstance(records, list) or not records or not isinstance(records[0], dict):
            raise UnsupportedEventError(
                "expected S3 event notification records, or SQS messages carrying them"
            )
        if records[0].get("eventSource") == "aws:sqs":
            processor = BatchProcessor(event_type=EventType.SQS)
            return dict(process_partial_response(event, self.process_message, processor, context))
        outcomes, failed = self.process_notification(S3Event(event))
        if failed:
            raise RecordsFailedError(
                f"{failed} of {failed + len(outcomes)} records failed; the event will be retried"
            )
        return {"results": [asdict(outcome) for outcome in outcomes]}

    def process_notification(self, event: S3Event) -> tuple[list[Outcome], int]:
        """Every record of a direct S3 notification; returns the outcomes and the number that failed."""
        outcomes, failed = [], 0
        for record in event.records:
            try:
                outcomes.append(self.process_record(record))
            except Exception:  # one record's failure must not stop the others
                logger.exception("record failed", extra={"key": record.s3.get_object.key})
                metrics.add_metric(name="FailedRecords", unit=MetricUnit.Count, value=1)
                failed += 1
        return outcomes, failed

    def process_message(self, record: SQSRecord) -> list[Outcome]:
        """One SQS message holding an S3 notification; raising marks the message as failed."""
        try:
            body = json.loads(record.body)
        except ValueError:
            logger.error("SQS message is not an S3 notification", extra={"message_id": record.message_id})
            return []
        if not isinstance(body, dict) or "Records" not in body:  # e.g. s3:TestEvent on configuration
            logger.info("SQS message without S3 records ignored", extra={"message_id": record.message_id})
            return []
        records = body["Records"]
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            logger.error(
                "SQS message with malformed records ignored", extra={"message_id": record.message_id}
            )
            metrics.add_metric(name="MalformedRecords", unit=MetricUnit.Count, value=1)
            return []
        try:
            return [self.process_record(s3_record) for s3_record in S3Event(body).records]
        except Exception:
            metrics.add_metric(name="FailedRecords", unit=MetricUnit.Count, value=1)
            raise  # the batch processor reports the message in batchItemFailures

    @tracer.capture_method(capture_response=False)
    def process_record(self, record: S3EventRecord) -> Outcome:
        try:
            source, event_name = _source(record), record.event_name
        except (KeyError, TypeError, AttributeError) as exc:  # retrying cannot make it readable
            logger.error("malformed record ignored", extra={"error": repr(exc)})
            metrics.add_metric(name="MalformedRecords", unit=MetricUnit.Count, value=1)
            return Outcome(Status.IGNORED, "", detail="not an S3 object notification record")
        logger.append_keys(object_key=source.key)
        if not event_name.startswith("ObjectCreated") or not self.config.is_input(source.bucket, source.key):
            logger.info("ignored", extra={"event_name": event_name})
            return Outcome(Status.IGNORED, source.key, detail="not a new object under the input prefix")
        return self.transcribe(source)

    def describe(self, bucket: str, key: str, version_id: str | None = None) -> SourceObject:
        """The object as it is now (HEAD): S3 Batch Operations tasks name a key but carry no ETag."""
        if version_id:
            head = self.s3.head_object(Bucket=bucket, Key=key, VersionId=version_id)
        else:
            head = self.s3.head_object(Bucket=bucket, Key=key)
        return SourceObject(bucket, key, etag=head["ETag"].strip('"'), version_id=head.get("VersionId") or "")

    def transcribe(self, source: SourceObject) -> Outcome:
        """Transcribe one object once per ETag and version; write its transcript or its error record."""
        bucket = self.config.output_bucket_for(source.bucket)
        transcript_key, error_key = self.config.transcript_key(source.key), self.config.error_key(source.key)
        for done, stale in ((transcript_key, error_key), (error_key, transcript_key)):
            if self._describes(bucket, done, source):
                logger.info("duplicate delivery", extra={"output": done})
                metrics.add_metric(name="DuplicateDeliveries", unit=MetricUnit.Count, value=1)
                if self._is_current(source):  # a retry after a crash between write and delete: finish it
                    self.s3.delete_object(Bucket=bucket, Key=stale)
                    if done == error_key:
                        self._delete_subtitles(bucket, source)
                return Outcome(Status.DUPLICATE, source.key, output=done)
        try:
            transcript = self._transcribe(source)
            if transcript is None:
                return Outcome(
                    Status.IGNORED, source.key, detail="the object changed or was deleted since the event"
                )
        except AsrError as error:
            if not error.is_client_error:
                raise
            self._write(bucket, error_key, error_document(error, source), source, stale=transcript_key)
            self._delete_subtitles(bucket, source)
            logger.warning(
                "rejected", extra={"code": error.code, "detail": error.detail, "output": error_key}
            )
            metrics.add_metric(name="RejectedObjects", unit=MetricUnit.Count, value=1)
            return Outcome(
                Status.REJECTED, source.key, output=error_key, detail=error.detail, code=error.code
            )
        self._write(bucket, transcript_key, transcript_document(transcript, source), source, stale=error_key)
        if self.config.write_subtitles:
            self._write_subtitles(bucket, transcript, source)
        logger.info("transcribed", extra={"output": transcript_key, "duration_s": transcript.duration_s})
        add_transcript_metrics(transcript)
        return Outcome(Status.TRANSCRIBED, source.key, output=transcript_key)

    def _describes(self, bucket: str, key: str, source: SourceObject) -> bool:
        """Whether ``key`` exists and was written for this very upload (same ETag and version)."""
        try:
            head = self.s3.head_object(Bucket=bucket, Key=key)
        except ClientError as exc:
            if _error_code(exc) in NOT_FOUND:
                return False
            raise
        written_for = head.get("Metadata", {})
        return (
            written_for.get(SOURCE_ETAG) == source.etag
            and written_for.get(SOURCE_VERSION, "") == source.version_id
        )

    def _transcribe(self, source: SourceObject) -> Transcript | None:
        """Download the object to a temporary file and transcribe it; None if it is gone or changed."""
        with tempfile.TemporaryDirectory(prefix="hindi-asr-") as directory:
            path = Path(directory) / "audio"
            metadata = self._download(source, path)
            if metadata is None:
                return None
            transcriber = self.transcriber()
            decoding = self._decoding(transcriber, metadata)
            return transcriber.transcribe_file(path, decoding, max_duration_s=self.max_duration_s)

    def _decoding(self, transcriber: Transcriber, metadata: Mapping[str, str]) -> DecodingOptions:
        """The settings' choices with the object's user metadata; ``InvalidDecodingOptionsError`` if bad."""
        hotwords = [self.config.hotwords, metadata_text(metadata.get("hotwords", ""))]
        return transcriber.decoding_options(
            decoder=metadata_text(metadata.get("decoder", "")) or self.config.decoder,
            hotwords=",".join(part for part in hotwords if part),
            numbers=metadata_text(metadata.get("numbers", "")) or self.config.numbers,
        )

    def _is_current(self, source: SourceObject) -> bool:
        """Whether the key still holds the upload the event announced."""
        try:
            head = self.s3.head_object(Bucket=source.bucket, Key=source.key)
        except ClientError as exc:
            if _error_code(exc) in NOT_FOUND:
                return False
            raise
        return _same_upload(head, source)

    def _download(self, source: SourceObject, path: Path) -> dict[str, str] | None:
        """Stream the object into ``path``; its user metadata, or None if it is gone or no longer the
        announced upload. The current object is read, not the event's version: on a versioned bucket a
        late event for an older version must not overwrite the result of a newer one."""
        try:
            response = self.s3.get_object(Bucket=source.bucket, Key=source.key)
        except ClientError as exc:
            if _error_code(exc) in NOT_FOUND:
                return None
            raise
        body = response["Body"]
        with body:
            if not _same_upload(response, source):
                return None
            size = response.get("ContentLength", 0)
            if size > self.max_object_bytes:
                raise PayloadTooLargeError(
                    f"the object has {size} bytes; the limit is {self.max_object_bytes}"
                )
            with path.open("wb") as file:
                shutil.copyfileobj(body, file, COPY_BUFFER_BYTES)
        return dict(response.get("Metadata", {}))

    def _write_subtitles(self, bucket: str, transcript: Transcript, source: SourceObject) -> None:
        cues = build_cues(transcript.words)
        for extension, text in (("srt", to_srt(cues)), ("vtt", to_vtt(cues))):
            self.s3.put_object(
                Bucket=bucket,
                Key=self.config.subtitle_key(source.key, extension),
                Body=text.encode(),
                ContentType=f"{SUBTITLE_TYPES[extension]}; charset=utf-8",
                Metadata={SOURCE_ETAG: source.etag, SOURCE_VERSION: source.version_id},
            )

    def _delete_subtitles(self, bucket: str, source: SourceObject) -> None:
        """Subtitles of an earlier upload under the same key are outdated once this one fails."""
        if self.config.write_subtitles:
            for extension in SUBTITLE_TYPES:
                self.s3.delete_object(Bucket=bucket, Key=self.config.subtitle_key(source.key, extension))

    def _write(
        self, bucket: str, key: str, document: dict[str, Any], source: SourceObject, *, stale: str
    ) -> None:
        """Write ``document`` tagged with its source; remove the other kind of result, now outdated."""
        self.s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=json.dumps(document, ensure_ascii=False, indent=1).encode(),
            ContentType=JSON_CONTENT_TYPE,
            Metadata={SOURCE_ETAG: source.etag, SOURCE_VERSION: source.version_id},
        )
        self.s3.delete_object(Bucket=bucket, Key=stale)


def _source(record: S3EventRecord) -> SourceObject:
    obj = record.s3.get_object
    return SourceObject(
        bucket=record.s3.bucket.name,
        key=unquote_plus(obj.key),  # notification keys are URL-encoded
        etag=obj.etag.strip('"'),
        version_id=obj.version_id or "",
    )


def metadata_text(value: str) -> str:
    """A user metadata value as text: RFC 2047 (how S3 returns non-ASCII values) or percent-encoded."""
    if value.startswith("=?"):
        parts = decode_header(value)
        return "".join(
            part.decode(charset or "utf-8", errors="replace") if isinstance(part, bytes) else part
            for part, charset in parts
        )
    return unquote(value)


def _same_upload(response: Mapping[str, Any], source: SourceObject) -> bool:
    """A GET or HEAD response describes the announced upload (same ETag; same version if versioned)."""
    if source.etag and response.get("ETag", "").strip('"') != source.etag:
        return False
    return not source.version_id or response.get("VersionId") == source.version_id


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
