"""Showing an item, or playing a bulletin on the loudspeakers.

Headless (default): log ``time item_id title`` and write the frame being shown to
``DIR/current.png`` atomically, so a test or a watchdog can look at it. With Pillow the image
is converted to PNG (a video gets a dark placeholder with its title); without Pillow a PNG is
copied as is. An audio bulletin is logged (``phát âm thanh: <title> (<duration> s)``) and
"plays" for its duration, in silence.

Display (``--display``, best effort, Linux): also hand the file to ``mpv`` (images and
videos, fullscreen, one process per item) or, failing that, ``feh`` (images only). With
neither installed it stays headless and says so once. An audio bulletin goes to the first of
``mpv --no-video``, ``ffplay -nodisp -autoexit`` and ``mpg123`` that is installed (one process
per bulletin; stopped when an emergency pre-empts it).
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

log = logging.getLogger("player")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

try:  # optional
    from PIL import Image, ImageDraw
except Exception:  # noqa: BLE001 - pragma: no cover - Pillow missing on the box
    Image = ImageDraw = None


def frame_png(item, path: Path):
    """PNG bytes for the frame showing ``item`` (stored at ``path``), or None."""
    if item["kind"] == "image":
        if Image is not None:
            try:
                with Image.open(path) as picture:
                    out = io.BytesIO()
                    picture.convert("RGBA" if "A" in picture.getbands() else "RGB").save(out, "PNG")
                    return out.getvalue()
            except Exception as error:  # noqa: BLE001 - not an image Pillow knows
                log.warning("cannot convert %s: %s", path.name, error)
        with open(path, "rb") as handle:
            data = handle.read()
        return data if data.startswith(PNG_MAGIC) else None
    if Image is not None:  # video: placeholder
        canvas = Image.new("RGB", (640, 360), (16, 16, 16))
        ImageDraw.Draw(canvas).text((20, 20), f"video {item['id']}: {item.get('title') or ''}", fill=(230, 230, 230))
        out = io.BytesIO()
        canvas.save(out, "PNG")
        return out.getvalue()
    return None


class Headless:
    def __init__(self, root):
        self.root = Path(root)
        self.frame_path = self.root / "current.png"

    def show(self, item, path: Path) -> None:
        log.info(
            "%s %s %s", datetime.now().astimezone().isoformat(timespec="seconds"), item["id"], item.get("title") or ""
        )
        data = frame_png(item, path)
        if data is None:
            return
        tmp = self.frame_path.with_name("current.png.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, self.frame_path)

    def play_audio(self, item, path: Path):
        """Start playing an MP3 bulletin; returns the process playing it, or None (headless:
        the player waits its duration)."""
        log.info("phát âm thanh: %s (%.1f s)", item.get("title") or item["id"], float(item.get("duration_s") or 0))
        return None

    def stop_audio(self, process) -> None:
        if process is not None and process.poll() is None:
            process.terminate()

    def close(self) -> None:
        pass


AUDIO_COMMANDS = (  # (program, arguments before the file)
    ("mpv", ["--no-video", "--no-terminal", "--really-quiet"]),
    ("ffplay", ["-nodisp", "-autoexit", "-loglevel", "error"]),
    ("mpg123", ["-q"]),
)


def audio_command():
    """The argv prefix of the first audio player installed, or None."""
    for program, arguments in AUDIO_COMMANDS:
        found = shutil.which(program)
        if found:
            return [found, *arguments]
    return None


class Display(Headless):
    """Fullscreen through mpv/feh when installed; always writes current.png too."""

    def __init__(self, root):
        super().__init__(root)
        self.mpv = shutil.which("mpv")
        self.feh = shutil.which("feh")
        self.process = None
        self.audio = audio_command()
        if not (self.mpv or self.feh):
            log.warning("--display: neither mpv nor feh found, running headless")
        if self.audio is None:
            log.warning("--display: no audio player (mpv, ffplay, mpg123) found: bulletins are only logged")

    def play_audio(self, item, path: Path):
        super().play_audio(item, path)
        if self.audio is None:
            return None
        return subprocess.Popen(
            [*self.audio, str(path)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    def stop_audio(self, process) -> None:
        self._stop(process)

    def show(self, item, path: Path) -> None:
        super().show(item, path)
        if self.mpv:
            command = [
                self.mpv,
                "--fs",
                "--no-terminal",
                "--no-osc",
                "--loop-file=inf",
                "--image-display-duration=inf",
                str(path),
            ]
        elif self.feh and item["kind"] == "image":
            command = [self.feh, "--fullscreen", "--hide-pointer", "--auto-zoom", str(path)]
        else:
            return
        previous, self.process = (
            self.process,
            subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
        )
        self._stop(previous)  # start the new one first so the screen never goes blank

    @staticmethod
    def _stop(process) -> None:
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()

    def close(self) -> None:
        self._stop(self.process)
        self.process = None
