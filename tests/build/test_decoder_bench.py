"""The decoder benchmark: its contenders, the ratios it prints, and a decoder reaching the worker."""

from __future__ import annotations

from pathlib import Path

from asr_build.decoder_bench import DECODERS, contenders, ratios
from asr_build.search.worker import runtime_runner

REPO = Path(__file__).resolve().parents[2]
DEFAULT_MODEL = REPO / "layers" / "hindi_asr" / "models" / "default"
CLIP = REPO / "tests" / "data" / "hindi_clip.wav"


def test_every_decoder_runs_at_every_thread_count() -> None:
    found = contenders(DEFAULT_MODEL, [1, 2])
    assert [c.name for c in found] == [f"{d}/t{t}" for t in (1, 2) for d in DECODERS]
    assert {dict(c.decoding).get("decoder", "greedy") for c in found} == {"greedy", "beam"}


def test_ratios_are_beam_over_greedy_at_the_same_threads() -> None:
    def cell(ms: float) -> dict[str, object]:
        return {"latency_ms": {"10": {"median": ms}}}

    results = {"greedy/t1": cell(200.0), "beam+lm/t1": cell(240.0), "beam+lm+hotwords/t1": cell(250.0)}
    assert ratios(results, [1]) == {"beam+lm/t1": 1.2, "beam+lm+hotwords/t1": 1.25}


def test_the_worker_decodes_with_the_decoder_it_was_given() -> None:
    # GIVEN the embedded model and its LM, a hotword the LM does not know
    clips = {"10": CLIP}
    greedy = runtime_runner(DEFAULT_MODEL, 1, clips)("10")
    beam = runtime_runner(DEFAULT_MODEL, 1, clips, {"decoder": "beam", "hotwords": "टहलने"})("10")
    # THEN both read the clip right (beam keeps the word outside its LM because it is a hotword)
    reference = CLIP.with_suffix(".txt").read_text(encoding="utf-8").strip()
    assert greedy == reference and beam == reference
