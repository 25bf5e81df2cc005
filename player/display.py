"""Showing an item, or playing a bulletin on the loudspeakers.

Headless (default): log ``time item_id title`` and write the frame being shown to
``DIR/current.png`` atomically, so a test or a watchdog can look at it. With Pillow the image
is converted to PNG (a video gets a dark placeholder with its title); without Pillow a PNG is
copied as is. An audio bulletin is logged (``phát âm thanh: <title> (<duration> s)``) and
"plays" for its duration, in silence.

A zoned screen (playlist.json's ``layout``, player/zones.py; ``set_layout``): every frame is
composed at the board's size (the item in the main zone, the image zones, the clock from the
player's own clock, the ticker scrolling) and ``current.png`` is rewritten atomically while
something moves: ``frame_rate`` times a second while a ticker runs (``--frame-rate``, default
4), once a second (on the second) for a clock alone, only at each item for still zones.
Without Pillow there is nothing to compose with: the main zone's item alone is shown, as
before, and the log says why once.

Display (``--display``, best effort, Linux): also hand the file to ``mpv`` (images and
videos, fullscreen, one process per item) or, failing that, ``feh`` (images only). With
neither installed it stays headless and says so once. A zoned screen is shown by one
``feh --fullscreen --auto-zoom --reload 1 current.png`` for as long as the layout lasts: feh
(built with inotify, as Debian's is) reloads the picture as soon as it is replaced, so the
screen shows the composed frames as they are written (the ticker at ``frame_rate``); without
feh, mpv shows the main zone's items alone, as on a whole screen, and the log says so once.
An audio bulletin goes to the first of ``mpv --no-video``, ``ffplay -nodisp -autoexit`` and
``mpg123`` that is installed (one process per bulletin; stopped when an emergency pre-empts
it), at ``volume`` (0–100) when one was set.

Screen off (``blank``): a black frame (``current.png`` black; on a display, a black picture
fullscreen, and DPMS "off" through ``xset`` when there is one). ``grab()``: PNG bytes of what is
on screen now: the X display itself when it can be read (Pillow's ImageGrab, ImageMagick's
``import``, ``scrot``), else the frame the player shows (``current.png``).
"""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
import struct
import subprocess
import tempfile
import threading
import time
import zlib
from datetime import UTC, datetime
from pathlib import Path

from player.zones import Composer

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


def png_size(data: bytes):
    """(width, height) of PNG bytes, or None."""
    if len(data) >= 24 and data.startswith(PNG_MAGIC) and data[12:16] == b"IHDR":
        return struct.unpack(">II", data[16:24])
    return None


def solid_png(width: int, height: int, rgb=(0, 0, 0)) -> bytes:
    """A PNG of one colour, with the standard library only (no Pillow needed)."""

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    row = b"\x00" + bytes(rgb) * width
    packer = zlib.compressobj(9)
    pixels = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return PNG_MAGIC + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


SCREENSHOT_MAX_BYTES = 1 << 20  # what POST <board>/screenshot accepts (boards/api.py)
SCREENSHOT_MAX_SIDE = 7680
SCREENSHOT_MAX_PIXELS = 7680 * 4320
JPEG_MAGIC = b"\xff\xd8\xff"


def fit_screenshot(data: bytes):
    """(bytes, content type) the server accepts: a PNG or JPEG of at most 1 MiB and 7680 px a
    side; anything else is made into a JPEG, smaller if need be, with Pillow. ValueError when
    it cannot be (no Pillow, not an image)."""
    kind = "image/png" if data.startswith(PNG_MAGIC) else "image/jpeg" if data.startswith(JPEG_MAGIC) else None
    size = png_size(data)
    if kind and size is None and Image is not None:
        try:
            with Image.open(io.BytesIO(data)) as picture:
                size = picture.size
        except Exception:  # noqa: BLE001 - re-encoded below
            kind = None
    if kind and len(data) <= SCREENSHOT_MAX_BYTES and size is not None:
        width, height = size
        if max(width, height) <= SCREENSHOT_MAX_SIDE and width * height <= SCREENSHOT_MAX_PIXELS:
            return data, kind
    if Image is None:
        raise ValueError(f"ảnh {len(data)} byte, cần PNG/JPEG ≤ 1 MiB và không có Pillow để đổi")
    try:
        with Image.open(io.BytesIO(data)) as picture:
            picture = picture.convert("RGB")
    except Exception as error:  # noqa: BLE001 - not an image at all
        raise ValueError(f"không phải ảnh: {error}") from None
    width, height = picture.size
    factor = min(1.0, SCREENSHOT_MAX_SIDE / max(width, height), (SCREENSHOT_MAX_PIXELS / (width * height)) ** 0.5)
    for quality, shrink in ((85, 1.0), (70, 1.0), (70, 0.7), (60, 0.5), (50, 0.35), (50, 0.2)):
        scale = factor * shrink
        resized = picture.resize((max(1, int(width * scale)), max(1, int(height * scale)))) if scale < 1 else picture
        out = io.BytesIO()
        resized.save(out, "JPEG", quality=quality)
        if out.tell() <= SCREENSHOT_MAX_BYTES:
            return out.getvalue(), "image/jpeg"
    raise ValueError("ảnh quá lớn, không thu nhỏ được dưới 1 MiB")


BLANK_ITEM = {"id": "power-off", "kind": "image", "title": "màn hình tắt"}


def main_picture(item, path: Path, size):
    """The item as a picture for the main zone of ``size``: the image itself, or for a video
    a dark card with its title (the reference player does not decode video). None when it
    cannot be read."""
    if item["kind"] == "image":
        try:
            with Image.open(path) as picture:
                return picture.convert("RGB")
        except Exception as error:  # noqa: BLE001 - not an image Pillow knows
            log.warning("cannot convert %s: %s", path.name, error)
            return None
    card = Image.new("RGB", size, (16, 16, 16))
    ImageDraw.Draw(card).text((20, 20), f"video {item['id']}: {item.get('title') or ''}", fill=(230, 230, 230))
    return card


class Headless:
    """``frame_rate``: composed frames a second while a ticker runs; ``monotonic``: the clock
    the ticker moves by (tests give their own). ``clock`` (the time a clock zone shows) is the
    player's own (player.client.Player sets it)."""

    def __init__(self, root, frame_rate=4.0, monotonic=time.monotonic):
        if not float(frame_rate) > 0:
            raise ValueError("frame_rate must be more than 0")
        self.root = Path(root)
        self.frame_path = self.root / "current.png"
        self.volume = None  # 0–100 once the server set one (player.client.Player)
        self.clock = lambda: datetime.now(UTC)
        self.frame_rate = float(frame_rate)
        self.monotonic = monotonic
        self.composer = None  # player.zones.Composer of the layout taken up, or None
        self._layout_key = None
        self._ticker_key = None  # the ticker zones taken up: the same again, the text runs on
        self._layout_started = 0.0
        self._main = None  # the main zone's picture
        self._showing = False  # an item is up in the main zone (not: nothing yet, or black)
        self._zones_lock = threading.RLock()
        self._stopped = threading.Event()
        self._ticker = None  # the thread redrawing moving zones
        self._said_no_pillow = False

    def frame_size(self, default=(640, 360)):
        """The size of the frame last shown, else ``default``."""
        try:
            with open(self.frame_path, "rb") as handle:
                return png_size(handle.read(24)) or default
        except OSError:
            return default

    def blank(self, size=None) -> None:
        """Screen off: show black (``current.png`` black)."""
        width, height = size or self.frame_size()
        black = self.root / "black.png"
        data = solid_png(max(1, int(width)), max(1, int(height)))
        if not (black.exists() and black.read_bytes() == data):
            tmp = black.with_name("black.png.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, black)
        self.show(BLANK_ITEM, black)

    def wake(self) -> None:
        """Screen on again (the next ``show`` puts a picture up)."""

    def grab(self):
        """PNG bytes of what is on screen now (here: the frame the player shows), or None."""
        try:
            return self.frame_path.read_bytes()
        except OSError:
            return None

    # zones ---------------------------------------------------------------------------
    def set_layout(self, layout, path_for) -> None:
        """Take up a playlist's ``layout`` (None: the whole screen, as before); its files are
        in the cache (``path_for(sha256)``). The same layout again changes nothing; a new one
        with the same ticker lets the text run on where it is, a new ticker starts at the right
        edge."""
        key = json.dumps(layout, sort_keys=True) if layout else None
        with self._zones_lock:
            if key == self._layout_key:
                return
            self._layout_key = key
            self.composer = None
            if layout and Image is None:
                if not self._said_no_pillow:
                    self._said_no_pillow = True
                    log.warning(
                        "bố cục màn hình “%s”: Pillow chưa được cài, chỉ hiện vùng nội dung chính", layout.get("name")
                    )
            elif layout:
                try:
                    self.composer = Composer(layout, path_for)
                    tickers = json.dumps([z for z in layout["zones"] if z.get("role") == "ticker"], sort_keys=True)
                    if tickers != self._ticker_key:
                        self._ticker_key, self._layout_started = tickers, self.monotonic()
                except Exception as error:  # noqa: BLE001 - a broken font or picture: the main zone still plays
                    log.warning("không vẽ được bố cục màn hình (%r): chỉ hiện vùng nội dung chính", error)
            showing = self._showing and self.composer is not None
        if showing:
            self.render()
        self._start_ticking()

    def _moving_interval(self):
        """Seconds to the next frame of the moving zones, or None when nothing moves."""
        composer = self.composer
        if composer is None or not self._showing:
            return None
        if composer.has("ticker"):
            return 1.0 / self.frame_rate
        if composer.has("clock"):
            now = self.clock()
            return 1.0 - now.microsecond / 1e6 + 0.01  # just after the next second begins
        return None

    def _start_ticking(self) -> None:
        with self._zones_lock:
            if self._ticker is not None or self.composer is None or self._stopped.is_set():
                return
            if not (self.composer.has("ticker") or self.composer.has("clock")):
                return
            self._ticker = threading.Thread(target=self._tick_loop, name="zones", daemon=True)
            self._ticker.start()

    def _tick_loop(self) -> None:
        while not self._stopped.is_set():
            with self._zones_lock:
                interval = self._moving_interval()
            if self._stopped.wait(1.0 if interval is None else interval):
                break
            if interval is not None:
                try:
                    self.render()
                except Exception as error:  # noqa: BLE001 - the next frame tries again
                    log.warning("cannot draw the zones: %r", error)

    def render(self):
        """Compose the frame now and write it to ``current.png``; returns its PNG bytes, or
        None when there is no layout or nothing is up."""
        with self._zones_lock:
            composer, main = self.composer, self._main
            if composer is None or not self._showing:
                return None
            frame = composer.compose(main, self.clock(), self.monotonic() - self._layout_started)
            out = io.BytesIO()
            frame.save(out, "PNG", compress_level=1)
            data = out.getvalue()
            self._write_frame(data)
        return data

    def _write_frame(self, data: bytes) -> None:
        tmp = self.frame_path.with_name("current.png.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, self.frame_path)

    def show(self, item, path: Path) -> None:
        log.info(
            "%s %s %s", datetime.now().astimezone().isoformat(timespec="seconds"), item["id"], item.get("title") or ""
        )
        with self._zones_lock:
            composer = self.composer if item is not BLANK_ITEM else None
            self._showing = composer is not None
            if composer is not None:
                main = composer.main
                self._main = main_picture(item, path, (main["width"], main["height"]))
        if composer is not None:
            self.render()
            self._start_ticking()
            return
        data = frame_png(item, path)
        if data is None:
            return
        with self._zones_lock:
            self._write_frame(data)

    def play_audio(self, item, path: Path):
        """Start playing an MP3 bulletin; returns the process playing it, or None (headless:
        the player waits its duration)."""
        level = "" if self.volume is None else f", âm lượng {int(self.volume)} %"
        log.info(
            "phát âm thanh: %s (%.1f s)%s", item.get("title") or item["id"], float(item.get("duration_s") or 0), level
        )
        return None

    def stop_audio(self, process) -> None:
        if process is not None and process.poll() is None:
            process.terminate()

    def close(self) -> None:
        """Stop redrawing the zones."""
        self._stopped.set()
        ticker = self._ticker
        if ticker is not None and ticker is not threading.current_thread():
            ticker.join(timeout=5)


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


def volume_arguments(command, volume) -> list:
    """The arguments setting ``volume`` (0–100) for an audio program's argv prefix ``command``."""
    if volume is None or not command:
        return []
    name = Path(command[0]).name
    if name == "mpv":
        return [f"--volume={int(volume)}"]
    if name == "ffplay":
        return ["-volume", str(int(volume))]
    if name == "mpg123":
        return ["-f", str(int(32768 * int(volume) / 100))]  # output scale, 32768 = 100 %
    return []


def _run_quiet(command, timeout=10):
    try:
        return subprocess.run(command, capture_output=True, timeout=timeout, check=False)
    except (OSError, subprocess.SubprocessError) as error:
        log.info("%s: %s", command[0], error)
        return None


def grab_x_display():
    """PNG bytes of the whole X screen ($DISPLAY), or None when it cannot be read."""
    if not os.environ.get("DISPLAY"):
        return None
    if Image is not None:
        try:
            from PIL import ImageGrab

            out = io.BytesIO()
            ImageGrab.grab(xdisplay=os.environ["DISPLAY"]).convert("RGB").save(out, "PNG")
            return out.getvalue()
        except Exception as error:  # noqa: BLE001 - Pillow without XCB, no access to the screen
            log.info("ImageGrab: %s", error)
    magick = shutil.which("import")
    if magick:
        result = _run_quiet([magick, "-silent", "-window", "root", "png:-"])
        if result is not None and result.returncode == 0 and result.stdout.startswith(PNG_MAGIC):
            return result.stdout
    scrot = shutil.which("scrot")
    if scrot:
        with tempfile.TemporaryDirectory() as directory:
            target = Path(directory) / "screen.png"
            result = _run_quiet([scrot, "--overwrite", str(target)])
            if result is not None and target.exists():
                data = target.read_bytes()
                if data.startswith(PNG_MAGIC):
                    return data
    return None


class Display(Headless):
    """Fullscreen through mpv/feh when installed; always writes current.png too."""

    def __init__(self, root, frame_rate=4.0, monotonic=time.monotonic):
        super().__init__(root, frame_rate, monotonic)
        self.mpv = shutil.which("mpv")
        self.feh = shutil.which("feh")
        self.process = None
        self.zone_viewer = False  # self.process is the feh showing current.png as it changes
        self._said_no_feh = False
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
            [*self.audio, *volume_arguments(self.audio, self.volume), str(path)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def grab(self):
        """The X screen itself when it can be read, else the frame the player shows."""
        return grab_x_display() or super().grab()

    def blank(self, size=None) -> None:
        super().blank(size)
        self._dpms("off")

    def wake(self) -> None:
        self._dpms("on")

    @staticmethod
    def _dpms(state) -> None:
        xset = shutil.which("xset")
        if xset and os.environ.get("DISPLAY"):
            _run_quiet([xset, "dpms", "force", state], timeout=5)

    def stop_audio(self, process) -> None:
        self._stop(process)

    def show(self, item, path: Path) -> None:
        super().show(item, path)
        if self.composer is not None and item is not BLANK_ITEM:
            if self.feh:
                self._view_zones()
                return
            if not self._said_no_feh:
                self._said_no_feh = True
                log.warning("--display: bố cục màn hình cần feh để hiện các vùng; mpv chỉ hiện vùng nội dung chính")
        self.zone_viewer = False
        if self.mpv:
            command = [
                self.mpv,
                "--fs",
                "--no-terminal",
                "--no-osc",
                "--loop-file=inf",
                "--image-display-duration=inf",
                *volume_arguments([self.mpv], self.volume),
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

    def _view_zones(self) -> None:
        """One feh showing current.png, reloaded as it is rewritten, for as long as the layout lasts."""
        if self.zone_viewer and self.process is not None and self.process.poll() is None:
            return
        command = [
            self.feh,
            "--fullscreen",
            "--hide-pointer",
            "--auto-zoom",
            "--reload",
            "1",
            str(self.frame_path),
        ]
        previous, self.process = (
            self.process,
            subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
        )
        self.zone_viewer = True
        self._stop(previous)

    @staticmethod
    def _stop(process) -> None:
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()

    def close(self) -> None:
        super().close()
        self._stop(self.process)
        self.process = None
