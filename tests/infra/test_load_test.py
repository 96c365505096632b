"""infra/load_test.py (``make load``) on a tiny scale with the tiny model: it runs, counts and reports."""

from __future__ import annotations

import json
from pathlib import Path

from infra import load_test


def test_a_short_load_run_reports_every_phase(tiny_model_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    argv = ["--model-dir", str(tiny_model_dir), "--clients", "2", "--seconds", "1", "--sequential", "10",
            "--invocations", "6", "--max-rss-growth", "100", "--out", str(out)]  # fmt: skip
    assert load_test.main(argv) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["errors"] == 0 and report["passed"] is True
    concurrent, sequential, handler = report["phases"]
    assert concurrent["requests"] >= 2 and sequential["requests"] == 10 and handler["requests"] == 6
    for phase in report["phases"]:
        assert 0 < phase["p50_ms"] <= phase["p95_ms"] <= phase["max_ms"]
        assert phase["rss_start_mb"] > 0 and phase["rss_end_mb"] > 0


def test_the_request_mix_owes_a_415_one_time_in_ten() -> None:
    mix = load_test.Requests(b"RIFF" + bytes(100))
    expected = [mix.next()[1] for _ in range(20)]
    assert expected.count(415) == 2 and expected.count(200) == 18
