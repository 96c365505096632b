"""The whole service on this machine, no AWS account: ``make offline`` (``python -m infra.offline``).

- moto's S3 and SQS server on 127.0.0.1 stands in for the input and output buckets;
- the input bucket notifies an SQS queue of new uploads (as S3 can notify Lambda through SQS), and a
  small loop here hands each message to the S3 transcriber's service, as Lambda's SQS trigger would;
- the API (page, ``POST /uploads``, ``GET /transcripts/{job_id}``) runs under uvicorn, presigning
  uploads for the moto endpoint, so the page's large-file path works end to end in a browser.
"""

from __future__ import annotations

import argparse
import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import boto3
import uvicorn
from aws_lambda_powertools.utilities.data_classes import SQSRecord
from botocore.config import Config
from moto.server import ThreadedMotoServer

from hindi_asr.api.app import create_app
from hindi_asr.api.upload_jobs import UploadJobs
from hindi_asr.settings import Settings, get_settings
from hindi_asr.transcribe import Transcriber, get_transcriber

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient

    from hindi_asr_lambda.s3_service import S3Transcriber

logger = logging.getLogger("hindi_asr.offline")

HOST = "127.0.0.1"
REGION: Final = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
CREDENTIALS = {"aws_access_key_id": "offline", "aws_secret_access_key": "offline"}
POLL_WAIT_S = 1


@dataclass(frozen=True)
class OfflineS3:
    """The moto endpoint and what was made on it."""

    endpoint: str
    input_bucket: str
    output_bucket: str
    queue_url: str
    s3: S3Client
    sqs: SQSClient


@contextmanager
def moto_server(port: int = 0) -> Iterator[str]:
    """moto (S3, SQS, ...) on 127.0.0.1; yields its endpoint URL, stops it afterwards."""
    server = ThreadedMotoServer(ip_address=HOST, port=port, verbose=False)
    server.start()
    host, bound = server.get_host_and_port()
    try:
        yield f"http://{host}:{bound}"
    finally:
        server.stop()


def provision(endpoint: str, input_prefix: str) -> OfflineS3:
    """Input and output buckets, and S3 -> SQS notifications for new objects under the input prefix."""
    options: dict[str, Any] = {"endpoint_url": endpoint, "region_name": REGION, **CREDENTIALS}
    s3: S3Client = boto3.client("s3", config=Config(signature_version="s3v4"), **options)
    sqs: SQSClient = boto3.client("sqs", **options)
    suffix = uuid.uuid4().hex[:8]
    input_bucket, output_bucket = f"hindi-asr-input-{suffix}", f"hindi-asr-output-{suffix}"
    for bucket in (input_bucket, output_bucket):
        s3.create_bucket(Bucket=bucket)
    queue_url = sqs.create_queue(QueueName=f"hindi-asr-uploads-{suffix}")["QueueUrl"]
    queue_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:hindi-asr-uploads-{suffix}"
    s3.put_bucket_notification_configuration(
        Bucket=input_bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": queue_arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": input_prefix}]}},
                }
            ]
        },
    )
    return OfflineS3(endpoint, input_bucket, output_bucket, queue_url, s3, sqs)


class NotificationLoop:
    """Polls the queue and hands each message to the transcriber service, like Lambda's SQS trigger."""

    def __init__(self, stack: OfflineS3, service: S3Transcriber, on_message: Callable[[], None]) -> None:
        self.stack = stack
        self.service = service
        self.on_message = on_message
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="s3-notifications", daemon=True)

    def __enter__(self) -> NotificationLoop:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.is_set():
            received = self.stack.sqs.receive_message(
                QueueUrl=self.stack.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=POLL_WAIT_S
            )
            for message in received.get("Messages", []):
                record = SQSRecord(
                    {
                        "messageId": message["MessageId"],
                        "receiptHandle": message["ReceiptHandle"],
                        "body": message["Body"],
                        "eventSource": "aws:sqs",
                        "awsRegion": REGION,
                    }
                )
                try:
                    outcomes = self.service.process_message(record)
                except Exception:  # left on the queue: delivered again, as SQS would
                    logger.exception("message %s failed", message["MessageId"])
                    continue
                finally:
                    self.on_message()
                for outcome in outcomes:
                    logger.info("%s: %s %s", outcome.key, outcome.status, outcome.output)
                self.stack.sqs.delete_message(
                    QueueUrl=self.stack.queue_url, ReceiptHandle=message["ReceiptHandle"]
                )


@contextmanager
def offline_stack(
    settings: Settings, transcriber: Callable[[], Transcriber], *, s3_port: int = 0
) -> Iterator[tuple[OfflineS3, UploadJobs]]:
    """moto, the buckets and the notification loop; yields the stack and the API's upload service."""
    # Imported here: the Lambda package sets up Powertools when imported, which tests do at their own time.
    from hindi_asr_lambda.observability import metrics
    from hindi_asr_lambda.s3_service import S3Transcriber

    with moto_server(s3_port) as endpoint:
        stack = provision(endpoint, settings.s3.input_prefix)
        s3_settings = settings.s3.model_copy(
            update={"input_bucket": stack.input_bucket, "output_bucket": stack.output_bucket}
        )
        service = S3Transcriber(
            transcriber,
            s3_settings,
            max_object_bytes=settings.limits.max_file_bytes,
            max_duration_s=settings.limits.max_file_duration_s,
            boto3_client=stack.s3,
        )
        jobs = UploadJobs(
            stack.s3,
            s3_settings,
            input_bucket=stack.input_bucket,
            output_bucket=stack.output_bucket,
            max_bytes=settings.limits.max_file_bytes,
            expires_s=s3_settings.upload_expires_s,
        )
        # Lambda's log_metrics would flush each invocation's metrics to CloudWatch; offline they are dropped.
        with NotificationLoop(stack, service, on_message=metrics.clear_metrics):
            yield stack, jobs


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=8000, help="the API and page (default 8000)")
    parser.add_argument("--s3-port", type=int, default=0, help="moto's port (default: a free one)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = get_settings()

    def transcriber() -> Transcriber:
        return get_transcriber(settings.transcriber.options())

    with offline_stack(settings, transcriber, s3_port=args.s3_port) as (stack, jobs):
        logger.info(
            "moto S3/SQS on %s: buckets %s -> %s", stack.endpoint, stack.input_bucket, stack.output_bucket
        )
        app = create_app(settings, transcriber_provider=transcriber, upload_jobs_provider=lambda: jobs)
        logger.info("open http://%s:%d/", HOST, args.port)
        uvicorn.run(app, host=HOST, port=args.port, log_level="info")


if __name__ == "__main__":
    main()
