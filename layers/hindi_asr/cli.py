"""``hindi-asr transcribe FILE... [--model DIR] [--json] [--decoder greedy|beam] [--hotwords A,B]
[--numbers words|digits]``: the pipeline from a shell.

Prints one line of text per file (``--json``: one JSON object per line, the API's response shape).
A file that cannot be transcribed is reported on stderr; the exit status is then 1. Bad decoding
options are a usage error (exit status 2), like a missing model.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from hindi_asr.api.schemas import TranscriptionResponse
from hindi_asr.decoding import DECODERS, NUMBER_STYLES, DecodingOptions
from hindi_asr.errors import AsrError, PayloadTooLargeError
from hindi_asr.settings import Settings
from hindi_asr.transcribe import Transcriber

EXIT_OK, EXIT_FAILED, EXIT_NO_MODEL = 0, 1, 2  # 2 also for bad decoding options (like argparse)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = Settings()
    options = settings.transcriber.options()
    try:
        transcriber = Transcriber.load(replace(options, model_dir=args.model) if args.model else options)
        decoding = transcriber.decoding_options(
            decoder=args.decoder, hotwords=args.hotwords, numbers=args.numbers
        )
    except AsrError as exc:
        sys.stderr.write(f"hindi-asr: {exc.detail}\n")
        return EXIT_NO_MODEL
    max_bytes = settings.limits.max_file_bytes
    failed = [
        path for path in args.files if not _transcribe_one(transcriber, decoding, path, max_bytes, args.json)
    ]
    return EXIT_FAILED if failed else EXIT_OK


def _transcribe_one(
    transcriber: Transcriber, decoding: DecodingOptions, path: Path, max_bytes: int, as_json: bool
) -> bool:
    try:
        transcript = transcriber.transcribe(_read(path, max_bytes), decoding)
    except (AsrError, OSError) as exc:
        reason = exc.detail if isinstance(exc, AsrError) else exc.strerror or str(exc)
        sys.stderr.write(f"hindi-asr: {path}: {reason}\n")
        return False
    if as_json:
        document = TranscriptionResponse.from_transcript(transcript).model_dump(mode="json")
        line = json.dumps({"file": str(path), **document}, ensure_ascii=False)
    else:
        line = transcript.text
    sys.stdout.write(line + "\n")
    sys.stdout.flush()
    return True


def _read(path: Path, max_bytes: int) -> bytes:
    size = path.stat().st_size
    if size > max_bytes:
        raise PayloadTooLargeError(f"the file has {size} bytes; the limit is {max_bytes}")
    return path.read_bytes()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hindi-asr", description="Hindi speech recognition (ONNX Runtime).")
    commands = parser.add_subparsers(dest="command", required=True)
    transcribe = commands.add_parser("transcribe", help="transcribe audio files (WAV, FLAC, OGG/Opus, MP3)")
    transcribe.add_argument("files", nargs="+", type=Path, metavar="FILE")
    transcribe.add_argument("--model", type=Path, metavar="DIR", help="model directory")
    transcribe.add_argument("--json", action="store_true", help="one JSON object per file (the API's shape)")
    transcribe.add_argument(
        "--decoder", choices=DECODERS, help="greedy (default) or beam search with the model's language model"
    )
    transcribe.add_argument(
        "--hotwords", metavar="A,B", help="comma-separated words or phrases to boost (beam)"
    )
    transcribe.add_argument("--numbers", choices=NUMBER_STYLES, help="words (default) or digits")
    return parser


if __name__ == "__main__":
    sys.exit(main())
