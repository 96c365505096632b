"""`make search QUICK=1` end to end on the demo model: report, anchors, rule and a working winner."""

from __future__ import annotations

import json
from pathlib import Path

import jiwer
import pytest

from asr_build.search.__main__ import main
from hindi_asr.contract import SETTINGS_FILE, TOKENS_FILE
from hindi_asr.transcribe import Transcriber, TranscriberOptions

from .conftest import DEMO_NEMO, _exported

REPO = Path(__file__).resolve().parents[2]
CLIP = REPO / "tests" / "data" / "hindi_clip.wav"


@pytest.mark.slow
def test_quick_search_writes_the_report_and_bakes_a_working_winner(tmp_path: Path) -> None:
    if not DEMO_NEMO.exists():
        pytest.skip(f"the demo model {DEMO_NEMO.name} is built by `make demo-model`")
    # GIVEN the demo model's fp32 export (the search's source; the embedded directory holds its winner),
    # with a section and a file that other stages own
    source = tmp_path / "source"
    _exported(DEMO_NEMO, source)
    settings = json.loads((source / SETTINGS_FILE).read_text(encoding="utf-8"))
    settings["decoder"] = {"beam_size": 7}
    (source / SETTINGS_FILE).write_text(json.dumps(settings), encoding="utf-8")
    (source / "notes.txt").write_text("kept\n", encoding="utf-8")
    # WHEN the quick search runs on it
    main(["--model-dir", str(source), "--nemo", str(DEMO_NEMO), "--quick", "--out", str(tmp_path / "out")])
    # THEN the report has what the README documents
    out = tmp_path / "out" / settings["name"]
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert {"model", "machine", "rule", "anchors", "variants", "winner", "memory_size_mb"} <= report.keys()
    assert report["anchors"]["nemo_eager_ms"] > 0 and report["anchors"]["sherpa_onnx_ms"] > 0
    assert report["memory_size_mb"] in (1769, 3008, 5307)
    fp32 = next(v for v in report["variants"] if v["name"] == "fp32/t2")
    assert fp32["agreement"] == 1.0 and fp32["max_logprob_diff"] == 0.0 and fp32["passes_gate"]
    for variant in report["variants"]:
        assert set(variant["latency_ms"]) == {"5", "10", "60"}
        assert variant["cold_start_ms"] > 0 and variant["peak_rss_mb"] > 0 and variant["size_mb"] > 0
        assert 0.0 <= variant["cer"] <= 1.0 and variant["cost_per_audio_hour_usd"]
        assert variant["latency_pooled_ms"] > 0
    winner = next(v for v in report["variants"] if v["name"] == report["winner"])
    assert winner["passes_gate"] and winner["config"]["graph"]["portable"]
    compute = report["compute"]
    assert compute["gflop"] > 0 and compute["floors"]  # the sizes the winner's graph was timed for
    assert all(floor["floor_ms"] > 0 for floor in compute["floors"].values())
    assert (out / "report.md").read_text(encoding="utf-8").count("|") > 50
    assert (out / "report.png").stat().st_size > 10_000
    # AND the winner is a complete model directory that the runtime serves under the winner's name
    winner_dir = out / "winner"
    baked = json.loads((winner_dir / SETTINGS_FILE).read_text(encoding="utf-8"))
    assert baked["decoder"] == {"beam_size": 7} and baked["variant"] == report["winner"]
    assert baked["chunk_s"] == winner["config"]["chunk_s"] in (30.0, 15.0)  # the chunk length measured
    assert (winner_dir / "notes.txt").is_file() and (winner_dir / TOKENS_FILE).is_file()
    transcriber = Transcriber.load(TranscriberOptions(model_dir=winner_dir))
    transcript = transcriber.transcribe(CLIP.read_bytes())
    assert transcript.model_variant == report["winner"]
    expected = (REPO / "tests" / "data" / "hindi_clip.txt").read_text(encoding="utf-8").strip()
    assert jiwer.cer(expected, transcript.text) < 0.1
