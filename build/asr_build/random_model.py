"""A random-initialised model of exactly the ``stt_hi_conformer_ctc_medium`` architecture.

It stands in for the real model wherever the weights do not matter: export, speed, memory.
Seeded, so two builds give the same weights. Its tokenizer is a 128-piece SentencePiece
unigram model trained on Hindi words from ``wordfreq`` (shipped with the package, offline).

    python -m asr_build.random_model --out artifacts/random/medium.nemo
"""

from __future__ import annotations

import argparse
import random
import tempfile
from pathlib import Path

import torch
from nemo.collections.asr.models import EncDecCTCModelBPE
from wordfreq import top_n_list

from asr_build.conformer import MEDIUM, ctc_bpe_config
from asr_build.text.normalise import clean, dedupe
from asr_build.tokenizer import VOCAB_SIZE, train_tokenizer

N_WORDS = 20_000
N_PHRASES = 20_000


def hindi_phrases(seed: int, *, n_words: int = N_WORDS, n_phrases: int = N_PHRASES) -> list[str]:
    """Random 3-10 word phrases over the most frequent Hindi words, cleaned as the corpus cleans them."""
    cleaned = dedupe(clean(w) for w in top_n_list("hi", n_words))
    words = [w for w in cleaned if " " not in w]
    rng = random.Random(seed)
    return [" ".join(rng.choices(words, k=rng.randint(3, 10))) for _ in range(n_phrases)]


def build_random_medium(out: Path, *, seed: int = 0) -> EncDecCTCModelBPE:
    """Build, seed and save the medium-architecture model to ``out`` (a ``.nemo`` file)."""
    torch.manual_seed(seed)
    with tempfile.TemporaryDirectory() as tmp:
        tokenizer_dir = train_tokenizer(hindi_phrases(seed), Path(tmp) / "tokenizer")
        model = EncDecCTCModelBPE(cfg=ctc_bpe_config(MEDIUM, tokenizer_dir, VOCAB_SIZE))
        model.eval()
        out.parent.mkdir(parents=True, exist_ok=True)
        model.save_to(str(out))
    return model


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, required=True, help="where to write the .nemo file")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    model = build_random_medium(args.out, seed=args.seed)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"wrote {args.out} ({n_params:,} parameters, {args.out.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
