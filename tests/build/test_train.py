"""Training helpers: warm start from a saved model, and a `.nemo` without the build machine's paths."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest
import torch
from omegaconf import DictConfig, OmegaConf

from asr_build.train import extract_tokenizer, load_weights, save_portable

DEMO_NEMO = Path(__file__).resolve().parents[2] / "build" / "models" / "hi_demo_conformer_ctc_small.nemo"


def _config_text(nemo: Path) -> str:
    with tarfile.open(nemo) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("model_config.yaml"))
        extracted = tar.extractfile(member)
        assert extracted is not None
        return extracted.read().decode("utf-8")


def test_extract_tokenizer_writes_a_nemo_tokenizer_dir(tmp_path: Path) -> None:
    import sentencepiece as spm

    out = extract_tokenizer(DEMO_NEMO, tmp_path / "tokenizer")
    assert sorted(p.name for p in out.iterdir()) == ["tokenizer.model", "tokenizer.vocab", "vocab.txt"]
    processor = spm.SentencePieceProcessor(model_file=str(out / "tokenizer.model"))
    assert processor.get_piece_size() == len((out / "vocab.txt").read_text(encoding="utf-8").splitlines())


def test_warm_start_loads_the_saved_weights_and_the_copy_is_portable(tmp_path: Path) -> None:
    from nemo.collections.asr.models import EncDecCTCModelBPE

    # GIVEN the committed model, restored, with its weights then disturbed and build-machine paths set
    model = EncDecCTCModelBPE.restore_from(str(DEMO_NEMO), map_location="cpu")
    reference = {k: v.clone() for k, v in model.state_dict().items()}
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
    model.cfg.train_ds.manifest_filepath = "/build/machine/train_manifest.json"
    # WHEN the weights are loaded back from the .nemo and a portable copy is saved
    load_weights(model, DEMO_NEMO)
    save_portable(model, tmp_path / "m.nemo")
    # THEN every tensor is the saved one, and the copy names no path of this machine yet restores
    assert all(torch.equal(v, reference[k]) for k, v in model.state_dict().items())
    text = _config_text(tmp_path / "m.nemo")
    config = OmegaConf.create(text)
    assert isinstance(config, DictConfig)
    assert "/build/machine" not in text and str(Path.cwd()) not in text
    assert config.train_ds.manifest_filepath is None
    assert config.validation_ds.manifest_filepath is None
    restored = EncDecCTCModelBPE.restore_from(str(tmp_path / "m.nemo"), map_location="cpu")
    assert restored.tokenizer.vocab_size == model.tokenizer.vocab_size


def test_load_weights_rejects_another_architecture(tmp_path: Path) -> None:
    tiny = torch.nn.Linear(2, 2)
    with pytest.raises(RuntimeError, match="state_dict"):
        load_weights(tiny, DEMO_NEMO)
