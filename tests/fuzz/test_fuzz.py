"""Each fuzz harness runs for a bounded time (``FUZZ_SECONDS``, default 4) from the committed corpus.

New inputs that widen coverage go to a temporary directory; the committed corpus under
tests/fuzz/corpus/ is read only. A finding (rc != 0) leaves its input in pytest's tmp_path and the
harness's report in the assertion. Longer runs: ``make fuzz FUZZ_SECONDS=600``.

libFuzzer's memory limit is off here (``-rss_limit_mb=0``): it reads the peak RSS from getrusage, which
Linux carries over from the parent across fork and exec, so under a large pytest process (the build
tests hold GBs) the harness starts "out of memory" before its first input. ``make fuzz`` keeps a limit.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
HARNESSES = ["fuzz_audio", "fuzz_request"]
SECONDS = int(os.environ.get("FUZZ_SECONDS", "4"))

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("atheris") is None, reason="atheris has wheels for Linux x86_64 only"
)


@pytest.mark.parametrize("harness", HARNESSES)
def test_harness_finds_nothing_in_bounded_time(harness: str, tmp_path: Path) -> None:
    corpus = HERE / "corpus" / harness.removeprefix("fuzz_")
    assert len(list(corpus.iterdir())) >= 5
    new_inputs = tmp_path / "new"
    new_inputs.mkdir()
    paths = [REPO_ROOT / "layers", REPO_ROOT / "functions", REPO_ROOT]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(map(str, paths))}
    run = subprocess.run(
        [sys.executable, str(HERE / f"{harness}.py"), f"-max_total_time={SECONDS}", "-timeout=20",
         "-rss_limit_mb=0", f"-artifact_prefix={tmp_path}/", str(new_inputs), str(corpus)],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=SECONDS + 120, check=False,
    )  # fmt: skip
    report = run.stderr[-4000:]
    assert run.returncode == 0, report
    assert "Done " in report and " runs in " in report, report
