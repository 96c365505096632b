"""Hindi text from installed packages: gettext catalogues (phrases) and word lists (wordfreq, hunspell-hi).

Every source is declared: a missing catalogue or word list raises `MissingSourceError` naming the Debian
package that provides it (all are in `.ci/apt-packages.txt`), so every machine builds the same corpus.
"""

from __future__ import annotations

import gettext
import random
import re
from collections.abc import Iterator
from pathlib import Path

from asr_build.text.normalise import clean, dedupe

MO_DIR = Path("/usr/share/locale/hi/LC_MESSAGES")
# catalogue -> the Debian package that installs it
MO_CATALOGUES: dict[str, str] = {
    "iso_3166-1.mo": "iso-codes",
    "iso_3166-3.mo": "iso-codes",
    "iso_639-2.mo": "iso-codes",
    "iso_639-3.mo": "iso-codes",
    "iso_639-5.mo": "iso-codes",
    "glib20.mo": "libglib2.0-data",
    "gtk20.mo": "libgtk2.0-common",
    "gtk20-properties.mo": "libgtk2.0-common",
    "gsettings-desktop-schemas.mo": "gsettings-desktop-schemas",
    "shared-mime-info.mo": "shared-mime-info",
    "xdg-user-dirs.mo": "xdg-user-dirs",
}
HUNSPELL_DIC = Path("/usr/share/hunspell/hi_IN.dic")  # hunspell-hi
WORDFREQ_TOP_N = 30_000
WEIGHT_EXPONENT = 0.5  # sample words by frequency**0.5: common words often, rare ones still seen


class MissingSourceError(FileNotFoundError):
    """A declared text source is not installed."""


def _require(path: Path, package: str) -> Path:
    if not path.exists():
        raise MissingSourceError(f"{path} is missing: install the Debian package {package}")
    return path


def mo_phrases(mo_dir: Path = MO_DIR, catalogues: dict[str, str] = MO_CATALOGUES) -> Iterator[str]:
    """Translated strings of the declared catalogues, split at format specifiers and punctuation."""
    for name, package in sorted(catalogues.items()):
        with _require(mo_dir / name, package).open("rb") as fh:
            catalog: dict[object, object] = gettext.GNUTranslations(fh)._catalog  # type: ignore[attr-defined]
        for value in catalog.values():
            if isinstance(value, str):
                yield from re.split(r"%\S*|\{[^}]*\}|[\n.:;!?।|()<>\"']", value)


def word_frequencies(top_n: int = WORDFREQ_TOP_N, hunspell: Path = HUNSPELL_DIC) -> dict[str, float]:
    """Single clean words with their wordfreq frequency; hunspell-hi stems wordfreq lacks get its floor."""
    from wordfreq import top_n_list, word_frequency

    freqs: dict[str, float] = {}
    for raw in top_n_list("hi", top_n):
        word = clean(raw)
        if word and " " not in word and word not in freqs:
            freqs[word] = word_frequency(raw, "hi")
    floor = min(freqs.values(), default=1e-8)
    lines = _require(hunspell, "hunspell-hi").read_text(encoding="utf-8").splitlines()[1:]
    for word in dedupe(clean(line.split("/")[0]) for line in lines):
        if " " not in word:
            freqs.setdefault(word, floor)
    return freqs


def word_list(top_n: int = WORDFREQ_TOP_N, hunspell: Path = HUNSPELL_DIC) -> list[str]:
    """Single clean words from wordfreq's Hindi list and hunspell-hi stems, de-duplicated."""
    return list(word_frequencies(top_n, hunspell))


def random_sequences(
    words: list[str],
    count: int,
    seed: int,
    min_len: int = 3,
    max_len: int = 10,
    weights: list[float] | None = None,
) -> list[str]:
    """`count` random word sequences of `min_len`..`max_len` words, seeded; uniform unless `weights`."""
    rng = random.Random(seed)
    cum = None
    if weights is not None:
        cum = [0.0] * len(weights)
        total = 0.0
        for i, w in enumerate(weights):
            total += w
            cum[i] = total
    return [
        " ".join(rng.choices(words, cum_weights=cum, k=rng.randint(min_len, max_len))) for _ in range(count)
    ]


def weighted_sequences(freqs: dict[str, float], count: int, seed: int) -> list[str]:
    """Word sequences drawn by frequency**`WEIGHT_EXPONENT`: postpositions and auxiliaries appear as
    often as between real words, so the model hears them as words of their own."""
    words = list(freqs)
    return random_sequences(words, count, seed, weights=[freqs[w] ** WEIGHT_EXPONENT for w in words])
