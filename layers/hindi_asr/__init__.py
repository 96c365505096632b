"""hindi_asr: Hindi speech recognition with an ONNX Conformer-CTC model (no torch, no NeMo at run time)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("hindi-asr")
except PackageNotFoundError:  # imported from a source tree without installation (e.g. a Lambda layer copy)
    __version__ = "0.0.0"
