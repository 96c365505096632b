"""SentencePiece tokenizers in the layout NeMo's BPE models expect.

NeMo's ``EncDecCTCModelBPE`` reads ``tokenizer.model`` and wants a ``vocab.txt`` beside it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import sentencepiece as spm

VOCAB_SIZE = 128  # as stt_hi_conformer_ctc_medium; the CTC blank is appended after these


def train_tokenizer(texts: Iterable[str], out_dir: Path, *, vocab_size: int = VOCAB_SIZE) -> Path:
    """Train a unigram SentencePiece model on ``texts`` and write it with its ``vocab.txt``.

    Returns ``out_dir``, ready to be a NeMo ``tokenizer.dir``.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    prefix = out_dir / "tokenizer"
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(list(texts)),
        model_prefix=str(prefix),
        vocab_size=vocab_size,
        model_type="unigram",
        character_coverage=1.0,
        split_digits=True,
        bos_id=-1,
        eos_id=-1,
        unk_id=0,
        num_threads=2,
        minloglevel=2,
        seed_sentencepiece_size=100_000,
    )
    processor = spm.SentencePieceProcessor(model_file=str(prefix.with_suffix(".model")))
    pieces = [processor.id_to_piece(i) for i in range(processor.get_piece_size())]
    (out_dir / "vocab.txt").write_text("".join(f"{piece}\n" for piece in pieces), encoding="utf-8")
    return out_dir
