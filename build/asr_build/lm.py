"""The decoder's word language model: an interpolated Kneser-Ney trigram, written as ARPA (`make lm`).

Text (all offline, none of it the test split's sentences):

* the *train* split of the corpus's sentence pool (`corpus.sentence_splits` with the corpus's seed):
  hand-written sentences, gettext catalogue phrases and generated grammar sentences; the dev and test
  splits, the committed test clips' sentences (`text.sentences.EXCLUDED`) and the out-of-domain set
  (`text.ood`) are left out;
* vocabulary only: the words of `text.sources.word_list()` (wordfreq's top Hindi words and hunspell-hi
  stems) and the number words of `hindi_asr.numbers` (so ``numbers=digits`` sees them spelled right),
  each given a unigram continuation count of 1, so a word the sentences lack is known to the model
  without inventing contexts for it.

Kneser-Ney as in Chen & Goodman (1998), one discount per order, ``D = n1 / (n1 + 2 n2)``: the highest
order uses counts, lower orders continuation counts (the number of distinct words seen before the
n-gram), except n-grams that start with ``<s>``, which nothing precedes. Each listed n-gram's
probability is the interpolated one and each context's back-off weight is the interpolation weight, so
back-off queries (`hindi_asr.lm`, KenLM) reproduce the interpolated model exactly.

    python -m asr_build.lm --out artifacts/lm/lm.arpa --model-dir layers/hindi_asr/models/default
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

from asr_build.corpus import CorpusOptions, sentence_splits
from asr_build.text import sources
from asr_build.text.normalise import dedupe
from hindi_asr import numbers

BOS, EOS, UNK = "<s>", "</s>", "<unk>"
ORDER = 3
LM_FILE = "lm.arpa"
SEED = CorpusOptions.seed
GRAMMAR_POOL = CorpusOptions.grammar_pool
# Shallow-fusion defaults written into model.json; chosen on a dev set of other sentences (README "Decoding").
DECODER_DEFAULTS: dict[str, object] = {
    "alpha": 0.3,
    "beta": 1.0,
    "beam_size": 12,
    "hotword_weight": 1.5,
}

Ngram = tuple[str, ...]


def training_text(seed: int = SEED, grammar_pool: int = GRAMMAR_POOL) -> list[str]:
    """The train split of the corpus's natural and grammar sentences (the corpus's own split)."""
    nat, gra = sentence_splits(seed, grammar_pool)
    return [*nat.train, *gra.train]


def vocabulary() -> list[str]:
    """Words known to the model beyond its sentences: word lists and the number words."""
    return dedupe([*sources.word_list(), *numbers.UNITS, numbers.HUNDRED, *numbers.SCALES])


def count_ngrams(sentences: Iterable[str], order: int = ORDER) -> list[Counter[Ngram]]:
    """Raw counts of every n-gram up to ``order`` (index 0: unigrams), with ``<s>``/``</s>`` added."""
    counts: list[Counter[Ngram]] = [Counter() for _ in range(order)]
    for sentence in sentences:
        words = [BOS, *sentence.split(), EOS]
        for n in range(1, order + 1):
            for i in range(len(words) - n + 1):
                counts[n - 1][tuple(words[i : i + n])] += 1
    return counts


def kneser_ney(
    counts: Sequence[Counter[Ngram]], extra_vocabulary: Iterable[str] = ()
) -> list[dict[Ngram, tuple[float, float | None]]]:
    """Interpolated KN: per order, n-gram -> (log10 p, log10 back-off or None for the highest order)."""
    order = len(counts)
    adjusted = _adjusted_counts(counts)
    discounts = [_discount(c) for c in adjusted]
    for word in extra_vocabulary:
        adjusted[0].setdefault((word,), 1)
    adjusted[0].setdefault((UNK,), 0)
    probs: list[dict[Ngram, float]] = []
    gammas: list[dict[Ngram, float]] = []
    for n, table in enumerate(adjusted, start=1):
        totals: dict[Ngram, int] = defaultdict(int)
        types: dict[Ngram, int] = defaultdict(int)
        for ngram, count in table.items():
            totals[ngram[:-1]] += count
            types[ngram[:-1]] += count > 0
        d = discounts[n - 1]
        gamma = {ctx: d * types[ctx] / totals[ctx] for ctx in totals}
        lower = probs[-1] if probs else None
        uniform = 1.0 / len(adjusted[0])
        level: dict[Ngram, float] = {}
        for ngram, count in table.items():
            backoff_p = lower[ngram[1:]] if lower is not None else uniform
            level[ngram] = max(count - d, 0) / totals[ngram[:-1]] + gamma[ngram[:-1]] * backoff_p
        probs.append(level)
        gammas.append(gamma)
    result: list[dict[Ngram, tuple[float, float | None]]] = []
    for n in range(order):
        contexts = gammas[n + 1] if n + 1 < order else {}
        level_out: dict[Ngram, tuple[float, float | None]] = {}
        for ngram, p in probs[n].items():
            bo = math.log10(contexts[ngram]) if ngram in contexts else (0.0 if n + 1 < order else None)
            level_out[ngram] = (math.log10(p), bo)
        if n == 0:
            level_out[(BOS,)] = (-99.0, math.log10(contexts[(BOS,)]) if (BOS,) in contexts else 0.0)
        result.append(level_out)
    return result


def write_arpa(model: Sequence[dict[Ngram, tuple[float, float | None]]], path: Path) -> None:
    """Write ``model`` (from `kneser_ney`) in the ARPA text format, n-grams sorted."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        fh.write("\\data\\\n")
        for n, level in enumerate(model, start=1):
            fh.write(f"ngram {n}={len(level)}\n")
        for n, level in enumerate(model, start=1):
            fh.write(f"\n\\{n}-grams:\n")
            for ngram in sorted(level):
                logp, bo = level[ngram]
                words = " ".join(ngram)
                fh.write(f"{logp:.5f}\t{words}" + (f"\t{bo:.5f}\n" if bo is not None else "\n"))
        fh.write("\n\\end\\\n")


def build(
    sentences: Sequence[str], vocabulary: Iterable[str], path: Path, order: int = ORDER
) -> dict[str, int]:
    """Count, smooth and write; returns the number of n-grams per order."""
    model = kneser_ney(count_ngrams(sentences, order), vocabulary)
    write_arpa(model, path)
    return {f"{n}-grams": len(level) for n, level in enumerate(model, start=1)}


def install(model_dir: Path, lm_file: str = LM_FILE) -> dict[str, object]:
    """Add (or refresh) the ``decoder`` section of ``model_dir/model.json``, keeping its other keys."""
    settings_path = model_dir / "model.json"
    settings = json.loads(settings_path.read_text(encoding="utf-8")) if settings_path.is_file() else {}
    decoder = {**DECODER_DEFAULTS, **settings.get("decoder", {}), "lm": lm_file}
    settings["decoder"] = decoder
    settings_path.write_text(json.dumps(settings, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return decoder


def _adjusted_counts(counts: Sequence[Counter[Ngram]]) -> list[dict[Ngram, int]]:
    """Highest order and ``<s>``-initial n-grams keep their counts; others get continuation counts."""
    order = len(counts)
    adjusted: list[dict[Ngram, int]] = [dict(c) for c in counts]
    for n in range(order - 1):
        continuation: Counter[Ngram] = Counter(ngram[1:] for ngram in counts[n + 1])
        adjusted[n] = {
            ngram: count if ngram[0] == BOS else continuation.get(ngram, 0)
            for ngram, count in counts[n].items()
        }
        adjusted[n] = {ngram: c for ngram, c in adjusted[n].items() if c > 0 and ngram != (BOS,)}
    return adjusted  # <s> itself is never predicted: it has no unigram count


def _discount(table: dict[Ngram, int]) -> float:
    n1 = sum(1 for c in table.values() if c == 1)
    n2 = sum(1 for c in table.values() if c == 2)
    return n1 / (n1 + 2 * n2) if n1 and n2 else 0.5


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, required=True, help="where to write the ARPA file")
    parser.add_argument("--model-dir", type=Path, help=f"copy it there as {LM_FILE} and update model.json")
    args = parser.parse_args(argv)
    sentences = training_text()
    words = vocabulary()
    sizes = build(sentences, words, args.out)
    report: dict[str, object] = {"sentences": len(sentences), "extra_vocabulary": len(words), **sizes}
    report["bytes"] = args.out.stat().st_size
    if args.model_dir is not None:
        shutil.copyfile(args.out, args.model_dir / LM_FILE)
        report["decoder"] = install(args.model_dir)
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
