"""The service's settings: one object with a section per layer, fed by ``HINDI_ASR_*`` environment variables.

``transcriber`` becomes the core's ``TranscriberOptions``; ``limits`` bound what the HTTP API and the S3
transcriber read; ``s3`` says where the S3 transcriber reads and writes. Explicit arguments win over the
environment.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from hindi_asr.decoding import DecodingOptions
from hindi_asr.errors import AsrError
from hindi_asr.options import GraphOptimization, TranscriberOptions

LAMBDA_PAYLOAD_BYTES = 6 * 1024 * 1024  # Lambda's synchronous invocation payload limit
MAX_FILE_DURATION_S = 4 * 3600.0  # Amazon Transcribe's limit for one file
_CORE = TranscriberOptions()  # the core's defaults, stated once


class TranscriberSettings(BaseSettings):
    """``HINDI_ASR_MODEL_DIR``, ``HINDI_ASR_CHUNK_S``, ...: the fields of ``TranscriberOptions``."""

    model_config = SettingsConfigDict(env_prefix="HINDI_ASR_", frozen=True, extra="ignore")

    model_dir: Path = Field(default=_CORE.model_dir, description="model.onnx, tokens.txt, model.json")
    min_duration_s: float = Field(default=_CORE.min_duration_s, description="shortest accepted audio")
    max_duration_s: float = Field(default=_CORE.max_duration_s, description="longest accepted audio")
    chunk_s: float | None = Field(
        default=_CORE.chunk_s, description="longest audio given to the model at once; unset: model.json's"
    )
    overlap_s: float = Field(default=_CORE.overlap_s, description="overlap between neighbouring chunks")
    intra_op_threads: int | None = Field(default=None, description="overrides model.json; 0 = ORT default")
    inter_op_threads: int | None = Field(default=None, description="overrides model.json")
    graph_optimization: GraphOptimization | None = Field(default=None, description="overrides model.json")

    @model_validator(mode="after")
    def _valid_options(self) -> TranscriberSettings:
        self.options()  # the core checks its own ranges; a ValueError here is a ValidationError
        return self

    def options(self) -> TranscriberOptions:
        return TranscriberOptions(**self.model_dump())


class LimitSettings(BaseSettings):
    """``HINDI_ASR_MAX_REQUEST_BYTES`` (HTTP body) and ``HINDI_ASR_MAX_FILE_BYTES`` (S3 object, CLI file)."""

    model_config = SettingsConfigDict(env_prefix="HINDI_ASR_", frozen=True, extra="ignore")

    max_request_bytes: int = Field(default=LAMBDA_PAYLOAD_BYTES, gt=0, description="HTTP request body limit")
    max_file_bytes: int = Field(default=256 * 1024 * 1024, gt=0, description="S3 object / file size limit")
    max_file_duration_s: float = Field(
        default=MAX_FILE_DURATION_S, gt=0, description="longest audio of an S3 upload (streamed from disk)"
    )


def _s3_env(name: str) -> AliasChoices:
    """``HINDI_ASR_S3_<NAME>``, or the unprefixed name that the first template used."""
    return AliasChoices(f"HINDI_ASR_S3_{name}", name)


class S3Settings(BaseSettings):
    """Results go to ``output_bucket`` (default: the source bucket), under prefixes apart from the input."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    input_prefix: str = Field(default="uploads/", validation_alias=_s3_env("INPUT_PREFIX"))
    output_bucket: str | None = Field(default=None, validation_alias=_s3_env("OUTPUT_BUCKET"))
    output_prefix: str = Field(default="transcripts/", validation_alias=_s3_env("OUTPUT_PREFIX"))
    error_prefix: str = Field(default="errors/", validation_alias=_s3_env("ERROR_PREFIX"))
    input_bucket: str | None = Field(
        default=None, validation_alias=_s3_env("INPUT_BUCKET"), description="where POST /uploads presigns to"
    )
    upload_expires_s: int = Field(
        default=900, ge=60, le=3600, validation_alias=_s3_env("UPLOAD_EXPIRES_S"), description="presigned PUT"
    )
    write_subtitles: bool = Field(
        default=False,
        validation_alias=_s3_env("WRITE_SUBTITLES"),
        description=".srt and .vtt beside the JSON",
    )
    hotwords: str = Field(
        default="", validation_alias=_s3_env("HOTWORDS"), description="comma-separated, for every object"
    )
    decoder: str | None = Field(default=None, validation_alias=_s3_env("DECODER"), description="greedy|beam")
    numbers: str | None = Field(default=None, validation_alias=_s3_env("NUMBERS"), description="words|digits")

    @model_validator(mode="after")
    def _valid_decoding(self) -> S3Settings:
        try:
            DecodingOptions.parse(decoder=self.decoder, hotwords=self.hotwords, numbers=self.numbers)
        except AsrError as exc:  # a ValueError here is a ValidationError naming the setting
            raise ValueError(exc.detail) from exc
        return self

    @model_validator(mode="after")
    def _no_loop(self) -> S3Settings:
        if not self.output_bucket:
            for prefix in (self.output_prefix, self.error_prefix):
                if overlaps(prefix, self.input_prefix):
                    raise ValueError(
                        f"output prefix {prefix!r} overlaps the input prefix {self.input_prefix!r} in a "
                        "bucket, so results would trigger the function again: set an output bucket or "
                        "disjoint prefixes"
                    )
        return self

    def transcript_key(self, key: str) -> str:
        return f"{self.output_prefix}{key}.json"

    def error_key(self, key: str) -> str:
        return f"{self.error_prefix}{key}.json"

    def subtitle_key(self, key: str, extension: str) -> str:
        return f"{self.output_prefix}{key}.{extension}"

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


class Settings(BaseModel):
    """Everything the service can be told, by section; each section reads its own environment variables."""

    model_config = ConfigDict(frozen=True)

    transcriber: TranscriberSettings = Field(default_factory=TranscriberSettings)
    limits: LimitSettings = Field(default_factory=LimitSettings)
    s3: S3Settings = Field(default_factory=S3Settings)


@cache
def get_settings() -> Settings:
    """The process-wide settings, read from the environment once."""
    return Settings()
