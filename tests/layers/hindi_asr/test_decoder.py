"""Decoding options, the model directory's decoder section, and every decoder on real Hindi speech."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import jiwer
import pytest

from hindi_asr.decoder import Decoder
from hindi_asr.decoding import DecodingOptions
from hindi_asr.errors import InvalidDecodingOptionsError, InvalidHotwordsError, InvalidModelError
from hindi_asr.transcribe import Transcriber, TranscriberOptions, get_transcriber

DATA = Path(__file__).parents[2] / "data"
ESPEAK = shutil.which("espeak-ng")


def test_options_default_to_greedy_words_and_hotwords_choose_beam() -> None:
    assert DecodingOptions.parse() == DecodingOptions("greedy", (), "words")
    assert DecodingOptions.parse(hotwords="दरभंगा") == DecodingOptions("beam", ("दरभंगा",), "words")
    assert DecodingOptions.parse(decoder="beam", numbers="digits").numbers == "digits"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"decoder": "viterbi"}, "decoder must be one of"),
        ({"numbers": "roman"}, "numbers must be one of"),
        ({"decoder": "greedy", "hotwords": "दरभंगा"}, "need decoder=beam"),
    ],
)
def test_bad_options_are_422_problems(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidDecodingOptionsError, match=message) as caught:
        DecodingOptions.parse(**kwargs)
    assert caught.value.status == 422 and caught.value.code == "invalid_decoding_options"


def test_a_bad_hotword_list_has_its_own_code() -> None:
    with pytest.raises(InvalidHotwordsError) as caught:
        DecodingOptions.parse(hotwords="Delhi")
    assert caught.value.status == 422 and caught.value.code == "invalid_hotwords"


def write_settings(directory: Path, decoder: object) -> Path:
    (directory / "model.json").write_text(json.dumps({"name": "m", "decoder": decoder}), encoding="utf-8")
    return directory


def test_without_a_decoder_section_the_beam_has_no_lm(tmp_path: Path) -> None:
    decoder = Decoder.load(tmp_path)
    assert decoder.language_model() is None and decoder.beam.beam_size == 12
    described = decoder.describe(DecodingOptions("beam", ("दरभंगा",)))
    assert described == {
        "name": "beam", "numbers": "words", "lm": None, "alpha": None, "beta": None, "beam_size": 12,
        "hotwords": ["दरभंगा"],
    }  # fmt: skip
    assert decoder.describe(DecodingOptions()) == {"name": "greedy", "numbers": "words"}


def test_the_decoder_section_sets_the_search(tmp_path: Path) -> None:
    decoder = Decoder.load(write_settings(tmp_path, {"alpha": 0.7, "beam_size": 4}))
    assert (decoder.beam.alpha, decoder.beam.beam_size, decoder.beam.beta) == (0.7, 4, 1.0)


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"gamma": 1}, "unknown decoder settings"),
        ({"alpha": "high"}, "must be numbers"),
        ({"beam_size": 0}, "beam_size"),
        ({"lm": "missing.arpa"}, "does not exist"),
        ({"lm": 3}, "file name"),
        ([1, 2], "must be an object"),
    ],
)
def test_a_wrong_decoder_section_is_an_invalid_model(tmp_path: Path, section: object, message: str) -> None:
    with pytest.raises(InvalidModelError, match=message):
        Decoder.load(write_settings(tmp_path, section))


@pytest.fixture(scope="module")
def transcriber(lm_model_dir: Path) -> Transcriber:
    return get_transcriber(TranscriberOptions(model_dir=lm_model_dir))


def transcribe(transcriber: Transcriber, audio: bytes, **options: str) -> str:
    return transcriber.transcribe(audio, transcriber.decoding_options(**options)).text


def test_the_committed_clip_under_each_decoder(transcriber: Transcriber) -> None:
    # GIVEN the committed espeak clip, whose words greedy decoding gets right
    audio = (DATA / "hindi_clip.wav").read_bytes()
    reference = (DATA / "hindi_clip.txt").read_text(encoding="utf-8").strip()
    # THEN greedy and beam search without the LM read it exactly
    assert transcribe(transcriber, audio) == reference
    assert transcriber.decoding_options(decoder="beam").decoder == "beam"
    greedy = transcriber.transcribe(audio)
    beam = transcriber.transcribe(audio, DecodingOptions("beam"))
    # AND with the LM, "टहलने" (not in the LM's vocabulary) is the one word at risk; as a hotword it is kept
    assert jiwer.cer(reference, beam.text) <= 0.1
    assert transcribe(transcriber, audio, decoder="beam", hotwords="टहलने") == reference
    assert beam.decoder["lm"] == "lm.arpa" and greedy.decoder["name"] == "greedy"


def test_beam_words_keep_greedy_timestamps_and_confidences(transcriber: Transcriber) -> None:
    audio = (DATA / "hindi_clip.wav").read_bytes()
    greedy = transcriber.transcribe(audio).words
    beam = transcriber.transcribe(audio, DecodingOptions("beam", ("टहलने",))).words
    assert [w.word for w in beam] == [w.word for w in greedy]
    for g, b in zip(greedy, beam, strict=True):
        assert b.start == pytest.approx(g.start, abs=0.041) and b.end == pytest.approx(g.end, abs=0.041)
        assert b.confidence == pytest.approx(g.confidence, abs=0.02)


def test_the_lm_repairs_merged_words_in_the_festival_clip(transcriber: Transcriber) -> None:
    audio = (DATA / "hindi_clip_festival.wav").read_bytes()
    reference = (DATA / "hindi_clip_festival.txt").read_text(encoding="utf-8").strip()
    greedy_text = transcribe(transcriber, audio)
    beam_text = transcribe(transcriber, audio, decoder="beam")
    # greedy glues festival's words together (सबबाजार, सेताजी); the LM's word boundaries undo that
    glued = {"हम", "सब", "बाजार"}
    assert not glued <= set(greedy_text.split()) and glued | {"सब्जियां", "लाए"} <= set(beam_text.split())
    greedy, beam = jiwer.wer(reference, greedy_text), jiwer.wer(reference, beam_text)
    assert beam <= 0.15 and greedy - beam >= 0.3, (greedy, beam, greedy_text, beam_text)


def espeak(text: str, tmp_path: Path) -> bytes:
    path = tmp_path / "speech.wav"
    subprocess.run(
        [str(ESPEAK), "-v", "hi+m3", "-s", "165", "-w", str(path)], input=text.encode(), check=True
    )
    return path.read_bytes()


@pytest.mark.skipif(ESPEAK is None, reason="espeak-ng is not installed")
def test_numbers_as_digits_in_text_and_words(transcriber: Transcriber, tmp_path: Path) -> None:
    audio = espeak("मुझे तीन सौ पचास रुपये चाहिए", tmp_path)
    words = transcribe(transcriber, audio, decoder="beam")
    assert words == "मुझे तीन सौ पचास रुपये चाहिए"
    digits = transcriber.transcribe(audio, transcriber.decoding_options(decoder="beam", numbers="digits"))
    assert digits.text == "मुझे 350 रुपये चाहिए"
    number = digits.words[1]
    assert number.word == "350" and 0 < number.start < number.end <= digits.words[2].start


@pytest.mark.skipif(ESPEAK is None, reason="espeak-ng is not installed")
def test_a_rare_place_is_found_as_a_hotword_and_not_invented(
    transcriber: Transcriber, tmp_path: Path
) -> None:
    audio = espeak("हम डलहौजी घूमने गए थे", tmp_path)
    assert "डलहौजी" not in transcribe(transcriber, audio, decoder="beam").split()
    assert "डलहौजी" in transcribe(transcriber, audio, hotwords="डलहौजी,कसौली").split()
    other = espeak("हमें पानी बचाना चाहिए", tmp_path)  # no hotword in it: the hotwords change nothing
    assert transcribe(transcriber, other, hotwords="डलहौजी,कसौली") == transcribe(
        transcriber, other, decoder="beam"
    )


def test_the_lm_is_read_once_on_first_use(tmp_path: Path) -> None:
    (tmp_path / "lm.arpa").write_text("\\data\\\n\\1-grams:\n-1.0 आप\n\\end\\\n", encoding="utf-8")
    decoder = Decoder.load(write_settings(tmp_path, {"lm": "lm.arpa"}))
    first = decoder.language_model()
    assert first is not None and decoder.language_model() is first and "आप" in first
    (tmp_path / "lm.arpa").write_text("broken\n", encoding="utf-8")
    broken = Decoder.load(tmp_path)  # the file exists: loading the model succeeds, reading it fails
    with pytest.raises(InvalidModelError, match="not a valid ARPA"):
        broken.language_model()
