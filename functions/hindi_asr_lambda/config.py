"""Where the S3 transcriber reads and writes: INPUT_PREFIX, OUTPUT_BUCKET, OUTPUT_PREFIX, ERROR_PREFIX."""

from __future__ import annotations

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class S3Config(BaseSettings):
    """Results go to ``OUTPUT_BUCKET`` (default: the source bucket), under prefixes apart from the input."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore")

    input_prefix: str = "uploads/"
    output_bucket: str | None = None
    output_prefix: str = "transcripts/"
    error_prefix: str = "errors/"

    @model_validator(mode="after")
    def _no_loop(self) -> S3Config:
        if not self.output_bucket:
            for prefix in (self.output_prefix, self.error_prefix):
                if overlaps(prefix, self.input_prefix):
                    raise ValueError(
                        f"output prefix {prefix!r} overlaps INPUT_PREFIX {self.input_prefix!r} in a bucket, "
                        "so results would trigger the function again: set OUTPUT_BUCKET or disjoint prefixes"
                    )
        return self

    def transcript_key(self, key: str) -> str:
        return f"{self.output_prefix}{key}.json"

    def error_key(self, key: str) -> str:
        return f"{self.error_prefix}{key}.json"

    def output_bucket_for(self, source_bucket: str) -> str:
        return self.output_bucket or source_bucket

    def is_input(self, bucket: str, key: str) -> bool:
        """Only keys under the input prefix are transcribed, and never our own outputs."""
        if not key.startswith(self.input_prefix) or key.endswith("/"):
            return False
        same_bucket = self.output_bucket_for(bucket) == bucket
        return not (same_bucket and (key.startswith(self.output_prefix) or key.startswith(self.error_prefix)))


def overlaps(a: str, b: str) -> bool:
    return a.startswith(b) or b.startswith(a)
