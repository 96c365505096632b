"""Runtime settings: one pydantic-settings object, fed by ``HINDI_ASR_*`` environment variables."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_DIR = Path(__file__).resolve().parent
EMBEDDED_MODEL_DIR = PACKAGE_DIR / "models" / "default"
LAMBDA_PAYLOAD_BYTES = 6 * 1024 * 1024  # Lambda's synchronous invocation payload limit

GraphOptimization = Literal["disable", "basic", "extended", "layout", "all"]


class Settings(BaseSettings):
    """Everything the runtime can be told; explicit arguments win over the environment."""

    model_config = SettingsConfigDict(env_prefix="HINDI_ASR_", frozen=True, extra="ignore")

    model_dir: Path = Field(
        default=EMBEDDED_MODEL_DIR, description="model directory (model.onnx, tokens.txt, model.json)"
    )
    min_duration_s: float = Field(default=0.3, gt=0, description="shortest accepted audio")
    max_duration_s: float = Field(default=600.0, gt=0, description="longest accepted audio")
    max_request_bytes: int = Field(default=LAMBDA_PAYLOAD_BYTES, gt=0, description="HTTP request body limit")
    max_file_bytes: int = Field(default=256 * 1024 * 1024, gt=0, description="file / S3 object size limit")
    chunk_s: float = Field(default=30.0, ge=2.0, description="longest audio given to the model at once")
    overlap_s: float = Field(default=2.0, ge=0.0, description="overlap between neighbouring chunks")
    intra_op_threads: int | None = Field(
        default=None, ge=0, description="overrides model.json; 0 = ORT default"
    )
    inter_op_threads: int | None = Field(default=None, ge=0, description="overrides model.json")
    graph_optimization: GraphOptimization | None = Field(default=None, description="overrides model.json")

    @model_validator(mode="after")
    def _check_ranges(self) -> Settings:
        if self.min_duration_s >= self.max_duration_s:
            raise ValueError("min_duration_s must be below max_duration_s")
        if self.overlap_s > self.chunk_s / 4:
            raise ValueError("overlap_s must be at most a quarter of chunk_s")
        return self


@cache
def get_settings() -> Settings:
    """The process-wide settings, read from the environment once."""
    return Settings()
