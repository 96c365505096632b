"""Loading a model directory: metadata, session options, and the contract's failure modes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from hindi_asr.contract import MASK_FREE_HOP_KEY
from hindi_asr.errors import InvalidModelError, ModelUnavailableError
from hindi_asr.model import AsrModel, SessionConfig, read_model_info
from hindi_asr.options import TranscriberOptions

from .tiny_model import BLANK_ID, FRAME, FRAME_SHIFT_S, MODEL_NAME, VOCABULARY, build_tiny_model, speech


def copy_model(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def rewrite_metadata(model_dir: Path, **changes: str) -> None:
    proto = onnx.load(str(model_dir / "model.onnx"))
    for entry in proto.metadata_props:
        if entry.key in changes:
            entry.value = changes[entry.key]
    onnx.save(proto, str(model_dir / "model.onnx"))


def test_metadata_and_model_json_are_read(tiny_model_dir: Path, tiny_options: TranscriberOptions) -> None:
    model = AsrModel.load(tiny_options)
    info = model.info
    assert (info.name, info.variant, info.sample_rate) == (MODEL_NAME, "fp32", 16_000)
    assert info.vocabulary == VOCABULARY and info.blank_id == BLANK_ID
    assert info.frame_shift_s == pytest.approx(FRAME_SHIFT_S) and info.max_input_s == 20.0
    assert json.loads(info.metadata["vocabulary"]) == list(VOCABULARY)


def test_run_returns_log_probs_of_the_valid_frames(
    tiny_model_dir: Path, tiny_options: TranscriberOptions
) -> None:
    model = AsrModel.load(tiny_options)
    waveform = speech("आप")
    logprobs = model.run(waveform)
    assert logprobs.shape == (len(waveform) // FRAME, len(VOCABULARY) + 1)
    np.testing.assert_allclose(np.exp(logprobs).sum(axis=1), 1.0, rtol=1e-5)
    assert set(logprobs.argmax(axis=1).tolist()) == {BLANK_ID, VOCABULARY.index("▁आप")}


def test_a_graph_without_length_masks_gets_its_input_padded_to_a_mask_free_length(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    # GIVEN the tiny model marked as mask-free with a hop of one output frame
    model_dir = copy_model(tiny_model_dir, tmp_path / "nomask")
    proto = onnx.load(str(model_dir / "model.onnx"))
    entry = proto.metadata_props.add()
    entry.key, entry.value = MASK_FREE_HOP_KEY, str(FRAME)
    onnx.save(proto, str(model_dir / "model.onnx"))
    model = AsrModel.load(TranscriberOptions(model_dir=model_dir))
    assert model.info.mask_free_hop == FRAME
    # WHEN it runs on an even number of frames, and on an odd number
    odd = speech("आप")
    even = np.concatenate([odd, np.zeros(FRAME, dtype=np.float32)])
    assert (len(even) // FRAME) % 2 == 0 and (len(odd) // FRAME) % 2 == 1
    # THEN the even input got one frame of silence (a blank frame), the odd one nothing
    padded = model.run(even)
    assert len(padded) == len(even) // FRAME + 1 and padded[-1].argmax() == BLANK_ID
    assert len(model.run(odd)) == len(odd) // FRAME
    # AND a hop that is not a positive number breaks the contract
    with pytest.raises(InvalidModelError, match=MASK_FREE_HOP_KEY):
        read_model_info({**model.info.metadata, MASK_FREE_HOP_KEY: "0"}, {})


def test_session_options_come_from_model_json_and_the_options_override_them(
    tiny_model_dir: Path, tiny_options: TranscriberOptions
) -> None:
    from_json = AsrModel.load(tiny_options).config
    assert from_json == SessionConfig(
        1, 1, "all", "sequential"
    )  # ORT_ENABLE_ALL, ORT_SEQUENTIAL in model.json
    overridden = TranscriberOptions(model_dir=tiny_model_dir, intra_op_threads=2, graph_optimization="basic")
    config = AsrModel.load(overridden).config
    assert (config.intra_op_num_threads, config.inter_op_num_threads, config.graph_optimization_level) == (
        2,
        1,
        "basic",
    )
    options = config.session_options()
    assert options.intra_op_num_threads == 2
    assert options.graph_optimization_level == ort.GraphOptimizationLevel.ORT_ENABLE_BASIC


def test_short_option_names_are_accepted_and_unknown_ones_refused() -> None:
    assert SessionConfig.from_json(
        {"graph_optimization_level": "ORT_DISABLE_ALL", "execution_mode": "parallel"}
    ) == (SessionConfig(graph_optimization_level="disable", execution_mode="parallel"))
    with pytest.raises(InvalidModelError, match="unknown session options"):
        SessionConfig.from_json({"enable_turbo": True})
    with pytest.raises(InvalidModelError, match="unknown session option value"):
        SessionConfig(graph_optimization_level="max").session_options()


def test_a_missing_model_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailableError, match=r"no model\.onnx"):
        AsrModel.load(TranscriberOptions(model_dir=tmp_path))


def test_a_corrupt_model_file_is_invalid(tmp_path: Path) -> None:
    (tmp_path / "model.onnx").write_bytes(b"not a protobuf")
    with pytest.raises(InvalidModelError, match="cannot be loaded"):
        AsrModel.load(TranscriberOptions(model_dir=tmp_path))


def test_blank_must_be_last(tiny_model_dir: Path, tmp_path: Path) -> None:
    model_dir = copy_model(tiny_model_dir, tmp_path / "m")
    rewrite_metadata(model_dir, blank_id="0")
    with pytest.raises(InvalidModelError, match="blank must come last"):
        AsrModel.load(TranscriberOptions(model_dir=model_dir))


def test_tokens_txt_must_agree_with_the_metadata(tiny_model_dir: Path, tmp_path: Path) -> None:
    model_dir = copy_model(tiny_model_dir, tmp_path / "m")
    tokens = (model_dir / "tokens.txt").read_text(encoding="utf-8").replace("▁आप 4", "▁तुम 4")
    (model_dir / "tokens.txt").write_text(tokens, encoding="utf-8")
    with pytest.raises(InvalidModelError, match=r"tokens\.txt disagrees"):
        AsrModel.load(TranscriberOptions(model_dir=model_dir))


def test_malformed_model_json_is_invalid(tiny_model_dir: Path, tmp_path: Path) -> None:
    model_dir = copy_model(tiny_model_dir, tmp_path / "m")
    (model_dir / "model.json").write_text("{name: ", encoding="utf-8")
    with pytest.raises(InvalidModelError, match="not valid JSON"):
        AsrModel.load(TranscriberOptions(model_dir=model_dir))


@pytest.mark.parametrize("bad", [1.5, "15", True, None])
def test_a_chunk_length_in_model_json_must_be_seconds_of_at_least_two(
    tiny_model_dir: Path, tmp_path: Path, bad: object
) -> None:
    model_dir = copy_model(tiny_model_dir, tmp_path / "m")
    settings = json.loads((model_dir / "model.json").read_text(encoding="utf-8"))
    (model_dir / "model.json").write_text(json.dumps({**settings, "chunk_s": bad}), encoding="utf-8")
    with pytest.raises(InvalidModelError, match="chunk_s must be a number"):
        AsrModel.load(TranscriberOptions(model_dir=model_dir))


def test_model_json_is_optional(tiny_model_dir: Path, tmp_path: Path) -> None:
    model_dir = copy_model(tiny_model_dir, tmp_path / "m")
    (model_dir / "model.json").unlink()
    model = AsrModel.load(TranscriberOptions(model_dir=model_dir))
    assert model.info.name == MODEL_NAME and model.config == SessionConfig()


def test_a_graph_with_other_inputs_is_refused(tmp_path: Path) -> None:
    build_tiny_model(tmp_path)
    proto = onnx.load(str(tmp_path / "model.onnx"))
    proto.graph.input[0].name = "audio_signal"
    for node in proto.graph.node:
        node.input[:] = ["audio_signal" if name == "waveform" else name for name in node.input]
    onnx.save(proto, str(tmp_path / "model.onnx"))
    with pytest.raises(InvalidModelError, match="expected"):
        AsrModel.load(TranscriberOptions(model_dir=tmp_path))


GOOD = {"model_name": "x", "sample_rate": "16000", "vocabulary": "[]", "blank_id": "0", "vocab_size": "0"}


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        ({"model_name": "x"}, "lacks"),
        ({**GOOD, "sample_rate": "16k", "frame_shift_s": "0.04"}, "malformed"),
        ({**GOOD, "frame_shift_s": "0"}, "positive"),
        ({**GOOD, "vocabulary": '["a"]', "frame_shift_s": "0.04"}, "blank must come last"),
    ],
)
def test_metadata_is_validated(metadata: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidModelError, match=message):
        read_model_info(metadata, {})
