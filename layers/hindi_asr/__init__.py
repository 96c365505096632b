"""hindi_asr: Hindi speech recognition with an ONNX Conformer-CTC model (no torch, no NeMo at run time).

from hindi_asr import TranscriberOptions, get_transcriber
transcriber = get_transcriber(TranscriberOptions(model_dir=Path("path/to/model")))
transcript = transcriber.transcribe(Path("clip.wav").read_bytes())
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("hindi-asr")
except PackageNotFoundError:  # imported from a copied source tree (the Lambda image copies the package)
    __version__ = "0.0.0"

from hindi_asr.audio import Audio, decode_audio
from hindi_asr.errors import AsrError
from hindi_asr.model import AsrModel
from hindi_asr.options import TranscriberOptions
from hindi_asr.transcribe import Transcriber, Transcript, Word, get_transcriber

__all__ = [
    "AsrError",
    "AsrModel",
    "Audio",
    "Transcriber",
    "TranscriberOptions",
    "Transcript",
    "Word",
    "__version__",
    "decode_audio",
    "get_transcriber",
]
