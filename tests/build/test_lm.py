"""The Kneser-Ney ARPA writer: normalised distributions, the KN quantities, the training text, install."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from asr_build import lm
from asr_build.text import sentences as written
from asr_build.text.normalise import clean, dedupe
from asr_build.text.ood import OOD_SENTENCES
from asr_build.text.split import split_sentences
from hindi_asr.lm import NgramLanguageModel

SENTENCES = ["राम घर गया", "राम बाजार गया", "सीता घर गई", "राम घर आया", "सीता बाजार गई"]


@pytest.fixture(scope="module")
def arpa(tmp_path_factory: pytest.TempPathFactory) -> NgramLanguageModel:
    path = tmp_path_factory.mktemp("lm") / "lm.arpa"
    sizes = lm.build(SENTENCES, ["दिल्ली"], path)
    assert sizes == {"1-grams": 11, "2-grams": 14, "3-grams": 14}  # counted by hand
    return NgramLanguageModel.load(path)


@pytest.mark.parametrize("context", [(), ("<s>",), ("<s>", "राम"), ("राम", "घर"), ("घर",), ("दिल्ली", "सीता")])
def test_every_context_gives_a_distribution_that_sums_to_one(
    arpa: NgramLanguageModel, context: tuple[str, ...]
) -> None:
    words = ["राम", "सीता", "घर", "बाजार", "गया", "गई", "आया", "दिल्ली", "</s>", "अनजाना"]  # last: <unk>
    total = sum(math.exp(arpa.score(context, word)[0]) for word in words)
    assert total == pytest.approx(1.0, abs=1e-4)


def test_seen_continuations_beat_unseen_ones_and_vocabulary_words_beat_unknown_ones(
    arpa: NgramLanguageModel,
) -> None:
    assert arpa.score(("राम", "घर"), "गया")[0] > arpa.score(("राम", "घर"), "गई")[0]
    assert arpa.score(("<s>",), "राम")[0] > arpa.score(("<s>",), "बाजार")[0]
    assert "दिल्ली" in arpa and arpa.score((), "दिल्ली")[0] > arpa.score((), "अनजाना")[0]


def test_kneser_ney_uses_continuation_counts_below_the_top_order() -> None:
    counts = lm.count_ngrams(["a b", "c b", "a d"])
    model = lm.kneser_ney(counts)
    # "b" follows two different words, "d" one: b is likelier as a continuation, though both are rare
    assert model[0][("b",)][0] > model[0][("d",)][0]
    assert model[0][("<s>",)][0] == -99.0  # ARPA's "never predicted"
    assert all(backoff is None for _, backoff in model[-1].values())  # the top order has no back-off


def test_the_training_text_leaves_out_dev_test_ood_and_the_clip_sentences() -> None:
    text = set(lm.training_text(grammar_pool=2_000))
    held = {clean(t) for t in (*written.EXCLUDED, *OOD_SENTENCES)}
    natural = [t for t in dedupe(clean(t) for t in written.SENTENCES) if t not in held]
    split = split_sentences(natural, seed=lm.SEED)
    assert not text & set(split.test) and not text & set(split.dev)
    assert not text & held
    assert set(split.train) <= text


def test_install_adds_the_decoder_section_and_keeps_the_other_keys(tmp_path: Path) -> None:
    (tmp_path / "model.json").write_text(
        json.dumps({"name": "m", "decoder": {"alpha": 0.9}}), encoding="utf-8"
    )
    decoder = lm.install(tmp_path)
    settings = json.loads((tmp_path / "model.json").read_text(encoding="utf-8"))
    assert settings["name"] == "m" and settings["decoder"] == decoder
    assert decoder["lm"] == lm.LM_FILE and decoder["alpha"] == 0.9 and decoder["beam_size"] == 12


def test_the_command_writes_and_installs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lm, "training_text", lambda: SENTENCES)
    monkeypatch.setattr(lm, "vocabulary", lambda: ["दिल्ली"])
    (tmp_path / "model").mkdir()
    lm.main(["--out", str(tmp_path / "out" / "lm.arpa"), "--model-dir", str(tmp_path / "model")])
    assert (tmp_path / "model" / lm.LM_FILE).read_bytes() == (tmp_path / "out" / "lm.arpa").read_bytes()
    assert (
        json.loads((tmp_path / "model" / "model.json").read_text(encoding="utf-8"))["decoder"]["lm"]
        == "lm.arpa"
    )
