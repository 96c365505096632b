"""Decoder evaluation (`make decoder-eval`): greedy vs beam vs beam+LM, hotword recall and false alarms.

Sets, synthesised into ``--out`` with the corpus's voices (`asr_build.corpus`):

* ``ood``: `OOD`, everyday sentences written for this evaluation (no corpus source), each spoken by
  espeak-ng ``hi`` (150 wpm), ``hi+m3`` (165), ``hi+f2`` (180) and festival ``hi_nsk``;
* ``indomain`` / ``dev``: the first test / dev utterances of the corpus plan (seed 13);
* ``hotoov`` / ``hot``: `HOT_OOV` (names the LM has never seen) and `HOT_KNOWN` (rare names it knows),
  by the three espeak voices; ``hotdev`` (`HOT_DEV`) is for tuning the hotword weight only.

Texts are compared after `asr_build.text.normalise` (both sides), with jiwer. Alpha, beta and the hotword
weight are tuned on ``dev`` and ``hotdev`` only (README "Decoding").

    python -m asr_build.decoder_eval --model-dir DIR_WITH_LM --out artifacts/decoder_eval
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jiwer
import numpy as np
from numpy.typing import NDArray

from asr_build import corpus
from asr_build.corpus import CorpusOptions, Job, Voice
from asr_build.text.normalise import normalise
from hindi_asr.audio import decode_audio
from hindi_asr.decoding import DecodingOptions, join_words
from hindi_asr.transcribe import Transcriber, TranscriberOptions

OOD: tuple[str, ...] = (
    "मैं हर रोज़ सुबह सात बजे उठता हूँ",
    "आज दफ़्तर में बहुत काम था",
    "मेरी बेटी को गणित पढ़ना पसंद है",
    "क्या तुमने आज का अख़बार देखा",
    "बाज़ार से दो किलो आलू ले आना",
    "हमारी गाड़ी रास्ते में खराब हो गई",
    "शाम को हम सब छत पर बैठकर बातें करते हैं",
    "उसने अपने दोस्त को जन्मदिन का तोहफ़ा दिया",
    "बारिश की वजह से स्कूल बंद रहेगा",
    "मुझे नई किताबें खरीदनी हैं",
    "रसोई में दूध उबल रहा है",
    "डॉक्टर ने मुझे आराम करने की सलाह दी",
    "हम अगले महीने पहाड़ों पर घूमने जाएँगे",
    "बच्चों ने मैदान में पतंग उड़ाई",
    "मेरा फ़ोन चार्ज नहीं हो रहा है",
    "नानी ने हमें एक पुरानी कहानी सुनाई",
    "इस सड़क पर बहुत ट्रैफ़िक रहता है",
    "तुम्हारा भाई किस कक्षा में पढ़ता है",
    "माँ ने आज पनीर की सब्ज़ी बनाई",
    "ट्रेन के आने में अभी आधा घंटा बाकी है",
    "मैं अपना बटुआ घर पर भूल गया",
    "कल रात बहुत ठंड थी",
    "पड़ोस में एक नया परिवार रहने आया है",
    "हमें पानी बचाना चाहिए",
    "उसकी आवाज़ बहुत मीठी है",
    "मैं शनिवार को अपने चाचा से मिलने जाऊँगा",
    "बगीचे में आम का पेड़ फलों से लदा है",
    "परीक्षा के बाद हम सब मिलकर फ़िल्म देखेंगे",
    "दादाजी रोज़ शाम को मंदिर जाते हैं",
    "खाना खाने से पहले हाथ धो लो",
)
HOT_OOV: tuple[tuple[str, str], ...] = (
    ("हम छुट्टियों में कोडईकनाल जाएंगे", "कोडईकनाल"),
    ("मेरे मौसा चिकमगलूर में कॉफी उगाते हैं", "चिकमगलूर"),
    ("मुन्नार के चाय बागान बहुत हरे हैं", "मुन्नार"),
    ("हम्पी में पुराने मंदिर हैं", "हम्पी"),
    ("पिताजी लैंसडाउन में पढ़े थे", "लैंसडाउन"),
    ("चंदेरी की साड़ी बहुत मशहूर है", "चंदेरी"),
    ("मांडू का किला देखने चलो", "मांडू"),
    ("मेरी सहेली हिमाद्रि कल आएगी", "हिमाद्रि"),
    ("यशोवर्धन ने इनाम जीता", "यशोवर्धन"),
    ("कसौली में बहुत ठंड होती है", "कसौली"),
    ("हम डलहौजी घूमने गए थे", "डलहौजी"),
    ("भीमताल की झील सुंदर है", "भीमताल"),
)
HOT_KNOWN: tuple[tuple[str, str], ...] = (
    ("मेरा दोस्त अनिरुद्ध कल आएगा", "अनिरुद्ध"),
    ("हम गर्मियों में तिरुवनंतपुरम गए थे", "तिरुवनंतपुरम"),
    ("मेरी बहन भुवनेश्वर में रहती है", "भुवनेश्वर"),
    ("क्या तुम जैसलमेर घूमने चलोगे", "जैसलमेर"),
    ("त्रिलोचन जी आज नहीं आएंगे", "त्रिलोचन"),
    ("उसका घर दरभंगा के पास है", "दरभंगा"),
    ("सौदामिनी ने मीठा गाना गाया", "सौदामिनी"),
    ("कल हम कुरुक्षेत्र जाएंगे", "कुरुक्षेत्र"),
    ("पुडुचेरी का समुद्र तट सुंदर है", "पुडुचेरी"),
    ("झुमरीतलैया से एक चिट्ठी आई", "झुमरीतलैया"),
    ("हमारे मामा गोरखपुर में काम करते हैं", "गोरखपुर"),
    ("हमने कन्याकुमारी में सूर्योदय देखा", "कन्याकुमारी"),
)
HOT_DEV: tuple[tuple[str, str], ...] = (
    ("मेरे चाचा मुरादाबाद में रहते हैं", "मुरादाबाद"),
    ("हम पिछले साल बद्रीनाथ गए", "बद्रीनाथ"),
    ("विभावरी ने चाय बनाई", "विभावरी"),
    ("अरुणाचल बहुत सुंदर है", "अरुणाचल"),
    ("सिद्धार्थ कल स्कूल नहीं आया", "सिद्धार्थ"),
    ("हमें तिरुपति जाना है", "तिरुपति"),
)
VOICES = (
    Voice(engine="espeak", name="hi", speed=150),
    Voice(engine="espeak", name="hi+m3", speed=165),
    Voice(engine="espeak", name="hi+f2", speed=180),
    Voice(engine="festival", name="hindi_NSK_diphone"),
)
DECODERS = {"greedy": DecodingOptions(), "beam+lm": DecodingOptions("beam")}
CORPUS_SETS = {"dev": 60, "indomain": 120}


def jobs_for(name: str, texts: Sequence[str], voices: Sequence[Voice]) -> list[Job]:
    return [
        Job(f"{name}_{i:03d}_{j}", name, t, v, 1000 * i + j)
        for i, t in enumerate(texts)
        for j, v in enumerate(voices)
    ]


def synthesise(
    name: str, jobs: Sequence[Job], out: Path, hotwords: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """Speak ``jobs`` into ``out/name``; manifest rows with absolute paths (and each row's hotword)."""
    rows = corpus.synthesise(jobs, out / name)
    by_uid = {job.uid: index for index, job in enumerate(jobs)}
    for row in rows:
        path = out / name / str(row["audio_filepath"])
        row["audio_filepath"] = str(path)
        if hotwords:
            row["hotword"] = hotwords[by_uid[path.stem] // len(VOICES[:3])]
    return rows


def make_sets(out: Path, names: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """The evaluation sets named (see the module docstring)."""
    sets: dict[str, list[dict[str, Any]]] = {}
    hot = {"hotoov": HOT_OOV, "hot": HOT_KNOWN, "hotdev": HOT_DEV}
    for name in names:
        if name == "ood":
            sets[name] = synthesise(name, jobs_for(name, OOD, VOICES), out)
        elif name in hot:
            pairs = hot[name]
            jobs = jobs_for(name, [s for s, _ in pairs], VOICES[:3])
            sets[name] = synthesise(name, jobs, out, [w for _, w in pairs])
        elif name in CORPUS_SETS:
            split = "test" if name == "indomain" else "dev"
            planned = [j for j in corpus.plan_jobs(CorpusOptions(out=out)) if j.split == split]
            sets[name] = synthesise(name, planned[: CORPUS_SETS[name]], out)
    return sets


def error_rates(references: Sequence[str], hypotheses: Sequence[str]) -> dict[str, float]:
    refs = [normalise(r) for r in references]
    hyps = [normalise(h) or "-" for h in hypotheses]
    return {"cer": round(jiwer.cer(refs, hyps), 4), "wer": round(jiwer.wer(refs, hyps), 4)}


def evaluate(transcriber: Transcriber, sets: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """CER/WER per decoder (and voice) on the plain sets; recall and false alarms on the hotword sets."""
    logprobs = {name: [_logprobs(transcriber, row) for row in rows] for name, rows in sets.items()}
    report: dict[str, Any] = {}
    for name, rows in sets.items():
        if "hotword" in rows[0]:
            report[name] = _hotword_recall(transcriber, rows, logprobs[name])
            continue
        report[name] = {}
        for decoder, options in DECODERS.items():
            hyps = [_text(transcriber, lp, options) for lp in logprobs[name]]
            voices = sorted({str(row["voice"]) for row in rows})
            report[name][decoder] = {"all": error_rates([r["text"] for r in rows], hyps)} | {
                voice: error_rates(
                    *zip(
                        *((r["text"], h) for r, h in zip(rows, hyps, strict=True) if r["voice"] == voice),
                        strict=True,
                    )
                )
                for voice in voices
            }
    hot_sets = [name for name, rows in sets.items() if "hotword" in rows[0]]
    if "ood" in sets and hot_sets:
        words = sorted({row["hotword"] for row in sets[hot_sets[0]]})
        options = DecodingOptions("beam", tuple(words))
        alarms = sum(
            any(w in _text(transcriber, lp, options).split() for w in words) for lp in logprobs["ood"]
        )
        report["false_alarms"] = {"hotwords": words, "clips": len(sets["ood"]), "with_a_hotword": alarms}
    return report


def _hotword_recall(
    transcriber: Transcriber, rows: list[dict[str, Any]], logprobs: list[NDArray[np.float32]]
) -> dict[str, int]:
    counts = {"clips": len(rows), "greedy": 0, "beam+lm": 0, "beam+lm+hotword": 0}
    for row, lp in zip(rows, logprobs, strict=True):
        for key, options in (
            *DECODERS.items(),
            ("beam+lm+hotword", DecodingOptions("beam", (row["hotword"],))),
        ):
            counts[key] += row["hotword"] in _text(transcriber, lp, options).split()
    return counts


def _logprobs(transcriber: Transcriber, row: dict[str, Any]) -> NDArray[np.float32]:
    info = transcriber.model.info
    audio = decode_audio(
        Path(row["audio_filepath"]).read_bytes(),
        sample_rate=info.sample_rate,
        min_duration_s=0.1,
        max_duration_s=60,
    )
    return transcriber.model.run(audio.samples)


def _text(transcriber: Transcriber, logprobs: NDArray[np.float32], options: DecodingOptions) -> str:
    info = transcriber.model.info
    words = transcriber.decoder.decode(
        logprobs, info.vocabulary, options, blank_id=info.blank_id, frame_shift_s=info.frame_shift_s
    )
    return join_words(words)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--model-dir", type=Path, required=True, help="a model directory with an LM (make lm)"
    )
    parser.add_argument("--out", type=Path, required=True, help="where the clips and the report go")
    parser.add_argument("--sets", default="ood,indomain,hotoov,hot", help="comma-separated set names")
    args = parser.parse_args(argv)
    sets = make_sets(args.out, args.sets.split(","))
    report = evaluate(Transcriber.load(TranscriberOptions(model_dir=args.model_dir)), sets)
    (args.out / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
