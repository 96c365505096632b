"""infra/scale_model.py: the numbers behind the README's scale section, checked by hand once."""

from __future__ import annotations

import json

import pytest

from infra.scale_model import Engine, Workload, estimate, main, markdown

TEN_THOUSAND_HOURS = Workload(hours_per_day=10_000, mean_object_s=300, window_h=24)
MEDIUM_FP32 = Engine("medium fp32", ms_per_10s=190, memory_mb=3008, overhead_ms=150)


def test_ten_thousand_hours_a_day_on_the_medium_model() -> None:
    # 36e6 audio s -> 120,000 objects; 36e6 * 0.019 + 120,000 * 0.15 = 702,000 compute s
    result = estimate(TEN_THOUSAND_HOURS, MEDIUM_FP32)
    assert result.objects_per_day == pytest.approx(120_000)
    assert result.lambda_hours_per_day == pytest.approx(702_000 / 3600)
    assert result.rtf == pytest.approx(0.0195)
    assert result.concurrency == pytest.approx(702_000 / 86_400)
    # 702,000 s * 3008/1024 GB = 2,062,125 GB-s; + requests, S3 (4 GET-class + 1 PUT), Batch Operations
    fixed = 120_000 * (0.2e-6 + 4 * 0.4e-6 + 5e-6 + 1e-6) + 0.25
    assert result.usd_per_day_x86_64 == pytest.approx(2_062_125 * 0.0000166667 + fixed)
    assert result.usd_per_day_arm64 == pytest.approx(2_062_125 * 0.0000133334 + fixed)
    assert result.usd_per_day_transcribe == pytest.approx(14_400)
    assert result.s3_gets_per_s == pytest.approx(4 * 120_000 / 86_400)
    limit, share = result.first_limit
    assert limit == "account concurrency" and share == pytest.approx(702_000 / 86_400 / 1000)


def test_a_slower_cpu_and_a_shorter_window_scale_concurrency() -> None:
    base = estimate(TEN_THOUSAND_HOURS, MEDIUM_FP32)
    slower = estimate(TEN_THOUSAND_HOURS, Engine("x2", 190, cpu_factor=2.0))
    rushed = estimate(Workload(window_h=1), MEDIUM_FP32)
    assert slower.lambda_hours_per_day == pytest.approx(base.lambda_hours_per_day + 36e6 * 0.019 / 3600)
    assert rushed.concurrency == pytest.approx(base.concurrency * 24)
    assert rushed.usd_per_day_x86_64 == pytest.approx(base.usd_per_day_x86_64)  # same work, sooner


def test_many_short_objects_in_a_hurry_reach_s3s_prefix_rate_first() -> None:
    clips = estimate(Workload(mean_object_s=10, window_h=1), Engine("demo", 33))
    assert clips.objects_per_s == pytest.approx(1000)
    limit, share = clips.first_limit
    assert limit == "S3 GET/s per prefix" and share == pytest.approx(4000 / 5500)


def test_markdown_has_one_row_per_engine() -> None:
    table = markdown([estimate(TEN_THOUSAND_HOURS, e) for e in (MEDIUM_FP32, Engine("demo", 33))])
    lines = table.splitlines()
    assert len(lines) == 4 and lines[0].startswith("| engine | RTF |")
    assert lines[2].startswith("| medium fp32 | 0.0195 | 195 | 8.1 |") and "| 14,400 |" in lines[2]


def test_cli_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--engine", "fast=50", "--engine", "slow=500", "--hours-per-day", "100", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row["engine"] for row in rows] == ["fast", "slow"]
    assert rows[1]["usd_per_day_transcribe"] == pytest.approx(144)
    with pytest.raises(SystemExit):
        main(["--engine", "no-equals-sign"])
