"""``hindi-asr transcribe FILE... [--model DIR] [--json] [--decoder] [--hotwords] [--numbers]``."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hindi_asr.cli import EXIT_FAILED, EXIT_NO_MODEL, EXIT_OK, main

from .tiny_model import MODEL_NAME, encode, speech


@pytest.fixture
def clips(tmp_path: Path) -> list[Path]:
    paths = []
    for name, text in (("one.wav", "नमस्ते आप"), ("two.flac", "कैसे हैं")):
        path = tmp_path / name
        path.write_bytes(encode(speech(text), file_format="FLAC" if name.endswith("flac") else "WAV"))
        paths.append(path)
    return paths


def test_text_per_file(clips: list[Path], tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["transcribe", *map(str, clips), "--model", str(tiny_model_dir)]) == EXIT_OK
    assert capsys.readouterr().out.splitlines() == ["नमस्ते आप", "कैसे हैं"]


def test_json_per_file(clips: list[Path], tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["transcribe", *map(str, clips), "--model", str(tiny_model_dir), "--json"]) == EXIT_OK
    first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert first["file"] == str(clips[0]) and first["text"] == "नमस्ते आप" and second["text"] == "कैसे हैं"
    assert first["model"] == {"name": MODEL_NAME, "variant": "fp32"} and first["language"] == "hi"
    assert [w["word"] for w in first["words"]] == ["नमस्ते", "आप"]


def test_a_bad_file_is_reported_and_the_others_still_done(
    clips: list[Path], tiny_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "notes.wav"
    bad.write_text("not audio")
    missing = tmp_path / "missing.wav"
    code = main(["transcribe", str(bad), str(missing), str(clips[0]), "--model", str(tiny_model_dir)])
    out, err = capsys.readouterr()
    assert code == EXIT_FAILED
    assert out.splitlines() == ["नमस्ते आप"]
    assert f"{bad}: not a readable audio file" in err and f"{missing}: No such file" in err


def test_a_missing_model_is_exit_status_2(
    clips: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["transcribe", str(clips[0]), "--model", str(tmp_path)]) == EXIT_NO_MODEL
    assert "no model.onnx" in capsys.readouterr().err


def test_the_console_script(clips: list[Path], tiny_model_dir: Path) -> None:
    script = shutil.which("hindi-asr", path=str(Path(sys.executable).parent))
    command = [script] if script else [sys.executable, "-m", "hindi_asr.cli"]
    done = subprocess.run(
        [*command, "transcribe", str(clips[1]), "--model", str(tiny_model_dir)],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == "कैसे हैं\n"


def test_decoder_hotwords_and_numbers_on_the_committed_clip(
    lm_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clip = Path(__file__).parents[2] / "data" / "hindi_clip.wav"
    reference = clip.with_suffix(".txt").read_text(encoding="utf-8").strip()
    argv = ["transcribe", str(clip), "--model", str(lm_model_dir), "--json", "--decoder", "beam"]
    assert main([*argv, "--hotwords", "टहलने,दरभंगा", "--numbers", "digits"]) == EXIT_OK
    body = json.loads(capsys.readouterr().out)
    assert body["text"] == reference
    assert body["decoder"]["name"] == "beam" and body["decoder"]["hotwords"] == ["टहलने", "दरभंगा"]
    assert body["decoder"]["numbers"] == "digits" and body["decoder"]["lm"] == "lm.arpa"


def test_bad_decoding_options_are_exit_status_2(
    clips: list[Path], tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["transcribe", str(clips[0]), "--model", str(tiny_model_dir)]
    assert main([*argv, "--hotwords", "Delhi"]) == EXIT_NO_MODEL
    assert "must be Devanagari" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        main([*argv, "--decoder", "viterbi"])
    assert usage.value.code == 2 and "invalid choice" in capsys.readouterr().err
