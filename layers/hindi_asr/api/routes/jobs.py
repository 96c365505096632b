"""``POST /uploads`` and ``GET /transcripts/{job_id}``: audio of any length through S3, results by job id."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from hindi_asr.api.deps import UploadJobsDep
from hindi_asr.api.formats import FormatQuery, OutputFormat, subtitle_openapi, subtitle_response
from hindi_asr.api.schemas import (
    TRANSCRIPT_EXAMPLE,
    JsonResponse,
    ProblemResponse,
    TranscriptionResponse,
    problem_responses,
)
from hindi_asr.api.upload_jobs import JobState
from hindi_asr.decoding import Word

router = APIRouter(tags=["large files"])
RETRY_AFTER_S = 2
JOB_EXAMPLE = "q3Hc0dXyS0m4l9yq8lqVxw"


class UploadRequest(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"filename": "lecture.mp3", "content_type": "audio/mpeg", "size": 73400320}]
        }
    )

    filename: str = Field(
        min_length=1, max_length=1024, description="kept as the object's name, made S3-safe"
    )
    content_type: str = Field(max_length=255, description="audio/* or application/octet-stream")
    size: int = Field(gt=0, description="exact length in bytes: the signature covers it")


class UploadTarget(BaseModel):
    method: Literal["PUT"] = "PUT"
    url: str = Field(description="presigned S3 URL")
    headers: dict[str, str] = Field(description="send these headers with the PUT (and the exact length)")
    expires_in: int = Field(description="seconds the URL stays valid")


class UploadResponse(BaseModel):
    job_id: str = Field(description="128 random bits; the only key to the result")
    status_url: str = Field(description="poll it (relative to the API's base URL)")
    upload: UploadTarget


class JobResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"job_id": JOB_EXAMPLE, "status": "done", "result": TRANSCRIPT_EXAMPLE}]
        }
    )

    job_id: str
    status: Literal["pending", "done"]
    result: TranscriptionResponse | None = None


@router.post(
    "/uploads",
    response_model=UploadResponse,
    status_code=201,
    summary="Start a large-file job: get a presigned S3 upload",
    description=(
        "For audio above the request limit (up to hours). PUT the file to `upload.url` with "
        "`upload.headers`; the S3 transcriber picks it up, and `GET /transcripts/{job_id}` gives the result."
    ),
    responses=problem_responses(400, 413, 415, 422, 503),  # 400: a body that is not JSON
)
async def create_upload(body: UploadRequest, jobs: UploadJobsDep) -> dict[str, Any]:
    ticket = await run_in_threadpool(jobs.create, body.filename, body.content_type, body.size)
    return {
        "job_id": ticket.job_id,
        "status_url": f"transcripts/{ticket.job_id}",
        "upload": {"url": ticket.url, "headers": ticket.headers, "expires_in": ticket.expires_in},
    }


@router.get(
    "/transcripts/{job_id}",
    response_model=JobResponse,
    summary="The state and result of a large-file job",
    description=(
        "`202` with `status: pending` until the transcriber is done; then `200` with the result (JSON, or "
        "subtitles with `format`). A failed job answers with its problem document and status (4xx)."
    ),
    responses={
        200: {"content": subtitle_openapi()},
        202: {"description": "not transcribed yet (`Retry-After` says when to ask again)"},
        **problem_responses(404, 415, 422, 503),
    },
)
async def get_transcript(
    request: Request, job_id: str, jobs: UploadJobsDep, format: FormatQuery = OutputFormat.JSON
) -> Response:
    status = await run_in_threadpool(jobs.status, job_id)
    document = status.document or {}
    if status.state is JobState.PENDING:
        body = {"job_id": job_id, "status": "pending"}
        return JsonResponse(body, status_code=202, headers={"Retry-After": str(RETRY_AFTER_S)})
    if status.state is JobState.FAILED:
        problem = {**document.get("error", {}), "instance": request.url.path, "job_id": job_id}
        return ProblemResponse(problem, status_code=int(problem.get("status", 422)))
    result = {key: value for key, value in document.get("hindi_asr", {}).items() if key != "source"}
    if format is not OutputFormat.JSON:
        return subtitle_response([Word(**word) for word in result.get("words", [])], format)
    return JsonResponse({"job_id": job_id, "status": "done", "result": result})
