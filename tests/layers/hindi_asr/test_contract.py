"""The model-directory contract: one definition, honoured by the tiny test model and the runtime."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hindi_asr.contract import (
    BLANK_TOKEN,
    MODEL_FILE,
    ORT_MODEL_FILE,
    SESSION_OPTIONS,
    SETTINGS_FILE,
    TOKENS_FILE,
    default_session,
    mask_free_length,
    read_tokens,
    settings_json,
    tokens_text,
)
from hindi_asr.errors import InvalidModelError, ModelUnavailableError
from hindi_asr.model import AsrModel, SessionConfig
from hindi_asr.options import TranscriberOptions

from .tiny_model import MODEL_NAME, VOCABULARY, build_tiny_model


@pytest.mark.parametrize("hop", [160, 640])
def test_mask_free_length_is_the_next_length_with_an_odd_number_of_hops(hop: int) -> None:
    for samples in range(1, 6 * hop):
        padded = mask_free_length(samples, hop)
        assert (padded // hop) % 2 == 1 and 0 <= padded - samples <= hop
        assert all((n // hop) % 2 == 0 for n in range(samples, padded))  # none shorter would do
        assert mask_free_length(padded, hop) == padded


def test_tokens_round_trip_with_the_blank_last() -> None:
    text = tokens_text(["▁न", "म"])
    assert text == f"▁न 0\nम 1\n{BLANK_TOKEN} 2\n"
    assert read_tokens(text) == ["▁न", "म", BLANK_TOKEN]


def test_default_session_is_complete_and_rejects_unknown_options() -> None:
    assert default_session(allow_spinning=False) == {**SESSION_OPTIONS, "allow_spinning": False}
    with pytest.raises(KeyError, match="spin"):
        default_session(spin=False)


def test_every_contract_session_option_configures_onnx_runtime() -> None:
    # GIVEN model.json's session object with every option set away from ORT's defaults
    options = default_session(
        intra_op_num_threads=1,
        graph_optimization_level="ORT_DISABLE_ALL",
        allow_spinning=False,
        enable_cpu_mem_arena=False,
        enable_mem_pattern=False,
    )
    # WHEN the runtime reads it
    config = SessionConfig.from_json(options)
    session_options = config.session_options()
    # THEN each one reaches ONNX Runtime's session options
    assert config.graph_optimization_level == "disable" and config.intra_op_num_threads == 1
    assert session_options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
    assert not session_options.enable_cpu_mem_arena and not session_options.enable_mem_pattern


@pytest.mark.parametrize("value", ["false", 0, None])
def test_flags_must_be_booleans(value: object) -> None:
    with pytest.raises(InvalidModelError, match="allow_spinning"):
        SessionConfig.from_json({"allow_spinning": value})


def test_tiny_model_follows_the_contract_and_loads(tmp_path: Path) -> None:
    model_dir = build_tiny_model(tmp_path / "tiny", session=default_session(allow_spinning=False))
    settings = json.loads((model_dir / SETTINGS_FILE).read_text(encoding="utf-8"))
    assert settings == settings_json(MODEL_NAME, "fp32", default_session(allow_spinning=False))
    assert read_tokens((model_dir / TOKENS_FILE).read_text(encoding="utf-8"))[:-1] == list(VOCABULARY)
    model = AsrModel.load(TranscriberOptions(model_dir=model_dir))
    assert model.config.allow_spinning is False and model.info.name == MODEL_NAME


def test_runtime_loads_the_ort_format_when_there_is_no_onnx_file(tmp_path: Path) -> None:
    # GIVEN the tiny model saved by ONNX Runtime in its own format, as model.ort only
    import onnxruntime as ort

    model_dir = build_tiny_model(tmp_path / "tiny")
    options = ort.SessionOptions()
    options.optimized_model_filepath = str(model_dir / ORT_MODEL_FILE)
    options.add_session_config_entry("session.save_model_format", "ORT")
    ort.InferenceSession(
        str(model_dir / MODEL_FILE), sess_options=options, providers=["CPUExecutionProvider"]
    )
    (model_dir / MODEL_FILE).unlink()
    # WHEN the runtime opens the directory THEN it finds the graph and its metadata there
    model = AsrModel.load(TranscriberOptions(model_dir=model_dir))
    assert model.info.vocabulary == VOCABULARY
    (model_dir / ORT_MODEL_FILE).unlink()
    with pytest.raises(ModelUnavailableError):
        AsrModel.load(TranscriberOptions(model_dir=model_dir))
