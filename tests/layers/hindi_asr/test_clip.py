"""The embedded demo model on the committed Hindi clip: the whole runtime, asserted on real speech."""

from __future__ import annotations

from pathlib import Path

import jiwer
import pytest

from hindi_asr.contract import MODEL_FILES
from hindi_asr.options import EMBEDDED_MODEL_DIR, TranscriberOptions
from hindi_asr.transcribe import get_transcriber

DATA = Path(__file__).parents[2] / "data"
MAX_CER = 0.15

pytestmark = pytest.mark.skipif(
    not any((EMBEDDED_MODEL_DIR / name).is_file() for name in MODEL_FILES),
    reason=f"the embedded demo model (a graph in {EMBEDDED_MODEL_DIR}) is not in the tree yet",
)


def test_the_committed_clip_is_transcribed() -> None:
    # GIVEN the committed clip and its reference text
    audio = (DATA / "hindi_clip.wav").read_bytes()
    reference = (DATA / "hindi_clip.txt").read_text(encoding="utf-8").strip()
    # WHEN the embedded model transcribes it through the full pipeline
    transcript = get_transcriber(TranscriberOptions()).transcribe(audio)
    # THEN the text is close to the reference, and every word has sane times and confidence
    cer = jiwer.cer(reference, transcript.text)
    assert cer <= MAX_CER, f"CER {cer:.3f}: {transcript.text!r} vs {reference!r}"
    assert transcript.language == "hi" and transcript.duration_s == pytest.approx(4.0, abs=0.05)
    starts = [word.start for word in transcript.words]
    assert starts == sorted(starts) and all(0 <= w.start < w.end <= 4.05 for w in transcript.words)
    assert all(0 < w.confidence <= 1 for w in transcript.words)
