"""NeMo Conformer-CTC-BPE configurations built in Python.

NeMo's example YAML files are not shipped in the wheel, so the architecture of
``stt_hi_conformer_ctc_medium`` is written down here once (``MEDIUM``) and any smaller
family member is a ``ConformerSize`` away. The featurizer is always the real model's:
80 log-mels, 512-point FFT, 25/10 ms Hann windows, per-feature normalisation.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

SAMPLE_RATE = 16_000


@dataclass(frozen=True, kw_only=True)
class ConformerSize:
    """The knobs that distinguish Conformer-CTC family members."""

    d_model: int
    n_layers: int
    n_heads: int = 4
    conv_kernel_size: int = 31
    ff_expansion_factor: int = 4
    subsampling_factor: int = 4
    subsampling_conv_channels: int = -1  # -1: NeMo default (= d_model)
    pos_emb_max_len: int = 5000  # encoder frames (40 ms each at x4 subsampling)
    dropout: float = 0.1


# stt_hi_conformer_ctc_medium: d_model 256, 4 heads, 18 layers, kernel 31, striding x4.
MEDIUM = ConformerSize(d_model=256, n_layers=18, n_heads=4, conv_kernel_size=31)


def preprocessor_config(*, dither: float = 1e-5) -> dict[str, Any]:
    """The real model's featurizer (AudioToMelSpectrogramPreprocessor)."""
    return {
        "_target_": "nemo.collections.asr.modules.AudioToMelSpectrogramPreprocessor",
        "sample_rate": SAMPLE_RATE,
        "normalize": "per_feature",
        "window_size": 0.025,
        "window_stride": 0.01,
        "window": "hann",
        "features": 80,
        "n_fft": 512,
        "log": True,
        "frame_splicing": 1,
        "dither": dither,
        "pad_to": 0,
        "pad_value": 0.0,
    }


def encoder_config(size: ConformerSize) -> dict[str, Any]:
    return {
        "_target_": "nemo.collections.asr.modules.ConformerEncoder",
        "feat_in": 80,
        "feat_out": -1,
        "n_layers": size.n_layers,
        "d_model": size.d_model,
        "subsampling": "striding",
        "subsampling_factor": size.subsampling_factor,
        "subsampling_conv_channels": size.subsampling_conv_channels,
        "ff_expansion_factor": size.ff_expansion_factor,
        "self_attention_model": "rel_pos",
        "n_heads": size.n_heads,
        "att_context_size": [-1, -1],
        "xscaling": True,
        "untie_biases": True,
        "pos_emb_max_len": size.pos_emb_max_len,
        "conv_kernel_size": size.conv_kernel_size,
        "conv_norm_type": "batch_norm",
        "dropout": size.dropout,
        "dropout_pre_encoder": size.dropout,
        "dropout_emb": 0.0,
        "dropout_att": size.dropout,
        "stochastic_depth_drop_prob": 0.0,
        "stochastic_depth_mode": "linear",
        "stochastic_depth_start_layer": 1,  # NeMo 3.0.0 rejects 0
    }


def ctc_bpe_config(
    size: ConformerSize,
    tokenizer_dir: Path,
    vocab_size: int,
    *,
    train_ds: dict[str, Any] | None = None,
    validation_ds: dict[str, Any] | None = None,
    optim: dict[str, Any] | None = None,
) -> DictConfig:
    """A complete ``EncDecCTCModelBPE`` config.

    ``validation_ds`` is always present: a model saved without it breaks ``transcribe()``.
    """
    default_ds = {"manifest_filepath": None, "sample_rate": SAMPLE_RATE, "batch_size": 8, "shuffle": False}
    cfg = {
        "sample_rate": SAMPLE_RATE,
        "tokenizer": {"dir": str(tokenizer_dir), "type": "bpe"},
        "preprocessor": preprocessor_config(),
        "spec_augment": {
            "_target_": "nemo.collections.asr.modules.SpectrogramAugmentation",
            "freq_masks": 2,
            "time_masks": 5,
            "freq_width": 27,
            "time_width": 0.05,
        },
        "encoder": encoder_config(size),
        "decoder": {
            "_target_": "nemo.collections.asr.modules.ConvASRDecoder",
            "feat_in": size.d_model,
            "num_classes": vocab_size,
            "vocabulary": [],
        },
        "train_ds": train_ds or default_ds,
        "validation_ds": validation_ds or default_ds,
        "optim": optim or {"name": "adamw", "lr": 2e-3, "weight_decay": 1e-3},
    }
    return OmegaConf.create(cfg)
