"""Synthetic Hindi speech corpus: espeak-ng and festival voices, light augmentation, NeMo manifests.

Text (package `asr_build.text`): natural phrases (hand-written sentences, gettext catalogues), grammar
sentences, and word sequences drawn uniformly and by word frequency (train only). Each utterance is
spoken by one of two engines:

* espeak-ng: half from the base voices (hi, hi+m1..m8, hi+f1..f5), half from the other formant
  variants, speed 120-220 wpm, pitch 20-80 (22.05 kHz output). The variants that use espeak-ng's
  Klatt synthesiser (`HELDOUT_VOICES`) are a voice family never used for training or tuning;
* festival: `voice_hindi_NSK_diphone` (16 kHz), one festival process per work chunk (its start-up
  dominates per-call cost), duration stretch 0.8-1.25 and a pitch shift of up to 3 semitones by sox.

Every clip goes through `sox -D` (no dither, so reproducible) to 16 kHz mono, sometimes via an 8 kHz
round trip (telephone band), then gets seeded white noise at 25-50 dB SNR and a random peak level, and
is written as 16-bit WAV. Output under `--out`: `wav/<split>/<id>.wav` and `<split>_manifest.json`
(JSON lines: audio_filepath relative to the manifest, duration, text, voice) for train/dev/test, plus
two evaluation sets on the out-of-domain sentences of `asr_build.text.ood` (never in training text):
`ood` (espeak-ng hi 165 / hi+m3 150 / hi+f2 180 wpm and festival) and `heldout` (the Klatt variants).

CLI: `python -m asr_build.corpus --out artifacts/corpus [--train N --dev N --test N]`;
`python -m asr_build.corpus --test-clips tests/data` writes the committed test clips.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import soundfile as sf

from asr_build.conformer import SAMPLE_RATE
from asr_build.text import sources
from asr_build.text.grammar import grammar_sentences
from asr_build.text.normalise import clean, dedupe
from asr_build.text.ood import OOD_SENTENCES
from asr_build.text.sentences import EXCLUDED, SENTENCES
from asr_build.text.split import Split, split_sentences

BASE_VOICES = ("hi", *(f"hi+m{i}" for i in range(1, 9)), *(f"hi+f{i}" for i in range(1, 6)))
# espeak-ng's other formant-synthesis variants (data dir voices/!v), Klatt-synthesis ones excluded.
VARIANT_VOICES = tuple(
    f"hi+{v}"
    for v in (
        "Alex",
        "Alicia",
        "Andrea",
        "Andy",
        "Annie",
        "antonio",
        "aunty",
        "belinda",
        "boris",
        "croak",
        "Demonic",
        "Denis",
        "Diogo",
        "ed",
        "fast",
        "Gene",
        "Gene2",
        "grandpa",
        "gustave",
        "Henrique",
        "Hugo",
        "iven",
        "iven2",
        "iven3",
        "iven4",
        "Jacky",
        "john",
        "kaukovalta",
        "Lee",
        "linda",
        "marcelo",
        "Marco",
        "Mario",
        "max",
        "Michael",
        "michel",
        "miguel",
        "Mike",
        "Mr",
        "Nguyen",
        "norbert",
        "pablo",
        "paul",
        "pedro",
        "quincy",
        "RicishayMax",
        "RicishayMax2",
        "RicishayMax3",
        "rob",
        "robert",
        "robosoft4",
        "robosoft5",
        "robosoft6",
        "robosoft7",
        "robosoft8",
        "sandro",
        "shelby",
        "steph",
        "steph2",
        "steph3",
        "Storm",
        "travis",
        "Tweaky",
        "victor",
        "whisper",
        "whisperf",
        "zac",
        "anika",
        "anikaRobot",
        "AnxiousAndy",
    )
)
ESPEAK_VOICES = (*BASE_VOICES, *VARIANT_VOICES)
# The variants whose voice file selects the Klatt synthesiser: the held-out voice family.
HELDOUT_VOICES = tuple(
    f"hi+{v}"
    for v in (
        "klatt",
        "klatt2",
        "klatt3",
        "klatt4",
        "klatt5",
        "klatt6",
        "adam",
        "benjamin",
        "caleb",
        "david",
        "edward",
        "edward2",
        "announcer",
        "UniRobot",
        "robosoft",
        "robosoft2",
        "robosoft3",
    )
)
HELDOUT_FAMILY = "espeak-klatt"
BASE_SHARE = 0.5
ESPEAK_SPEED = (120, 220)
ESPEAK_PITCH = (20, 80)
OOD_ESPEAK = (("hi", 165), ("hi+m3", 150), ("hi+f2", 180))
OOD_SPEED = (150, 180)
HELDOUT_PER_SENTENCE = 2
FESTIVAL_VOICE = "festival/hi_nsk"
FESTIVAL_STRETCH = (0.8, 1.25)
FESTIVAL_PITCH_CENTS = (-300, 300)
SNR_DB = (25.0, 50.0)
PEAK = (0.3, 0.95)
TELEPHONE_SHARE = 0.1
NOISE_FREE_SHARE = 0.15
MAX_SECONDS = 18.0
MIN_SECONDS = 0.4
CHUNK = 120
SHORT_WORDS = 3
GROUP_WORDS = (3, 8)
SPLITS = ("train", "dev", "test", "ood", "heldout")
TEST_CLIP_ESPEAK = ("hindi_clip", EXCLUDED[0])
TEST_CLIP_FESTIVAL = ("hindi_clip_festival", EXCLUDED[1])


def voice_family(label: str) -> str:
    """`festival`, `espeak-klatt` (the held-out family) or `espeak` for a manifest's voice label."""
    if label == FESTIVAL_VOICE:
        return "festival"
    return HELDOUT_FAMILY if label.removeprefix("espeak/") in HELDOUT_VOICES else "espeak"


@dataclass(frozen=True)
class Voice:
    """How one utterance is spoken and degraded."""

    engine: str  # "espeak" | "festival"
    name: str
    speed: int = 160
    pitch: int = 50
    stretch: float = 1.0
    cents: int = 0
    telephone: bool = False
    snr_db: float | None = None
    peak: float = 0.8

    @property
    def label(self) -> str:
        return f"espeak/{self.name}" if self.engine == "espeak" else FESTIVAL_VOICE


@dataclass(frozen=True)
class Job:
    """One utterance to synthesise."""

    uid: str
    split: str
    text: str
    voice: Voice
    seed: int


@dataclass(frozen=True)
class CorpusOptions:
    """Corpus size and mix."""

    out: Path
    train: int = 18_000
    dev: int = 300
    test: int = 600
    festival_share: float = 0.33
    random_share: float = 0.15  # uniform word sequences
    weighted_share: float = 0.2  # word sequences drawn by frequency
    grammar_share: float = 0.3
    grammar_pool: int = 40_000
    seed: int = 13
    workers: int = 2
    limit_train: int | None = None  # synthesise only the first N planned training utterances


# --------------------------------------------------------------------------------------------------
# Planning: texts and voices
# --------------------------------------------------------------------------------------------------


def _group_short(phrases: list[str], rng: random.Random) -> list[str]:
    """Keep phrases of >= SHORT_WORDS words; join shorter ones into GROUP_WORDS-long texts."""
    long = [p for p in phrases if len(p.split()) >= SHORT_WORDS]
    short = [p for p in phrases if len(p.split()) < SHORT_WORDS]
    rng.shuffle(short)
    grouped: list[str] = []
    current: list[str] = []
    target = rng.randint(*GROUP_WORDS)
    for phrase in short:
        current.append(phrase)
        if sum(len(p.split()) for p in current) >= target:
            grouped.append(" ".join(current))
            current, target = [], rng.randint(*GROUP_WORDS)
    return long + grouped


def _draw(pool: list[str], count: int, rng: random.Random) -> list[str]:
    """`count` texts from `pool`: each once before any repeats."""
    if not pool or count <= 0:
        return []
    out: list[str] = []
    while len(out) < count:
        batch = pool[:]
        rng.shuffle(batch)
        out += batch[: count - len(out)]
    return out


def held_out_sentences() -> set[str]:
    """Sentences that never reach train or dev: the out-of-domain set and the committed clips' texts."""
    return set(dedupe(clean(t) for t in (*OOD_SENTENCES, *EXCLUDED)))


def sentence_splits(seed: int, grammar_pool: int) -> tuple[Split, Split]:
    """The natural and the grammar sentences, each split into train/dev/test by the seeded hash."""
    held = held_out_sentences()
    natural = [t for t in dedupe(clean(t) for t in [*SENTENCES, *sources.mo_phrases()]) if t not in held]
    grammar = [t for t in dedupe(clean(t) for t in grammar_sentences(grammar_pool, seed)) if t not in held]
    return split_sentences(natural, seed=seed), split_sentences(grammar, seed=seed, excluded=())


def plan_texts(opts: CorpusOptions) -> dict[str, list[str]]:
    """Texts per split: natural phrases, grammar sentences, and (train only) word sequences.

    The out-of-domain sentences and the committed clips' sentences never appear in train or dev.
    """
    rng = random.Random(opts.seed)
    held = held_out_sentences()
    nat, gra = sentence_splits(opts.seed, opts.grammar_pool)
    n_random = round(opts.train * opts.random_share)
    n_weighted = round(opts.train * opts.weighted_share)
    n_grammar = round(opts.train * opts.grammar_share)
    freqs = sources.word_frequencies()
    texts = {
        "train": _draw(_group_short(nat.train, rng), opts.train - n_random - n_weighted - n_grammar, rng)
        + _draw(gra.train, n_grammar, rng)
        + sources.random_sequences(list(freqs), n_random, opts.seed)
        + sources.weighted_sequences(freqs, n_weighted, opts.seed + 1),
    }
    for split, n in (("dev", opts.dev), ("test", opts.test)):
        nat_part = [t for t in getattr(nat, split) if t not in EXCLUDED]
        texts[split] = _draw(_group_short(nat_part, rng), n - n // 2, rng) + _draw(
            getattr(gra, split), n // 2, rng
        )
    texts["train"] = [t for t in texts["train"] if t not in held]
    rng.shuffle(texts["train"])  # every prefix (`limit_train`) has the full mix of sources
    return texts


def random_voice(rng: random.Random, festival_share: float) -> Voice:
    """A random voice and degradation."""
    telephone = rng.random() < TELEPHONE_SHARE
    snr = None if rng.random() < NOISE_FREE_SHARE else rng.uniform(*SNR_DB)
    peak = rng.uniform(*PEAK)
    if rng.random() < festival_share:
        return Voice(
            engine="festival",
            name="hindi_NSK_diphone",
            stretch=round(rng.uniform(*FESTIVAL_STRETCH), 3),
            cents=rng.randint(*FESTIVAL_PITCH_CENTS),
            telephone=telephone,
            snr_db=snr,
            peak=peak,
        )
    return Voice(
        engine="espeak",
        name=rng.choice(BASE_VOICES if rng.random() < BASE_SHARE else VARIANT_VOICES),
        speed=rng.randint(*ESPEAK_SPEED),
        pitch=rng.randint(*ESPEAK_PITCH),
        telephone=telephone,
        snr_db=snr,
        peak=peak,
    )


def plan_jobs(opts: CorpusOptions) -> list[Job]:
    """Every utterance of the corpus with its voice and noise seed, evaluation sets included."""
    rng = random.Random(opts.seed + 1)
    jobs: list[Job] = []
    for split, texts in plan_texts(opts).items():
        for i, text in enumerate(texts):
            voice = random_voice(rng, opts.festival_share)
            jobs.append(Job(f"{split}_{i:06d}", split, text, voice, rng.randrange(2**31)))
    return jobs + eval_jobs(opts.seed)


def eval_jobs(seed: int) -> list[Job]:
    """The out-of-domain set (3 espeak-ng voices at fixed speeds, festival) and the held-out family set,
    all on `OOD_SENTENCES`, clean (no noise, no telephone band)."""
    rng = random.Random(seed + 2)
    texts = [t for t in (clean(s) for s in OOD_SENTENCES) if t]
    voices = [Voice(engine="espeak", name=name, speed=speed) for name, speed in OOD_ESPEAK]
    voices.append(Voice(engine="festival", name="hindi_NSK_diphone"))
    jobs = [
        Job(f"ood_{v}_{i:04d}", "ood", text, voice, 0)
        for v, voice in enumerate(voices)
        for i, text in enumerate(texts)
    ]
    for k in range(HELDOUT_PER_SENTENCE):
        for i, text in enumerate(texts):
            voice = Voice(engine="espeak", name=rng.choice(HELDOUT_VOICES), speed=rng.randint(*OOD_SPEED))
            jobs.append(Job(f"heldout_{k}_{i:04d}", "heldout", text, voice, 0))
    return jobs


# --------------------------------------------------------------------------------------------------
# Synthesis
# --------------------------------------------------------------------------------------------------


def sox_to_16k(wav: bytes, voice: Voice) -> np.ndarray:
    """Decode `wav` bytes with `sox -D` to 16 kHz mono float32, with the voice's pitch/telephone effects."""
    effects: list[str] = ["channels", "1"]
    if voice.cents:
        effects += ["pitch", str(voice.cents)]
    if voice.telephone:
        effects += ["rate", "8000"]
    effects += ["rate", str(SAMPLE_RATE)]
    cmd = ["sox", "-D", "-V1", "-t", "wav", "-", "-t", "f32", "-r", str(SAMPLE_RATE), "-", *effects]
    raw = subprocess.run(cmd, input=wav, capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype=np.float32).copy()


def degrade(audio: np.ndarray, voice: Voice, seed: int) -> np.ndarray:
    """Scale to the voice's peak and add seeded white noise at its SNR."""
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if peak > 0:
        audio = audio * (voice.peak / peak)
    if voice.snr_db is not None and audio.size:
        rng = np.random.default_rng(seed)
        power = float(np.mean(audio**2))
        noise_std = np.sqrt(power / 10 ** (voice.snr_db / 10))
        audio = audio + rng.normal(0.0, noise_std, audio.shape).astype(np.float32)
    clipped: np.ndarray = np.clip(audio, -1.0, 1.0).astype(np.float32)
    return clipped


def espeak_wav(text: str, voice: Voice) -> bytes:
    """espeak-ng WAV bytes; the text goes on stdin (a leading '-' would be read as an option)."""
    cmd = ["espeak-ng", "-v", voice.name, "-s", str(voice.speed), "-p", str(voice.pitch), "--stdout"]
    return subprocess.run(cmd, input=text.encode(), capture_output=True, check=True).stdout


def _scheme_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def festival_wavs(items: Sequence[tuple[str, Voice]], workdir: Path) -> list[bytes | None]:
    """Speak `items` with one festival process; `None` where an utterance failed."""
    lines = ["(voice_hindi_NSK_diphone)", "(Parameter.set 'Int_Method 'DuffInt)"]
    paths = [workdir / f"f{i}.wav" for i in range(len(items))]
    for (text, voice), path in zip(items, paths, strict=True):
        lines.append(f"(Parameter.set 'Duration_Stretch {voice.stretch})")
        utterance = f"(utt.synth (Utterance Text {_scheme_string(text)}))"
        synth = f"(utt.save.wave {utterance} {_scheme_string(str(path))} 'riff)"
        lines.append(f"(unwind-protect {synth} nil)")
    script = workdir / "batch.scm"
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    subprocess.run(["festival", "-b", str(script)], capture_output=True, check=False)
    return [p.read_bytes() if p.exists() and p.stat().st_size > 44 else None for p in paths]


def synthesise(jobs: Sequence[Job], out: Path) -> list[dict[str, object]]:
    """Synthesise `jobs` into `out/wav/<split>/`; return their manifest rows (failures dropped)."""
    festival = [j for j in jobs if j.voice.engine == "festival"]
    espeak = [j for j in jobs if j.voice.engine == "espeak"]
    wavs: dict[str, bytes | None] = {j.uid: espeak_wav(j.text, j.voice) for j in espeak}
    if festival:
        with tempfile.TemporaryDirectory() as tmp:
            spoken = festival_wavs([(j.text, j.voice) for j in festival], Path(tmp))
        wavs.update({j.uid: w for j, w in zip(festival, spoken, strict=True)})
    rows = []
    for job in jobs:
        row = _write(job, wavs[job.uid], out)
        if row is not None:
            rows.append(row)
    return rows


def _write(job: Job, wav: bytes | None, out: Path) -> dict[str, object] | None:
    if not wav:
        return None
    audio = degrade(sox_to_16k(wav, job.voice), job.voice, job.seed)
    duration = audio.size / SAMPLE_RATE
    if not MIN_SECONDS <= duration <= MAX_SECONDS:
        return None
    rel = Path("wav") / job.split / f"{job.uid}.wav"
    (out / rel).parent.mkdir(parents=True, exist_ok=True)
    sf.write(out / rel, audio, SAMPLE_RATE, subtype="PCM_16")
    return {
        "audio_filepath": str(rel),
        "duration": round(duration, 3),
        "text": job.text,
        "voice": job.voice.label,
        "split": job.split,
    }


def _chunks(jobs: list[Job], size: int) -> list[list[Job]]:
    return [jobs[i : i + size] for i in range(0, len(jobs), size)]


def build_corpus(opts: CorpusOptions) -> dict[str, object]:
    """Plan, synthesise (process pool) and write manifests; returns summary statistics.

    Resumable: an utterance whose WAV is already under `opts.out` is not synthesised again (the plan is
    seeded, so its text and voice are the same). `limit_train` keeps the plan (and so every text and
    voice) and synthesises only its first training utterances.
    """
    start = time.monotonic()
    jobs = [j for j in plan_jobs(opts) if opts.limit_train is None or _keeps(j, opts.limit_train)]
    opts.out.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, object]] = []
    todo: list[Job] = []
    for job in jobs:
        row = _existing_row(job, opts.out)
        if row is None:
            todo.append(job)
        else:
            rows.append(row)
    with ProcessPoolExecutor(max_workers=opts.workers) as pool:
        chunks = _chunks(todo, CHUNK)
        for part in pool.map(synthesise, chunks, [opts.out] * len(chunks)):
            rows += part
    order = {j.uid: i for i, j in enumerate(jobs)}
    rows.sort(key=lambda r: order[Path(str(r["audio_filepath"])).stem])
    stats = write_manifests(rows, opts.out)
    stats["planned"] = len(jobs)
    stats["reused"] = len(jobs) - len(todo)
    stats["seconds_to_generate"] = round(time.monotonic() - start, 1)
    stats["options"] = {k: str(v) for k, v in asdict(opts).items()}
    (opts.out / "stats.json").write_text(json.dumps(stats, indent=2, ensure_ascii=False) + "\n")
    return stats


def _keeps(job: Job, limit_train: int) -> bool:
    return job.split != "train" or int(job.uid.removeprefix("train_")) < limit_train


def _existing_row(job: Job, out: Path) -> dict[str, object] | None:
    """The manifest row of an utterance already written by an earlier run, if its WAV is complete."""
    rel = Path("wav") / job.split / f"{job.uid}.wav"
    path = out / rel
    if not path.exists():
        return None
    try:
        info = sf.info(str(path))
    except sf.LibsndfileError:
        return None
    if info.frames == 0 or info.frames * 2 + 44 > path.stat().st_size:  # cut short by a stopped run
        return None
    return {
        "audio_filepath": str(rel),
        "duration": round(info.frames / SAMPLE_RATE, 3),
        "text": job.text,
        "voice": job.voice.label,
        "split": job.split,
    }


def write_manifests(rows: list[dict[str, object]], out: Path) -> dict[str, object]:
    """One `<split>_manifest.json` per split; return counts and hours per split and voice engine."""
    stats: dict[str, object] = {}
    for split in SPLITS:
        part = [r for r in rows if r["split"] == split]
        with (out / f"{split}_manifest.json").open("w", encoding="utf-8") as fh:
            for r in part:
                fh.write(json.dumps({k: v for k, v in r.items() if k != "split"}, ensure_ascii=False) + "\n")
        hours = sum(float(str(r["duration"])) for r in part) / 3600
        festival = sum(1 for r in part if r["voice"] == FESTIVAL_VOICE)
        stats[split] = {"utterances": len(part), "hours": round(hours, 3), "festival": festival}
    return stats


# --------------------------------------------------------------------------------------------------
# Test clips
# --------------------------------------------------------------------------------------------------


def make_test_clips(out_dir: Path) -> list[Path]:
    """The committed test clips: one espeak-ng `hi`, one festival, clean, 16 kHz mono 16-bit."""
    out_dir.mkdir(parents=True, exist_ok=True)
    espeak = Voice(engine="espeak", name="hi", speed=150, pitch=50, peak=0.8)
    festival = Voice(engine="festival", name="hindi_NSK_diphone", peak=0.8)
    written = []
    for (stem, text), voice in ((TEST_CLIP_ESPEAK, espeak), (TEST_CLIP_FESTIVAL, festival)):
        if voice.engine == "espeak":
            wav = espeak_wav(text, voice)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                wav = festival_wavs([(text, voice)], Path(tmp))[0] or b""
        audio = degrade(sox_to_16k(wav, voice), replace(voice, snr_db=None), seed=0)
        sf.write(out_dir / f"{stem}.wav", audio, SAMPLE_RATE, subtype="PCM_16")
        (out_dir / f"{stem}.txt").write_text(text + "\n", encoding="utf-8")
        written.append(out_dir / f"{stem}.wav")
    return written


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=Path("artifacts/corpus"))
    parser.add_argument("--train", type=int, default=CorpusOptions.train)
    parser.add_argument("--dev", type=int, default=CorpusOptions.dev)
    parser.add_argument("--test", type=int, default=CorpusOptions.test)
    parser.add_argument("--festival-share", type=float, default=CorpusOptions.festival_share)
    parser.add_argument("--seed", type=int, default=CorpusOptions.seed)
    parser.add_argument("--workers", type=int, default=CorpusOptions.workers)
    parser.add_argument("--limit-train", type=int, help="synthesise only the first N training utterances")
    parser.add_argument("--test-clips", type=Path, help="write the committed test clips here and stop")
    args = parser.parse_args(argv)
    if args.test_clips:
        for path in make_test_clips(args.test_clips):
            print(path)
        return
    opts = CorpusOptions(
        out=args.out,
        train=args.train,
        dev=args.dev,
        test=args.test,
        festival_share=args.festival_share,
        seed=args.seed,
        workers=args.workers,
        limit_train=args.limit_train,
    )
    print(json.dumps(build_corpus(opts), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
