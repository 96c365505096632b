"""``?format=json|srt|vtt``: the transcript as JSON (the default) or as subtitles built from its words."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Annotated

from fastapi import Query
from fastapi.responses import PlainTextResponse

from hindi_asr.decoding import Word
from hindi_asr.subtitles import SRT_MEDIA_TYPE, VTT_MEDIA_TYPE, build_cues, to_srt, to_vtt


class OutputFormat(StrEnum):
    JSON = "json"
    SRT = "srt"
    VTT = "vtt"


SUBTITLE_MEDIA_TYPES = {OutputFormat.SRT: SRT_MEDIA_TYPE, OutputFormat.VTT: VTT_MEDIA_TYPE}
FormatQuery = Annotated[
    OutputFormat,
    Query(
        description="`json` (default): the transcript; `srt` or `vtt`: subtitles built from the word timings"
    ),
]


def subtitle_response(words: Sequence[Word], output: OutputFormat) -> PlainTextResponse:
    """SRT or WebVTT of ``words`` (UTF-8), offered for download under ``transcript.<format>``."""
    cues = build_cues(words)
    text = to_srt(cues) if output is OutputFormat.SRT else to_vtt(cues)
    return PlainTextResponse(
        text,
        media_type=f"{SUBTITLE_MEDIA_TYPES[output]}; charset=utf-8",
        headers={"Content-Disposition": f'inline; filename="transcript.{output.value}"'},
    )


def subtitle_openapi() -> dict[str, dict[str, object]]:
    """The subtitle media types of a 200 answer, for ``responses``."""
    return {media_type: {"schema": {"type": "string"}} for media_type in SUBTITLE_MEDIA_TYPES.values()}
