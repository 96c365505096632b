"""hindi_asr: Hindi speech recognition with an ONNX Conformer-CTC model (no torch, no NeMo at run time).

from hindi_asr import Settings, get_transcriber
transcript = get_transcriber(Settings(model_dir="path/to/model")).transcribe(open("clip.wav", "rb").read())
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("hindi-asr")
except PackageNotFoundError:  # imported from a copied source tree (the Lambda image copies the package)
    __version__ = "0.0.0"

from hindi_asr.audio import Audio, decode_audio
from hindi_asr.errors import AsrError
from hindi_asr.model import AsrModel, get_model
from hindi_asr.settings import Settings, get_settings
from hindi_asr.transcribe import Transcriber, Transcript, Word, get_transcriber

__all__ = [
    "AsrError",
    "AsrModel",
    "Audio",
    "Settings",
    "Transcriber",
    "Transcript",
    "Word",
    "__version__",
    "decode_audio",
    "get_model",
    "get_settings",
    "get_transcriber",
]
