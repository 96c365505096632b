"""The decoder evaluation on a small real set: synthesis, CER/WER per decoder and voice, hotword recall."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from asr_build import decoder_eval
from hindi_asr.transcribe import Transcriber, TranscriberOptions


def test_error_rates_compare_normalised_text() -> None:
    # chandrabindu vs anusvara and a nukta are spelling, not errors; a missing word is
    assert decoder_eval.error_rates(["गाँव में ज़रा"], ["गांव में जरा"]) == {"cer": 0.0, "wer": 0.0}
    assert decoder_eval.error_rates(["हम घर गए"], ["हम गए"])["wer"] == pytest.approx(1 / 3, abs=1e-4)
    assert decoder_eval.error_rates(["हम"], [""])["wer"] == 1.0  # an empty hypothesis is all wrong


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_a_small_evaluation(tmp_path: Path, lm_model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decoder_eval, "OOD", ("हमें पानी बचाना चाहिए",))
    monkeypatch.setattr(decoder_eval, "VOICES", decoder_eval.VOICES[:3])  # espeak only: fast
    monkeypatch.setattr(decoder_eval, "HOT_OOV", (("हम डलहौजी घूमने गए थे", "डलहौजी"),))
    sets = decoder_eval.make_sets(tmp_path, ["ood", "hotoov"])
    assert len(sets["ood"]) == 3 and [row["hotword"] for row in sets["hotoov"]] == ["डलहौजी"] * 3
    report = decoder_eval.evaluate(Transcriber.load(TranscriberOptions(model_dir=lm_model_dir)), sets)
    assert set(report["ood"]) == {"greedy", "beam+lm"}
    assert set(report["ood"]["greedy"]) == {"all", "espeak/hi", "espeak/hi+m3", "espeak/hi+f2"}
    assert report["ood"]["beam+lm"]["all"]["wer"] <= report["ood"]["greedy"]["all"]["wer"]
    assert report["hotoov"] == {"clips": 3, "greedy": 0, "beam+lm": 0, "beam+lm+hotword": 3}
    assert report["false_alarms"] == {"hotwords": ["डलहौजी"], "clips": 3, "with_a_hotword": 0}
