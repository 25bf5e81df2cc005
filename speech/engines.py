"""Speech engines: words → PCM (16-bit signed, mono, little-endian) and its sample rate.

    get_engine(name=None) -> SpeechEngine
    engine.synthesize(text, voice) -> (pcm_bytes, sample_rate)
    engine.voices() -> ["bac", "trung", "nam"]

Voices are ours, not an engine's: "bac" (northern), "trung" (central), "nam" (southern), so
a commune chooses a regional voice once and keeps it whichever engine reads.

espeak-ng (default, offline)
----------------------------
espeak-ng's three Vietnamese voices: `vi` (northern), `vi-vn-x-central`, `vi-vn-x-south`.
It runs in this process through ctypes on the libespeak-ng that the `espeakng-loader` wheel
ships with its data (espeak-ng 1.52, Vietnamese dictionary included), so `pip install -r
requirements.txt` is all a machine needs: no apt package, no network. The library is used in
synchronous mode (`espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS)`, `espeak_Synth` with a
callback collecting the samples), loaded afresh for each call so that the same text gives
the same samples (see _EspeakLibrary); it keeps global state, so one lock serialises the
calls in a process. When the wheel is missing or `TTS_ESPEAK_COMMAND` names a program, the
`espeak-ng` program is run instead (Debian's package `espeak-ng`), writing a WAV file.

Piper (optional, a better neural voice)
---------------------------------------
`TTS_ENGINE=piper` with `TTS_PIPER_MODEL=/path/vi_VN-….onnx` (its `.onnx.json` beside it),
and optionally `TTS_PIPER_VOICES="nam=/path/a.onnx,trung=/path/b.onnx"` for one model per
region. It runs `TTS_PIPER_COMMAND` when set (for example `piper` or `python -m piper`:
`--model M --output_file F`, text on standard input, one sentence a line, the interface of
both Piper 1.2's program and piper-tts 1.3+), otherwise the `piper` Python package
(piper-tts) when it can be imported, otherwise a `piper` program on the PATH. Nothing is
downloaded: the model is a file an operator puts on the server.

A configured engine that cannot run (no model file, no program, no library) raises
SpeechUnavailable with a message in Vietnamese saying what to install or set.

Settings (the host's settings source first, then the environment, then the default)
------------------------------------------------------------------------
TTS_ENGINE          "espeak" | "piper"                                    default "espeak"
TTS_DEFAULT_VOICE   "bac" | "trung" | "nam"                               default "bac"
TTS_RATE            espeak's speed in words (syllables) per minute         default 150
TTS_ESPEAK_COMMAND  an espeak-ng program to run instead of the bundled library   default ""
TTS_PIPER_MODEL     path of the Piper .onnx model (every voice)           default ""
TTS_PIPER_VOICES    per-voice models, dict or "bac=/a.onnx,nam=/b.onnx"  default ""
TTS_PIPER_COMMAND   Piper program (may hold arguments: "python3 -m piper") default ""
"""

import _ctypes
import ctypes
import io
import os
import shlex
import shutil
import struct
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Protocol, runtime_checkable

VOICES = ("bac", "trung", "nam")
VOICE_LABELS = {"bac": "Giọng miền Bắc", "trung": "Giọng miền Trung", "nam": "Giọng miền Nam"}
ESPEAK_VOICES = {"bac": "vi", "trung": "vi-vn-x-central", "nam": "vi-vn-x-south"}

DEFAULTS = {
    "TTS_ENGINE": "espeak",
    "TTS_DEFAULT_VOICE": "bac",
    "TTS_RATE": 150,
    "TTS_ESPEAK_COMMAND": "",
    "TTS_PIPER_MODEL": "",
    "TTS_PIPER_VOICES": "",
    "TTS_PIPER_COMMAND": "",
}
COMMAND_TIMEOUT_S = 600  # one chunk of text; a stuck program must not hold a worker forever

ESPEAK_INSTALL_HINT = (
    "Hãy cài gói Python espeakng-loader (pip install -r requirements.txt) "
    "hoặc gói hệ thống espeak-ng (apt-get install espeak-ng)."
)


class SpeechUnavailable(RuntimeError):
    """The configured engine cannot run here (missing model, program or library). The message
    is for an operator, in Vietnamese."""


class SpeechFailed(RuntimeError):
    """The engine ran but gave no usable audio."""


@runtime_checkable
class SpeechEngine(Protocol):
    name: str

    def synthesize(self, text: str, voice: str) -> tuple[bytes, int]:
        """Words → (16-bit signed mono little-endian PCM, sample rate in Hz)."""

    def voices(self) -> list[str]:
        """The voices this engine reads: a subset of VOICES."""


# Where settings come from besides the environment: a function (name, default) → value that the
# host application installs (boards/speech_settings.py reads Django's settings through it), so
# this library imports nothing of Django or of the project.
_settings_source = None


def set_settings_source(source):
    """`source(name, default)` is asked first for every TTS_* setting; None to forget it."""
    global _settings_source
    _settings_source = source


def setting(name):
    """The installed settings source first, then the environment, then DEFAULTS."""
    default = os.environ.get(name, DEFAULTS[name])
    if _settings_source is not None:
        return _settings_source(name, default)
    return default


def check_voice(voice: str) -> str:
    if voice not in VOICES:
        raise ValueError(f"Giọng đọc không hợp lệ: {voice!r}. Chọn một trong: {', '.join(VOICES)}.")
    return voice


def get_engine(name: str | None = None) -> SpeechEngine:
    """The engine the settings choose (or `name`). Raises SpeechUnavailable for an unknown
    name; a known engine that cannot run raises it when it is first used (see available())."""
    name = (name or setting("TTS_ENGINE") or "espeak").strip().lower()
    if name in ("espeak", "espeak-ng"):
        return EspeakEngine(rate=setting("TTS_RATE"), command=setting("TTS_ESPEAK_COMMAND") or None)
    if name == "piper":
        return PiperEngine(
            model=setting("TTS_PIPER_MODEL") or None,
            command=setting("TTS_PIPER_COMMAND") or None,
            voice_models=setting("TTS_PIPER_VOICES") or None,
        )
    raise SpeechUnavailable(f"Bộ đọc TTS_ENGINE={name!r} không được hỗ trợ. Chọn espeak hoặc piper.")


# --- WAV ----------------------------------------------------------------------------------


def read_wav(data: bytes) -> tuple[bytes, int]:
    """A PCM WAV file → (16-bit mono PCM, sample rate). Tolerates the sizes that a program
    writing to a pipe leaves unset; averages stereo to mono."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise SpeechFailed("Tệp âm thanh do bộ đọc tạo ra không phải WAV.")
    pos, fmt, pcm = 12, None, None
    while pos + 8 <= len(data):
        chunk_id, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        body = data[pos + 8 : pos + 8 + size]
        if chunk_id == b"fmt ":
            fmt = struct.unpack("<HHIIHH", body[:16])
        elif chunk_id == b"data":
            pcm = body
            break
        pos += 8 + size + (size & 1)
    if fmt is None or pcm is None:
        raise SpeechFailed("Tệp WAV do bộ đọc tạo ra thiếu phần định dạng hoặc dữ liệu.")
    audio_format, channels, rate, _, _, bits = fmt
    if audio_format not in (1, 0xFFFE) or bits != 16 or channels not in (1, 2):
        raise SpeechFailed(f"Bộ đọc tạo WAV {bits} bit, {channels} kênh: chỉ nhận PCM 16 bit, 1 hoặc 2 kênh.")
    pcm = pcm[: len(pcm) - len(pcm) % (2 * channels)]
    if channels == 2:
        import numpy as np

        stereo = np.frombuffer(pcm, "<i2").reshape(-1, 2).astype(np.int32)
        pcm = (stereo.sum(axis=1) // 2).astype("<i2").tobytes()
    return pcm, rate


def _run(argv, text, output, what):
    try:
        proc = subprocess.run(
            argv, input=text.encode("utf-8"), capture_output=True, timeout=COMMAND_TIMEOUT_S, check=False
        )
    except FileNotFoundError as exc:
        raise SpeechUnavailable(f"Không chạy được {what} ({argv[0]}): không tìm thấy chương trình.") from exc
    except PermissionError as exc:
        raise SpeechUnavailable(f"Không chạy được {what} ({argv[0]}): không có quyền thực thi.") from exc
    except subprocess.TimeoutExpired as exc:
        raise SpeechFailed(f"{what} không đọc xong sau {COMMAND_TIMEOUT_S} giây.") from exc
    if proc.returncode != 0:
        tail = proc.stderr.decode("utf-8", "replace").strip()[-500:]
        raise SpeechFailed(f"{what} báo lỗi (mã {proc.returncode}): {tail or 'không có thông báo'}")
    try:
        data = Path(output).read_bytes()
    except FileNotFoundError as exc:
        raise SpeechFailed(f"{what} không tạo ra tệp âm thanh.") from exc
    return read_wav(data)


def _resolve_command(command):
    """'piper' / '/opt/piper/piper' / 'python3 -m piper' → argv with its program found, or None."""
    argv = shlex.split(command)
    if not argv:
        return None
    found = shutil.which(argv[0])
    if found is None:
        return None
    return [found, *argv[1:]]


# --- espeak-ng ----------------------------------------------------------------------------

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_POS_CHARACTER = 1
_espeakCHARS_UTF8 = 1
_espeakENDPAUSE = 0x1000
_espeakRATE = 1
_SYNTH_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)


class _EspeakLibrary:
    """libespeak-ng from the espeakng-loader wheel.

    espeak-ng's wave generator keeps state in function-level statics (pitch flutter index,
    gain, phase) that carry over from one utterance to the next and that espeak_Initialize
    does not reset, so the same text would give slightly different samples depending on what
    the process read before. To make synthesis a pure function, each call loads the library
    afresh (dlopen, espeak_Initialize, espeak_Synth, espeak_Terminate, dlclose): about 1 ms,
    against 5–10 ms of synthesis per second of speech. One lock serialises the calls.

    Each such cycle leaves about 2 KB behind (something loaded with a voice that
    espeak_Terminate does not free; a library kept loaded leaks nothing, and loading and
    unloading without synthesising leaks nothing): 1 MB per ~500 chunks of up to CHUNK_CHARS.
    Bulletins are made in django-q2 workers, which are recycled after 500 tasks by default
    (Q_CLUSTER "recycle"), so this stays bounded."""

    _instance = None
    _instance_lock = threading.Lock()

    @classmethod
    def get(cls):
        """The library, or None when the wheel is not installed."""
        with cls._instance_lock:
            if cls._instance is None:
                try:
                    import espeakng_loader
                except ImportError:
                    return None
                cls._instance = cls(espeakng_loader.get_library_path(), espeakng_loader.get_data_path())
            return cls._instance

    def __init__(self, library_path, data_path):
        self.library_path = library_path
        self.data_path = data_path
        self.lock = threading.Lock()
        self._chunks = []
        self._callback = _SYNTH_CALLBACK(self._collect)  # kept referenced while the library may call it
        with self.lock:
            lib, self.sample_rate = self._open()
            self.version = (lib.espeak_Info(None) or b"").decode()
            self._close(lib)

    def _open(self):
        try:
            lib = ctypes.CDLL(self.library_path, mode=ctypes.RTLD_LOCAL)
        except OSError as exc:
            raise SpeechUnavailable(
                f"Không nạp được thư viện espeak-ng ({self.library_path}): {exc}. " + ESPEAK_INSTALL_HINT
            ) from exc
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_SetSynthCallback.argtypes = [_SYNTH_CALLBACK]
        lib.espeak_SetSynthCallback.restype = None
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_SetParameter.restype = ctypes.c_int
        lib.espeak_Synth.argtypes = [
            ctypes.c_void_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        lib.espeak_Synth.restype = ctypes.c_int
        lib.espeak_Synchronize.restype = ctypes.c_int
        lib.espeak_Terminate.restype = ctypes.c_int
        lib.espeak_Info.argtypes = [ctypes.c_void_p]
        lib.espeak_Info.restype = ctypes.c_char_p
        rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, self.data_path.encode(), 0)
        if rate <= 0:
            self._close(lib, terminate=False)
            raise SpeechUnavailable(
                f"Không khởi động được espeak-ng với dữ liệu {self.data_path}. " + ESPEAK_INSTALL_HINT
            )
        lib.espeak_SetSynthCallback(self._callback)
        return lib, rate

    @staticmethod
    def _close(lib, terminate=True):
        if terminate:
            lib.espeak_Terminate()
        handle = lib._handle
        del lib
        _ctypes.dlclose(handle)

    def _collect(self, wav, numsamples, events):
        if numsamples > 0:
            self._chunks.append(ctypes.string_at(wav, numsamples * 2))
        return 0

    def synthesize(self, text, voice_name, rate):
        data = text.encode("utf-8") + b"\0"
        with self.lock:
            lib, sample_rate = self._open()
            try:
                self._chunks = []
                if lib.espeak_SetVoiceByName(voice_name.encode()) != 0:
                    raise SpeechUnavailable(f"espeak-ng không có giọng {voice_name!r}. " + ESPEAK_INSTALL_HINT)
                lib.espeak_SetParameter(_espeakRATE, int(rate), 0)
                err = lib.espeak_Synth(
                    data, len(data), 0, _POS_CHARACTER, 0, _espeakCHARS_UTF8 | _espeakENDPAUSE, None, None
                )
                lib.espeak_Synchronize()
                pcm, self._chunks = b"".join(self._chunks), []
            finally:
                self._close(lib)
        if err != 0:
            raise SpeechFailed(f"espeak-ng báo lỗi {err} khi đọc văn bản.")
        return pcm, sample_rate


class EspeakEngine:
    """espeak-ng's Vietnamese voices; the bundled library, or an espeak-ng program."""

    name = "espeak"

    def __init__(self, rate=None, command=None):
        self.rate = int(rate or DEFAULTS["TTS_RATE"])
        if not 80 <= self.rate <= 450:
            raise ValueError(f"TTS_RATE={self.rate}: tốc độ đọc phải từ 80 đến 450 từ mỗi phút.")
        self.command = command

    def voices(self):
        return list(VOICES)

    def backend(self):
        """'library' or the argv of the espeak-ng program it will run. Raises SpeechUnavailable."""
        if self.command:
            argv = _resolve_command(self.command)
            if argv is None:
                raise SpeechUnavailable(
                    f"Không tìm thấy chương trình espeak-ng TTS_ESPEAK_COMMAND={self.command!r}. " + ESPEAK_INSTALL_HINT
                )
            return argv
        if _EspeakLibrary.get() is not None:
            return "library"
        argv = _resolve_command("espeak-ng")
        if argv is None:
            raise SpeechUnavailable("Không tìm thấy bộ đọc espeak-ng. " + ESPEAK_INSTALL_HINT)
        return argv

    def synthesize(self, text, voice):
        voice_name = ESPEAK_VOICES[check_voice(voice)]
        text = " ".join(text.split())  # one line: espeak makes a pause of a line break anyway
        backend = self.backend()
        if backend == "library":
            return _EspeakLibrary.get().synthesize(text, voice_name, self.rate)
        with tempfile.TemporaryDirectory(prefix="tincoso-tts-") as tmp:
            output = str(Path(tmp) / "out.wav")
            argv = [*backend, "-v", voice_name, "-s", str(self.rate), "-b", "1", "-w", output, "--stdin"]
            return _run(argv, text, output, "espeak-ng")


# --- Piper --------------------------------------------------------------------------------

_PIPER_VOICES = {}  # model path → loaded PiperVoice (piper-tts), loading takes seconds
_PIPER_LOCK = threading.Lock()


def parse_voice_models(value) -> dict:
    """{'nam': '/a.onnx'} or 'nam=/a.onnx,trung=/b.onnx' → a dict checked against VOICES."""
    if not value:
        return {}
    if isinstance(value, str):
        pairs = [item.split("=", 1) for item in value.split(",") if item.strip()]
        if any(len(p) != 2 for p in pairs):
            raise SpeechUnavailable(f"TTS_PIPER_VOICES={value!r} sai dạng: cần 'bac=/đường/dẫn.onnx,nam=…'.")
        value = {k.strip(): v.strip() for k, v in pairs}
    for voice in value:
        if voice not in VOICES:
            raise SpeechUnavailable(f"TTS_PIPER_VOICES: giọng {voice!r} không có; chọn trong {', '.join(VOICES)}.")
    return dict(value)


class PiperEngine:
    """A Piper voice model read from a local path."""

    name = "piper"

    def __init__(self, model=None, command=None, voice_models=None):
        self.model = str(model) if model else None
        self.command = command
        self.voice_models = parse_voice_models(voice_models)

    def voices(self):
        return list(VOICES) if self.model else [v for v in VOICES if v in self.voice_models]

    def model_for(self, voice):
        """The model file of a voice, checked. Raises SpeechUnavailable."""
        check_voice(voice)
        model = self.voice_models.get(voice) or self.model
        if not model:
            raise SpeechUnavailable(
                "Đã chọn bộ đọc Piper (TTS_ENGINE=piper) nhưng chưa đặt TTS_PIPER_MODEL: "
                "hãy đặt đường dẫn tới tệp mô hình giọng đọc tiếng Việt (.onnx)."
            )
        path = Path(model)
        if not path.is_file():
            raise SpeechUnavailable(
                f"Không tìm thấy tệp mô hình giọng đọc Piper: {path}. Hãy chép mô hình tiếng Việt "
                "(tệp .onnx và .onnx.json) lên máy chủ và đặt TTS_PIPER_MODEL trỏ tới nó."
            )
        config = Path(f"{path}.json")
        if not config.is_file():
            raise SpeechUnavailable(f"Thiếu tệp cấu hình của mô hình Piper: {config} (phải nằm cạnh tệp .onnx).")
        return path

    def backend(self):
        """The argv of the Piper program, or 'python' for the piper-tts package."""
        if self.command:
            argv = _resolve_command(self.command)
            if argv is None:
                raise SpeechUnavailable(
                    f"Không tìm thấy chương trình Piper TTS_PIPER_COMMAND={self.command!r}: "
                    "hãy cài Piper hoặc sửa đường dẫn."
                )
            return argv
        try:
            import piper  # noqa: F401
        except ImportError:
            argv = _resolve_command("piper")
            if argv is None:
                raise SpeechUnavailable(
                    "Không tìm thấy Piper: hãy cài gói piper-tts (pip install piper-tts) "
                    "hoặc đặt TTS_PIPER_COMMAND là đường dẫn chương trình piper."
                ) from None
            return argv
        return "python"

    def synthesize(self, text, voice):
        model = self.model_for(voice)
        backend = self.backend()
        if backend == "python":
            return self._synthesize_python(text, model)
        # One sentence a line: both Piper programs read each line as an utterance.
        lines = "\n".join(line.strip() for line in text.splitlines() if line.strip()) + "\n"
        with tempfile.TemporaryDirectory(prefix="tincoso-tts-") as tmp:
            output = str(Path(tmp) / "out.wav")
            return _run([*backend, "--model", str(model), "--output_file", output], lines, output, "Piper")

    def _synthesize_python(self, text, model):
        from piper import PiperVoice

        with _PIPER_LOCK:
            voice = _PIPER_VOICES.get(str(model))
            if voice is None:
                try:
                    voice = PiperVoice.load(str(model))
                except Exception as exc:  # onnxruntime's errors for a damaged or foreign file
                    raise SpeechUnavailable(f"Không nạp được mô hình Piper {model}: {exc}") from exc
                _PIPER_VOICES[str(model)] = voice
        rate = voice.config.sample_rate
        if hasattr(voice, "synthesize_stream_raw"):  # piper-tts 1.2
            return b"".join(voice.synthesize_stream_raw(text)), rate
        out = io.BytesIO()
        for chunk in voice.synthesize(text):  # piper-tts 1.3+: AudioChunk objects
            rate = chunk.sample_rate
            out.write(chunk.audio_int16_bytes)
        return out.getvalue(), rate


def engine_description(engine) -> str:
    """'espeak (libespeak-ng 1.52.0, bundled)' and the like, for benchmarks and logs."""
    if isinstance(engine, EspeakEngine):
        try:
            backend = engine.backend()
        except SpeechUnavailable:
            return "espeak (unavailable)"
        if backend == "library":
            return f"espeak (libespeak-ng {_EspeakLibrary.get().version}, espeakng-loader wheel, {engine.rate} wpm)"
        return f"espeak ({' '.join(backend)}, {engine.rate} wpm)"
    return getattr(engine, "name", type(engine).__name__)
