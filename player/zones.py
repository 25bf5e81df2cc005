"""A zoned screen's frame: the playlist's ``layout`` (docs/architecture.md, the zone contract)
drawn by the player itself, at the board's size.

- ``main``: the item playing, scaled into the zone (kept whole, centred) when its size differs;
- ``image``: the zone's picture (downloaded like an item, sha256-checked), for as long as the
  playlist lasts;
- ``clock``: the player's own clock, in the zone's time zone (``timezone`` when this machine
  has the tz data, else ``utc_offset``): ``time_format`` large on the first line,
  ``date_format`` (``{weekday}`` = ``weekdays[datetime.weekday()]``) on the second;
- ``ticker``: ``text`` + ``separator``, looping, coming in at the right edge and moving left at
  ``speed_px_s``; where it is depends only on the time elapsed since the layout was taken up
  (monotonic), so frames drawn at any rate agree.

Text is drawn in the layout's ``font`` (a TrueType file the player downloaded). This needs
Pillow; ``Composer`` raises RuntimeError without it (player/display.py then shows the main zone
only and says why once). ``layout_files`` and ``validate_layout`` need nothing but the standard
library.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta, timezone

log = logging.getLogger("player")

try:  # optional
    from PIL import Image, ImageDraw, ImageFont
except Exception:  # noqa: BLE001 - pragma: no cover - Pillow missing on the box
    Image = ImageDraw = ImageFont = None

MAX_SIDE = 7680
_SHA = re.compile(r"^[0-9a-f]{64}$")
_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
OFFSET = re.compile(r"^([+-])([01][0-9]|2[0-3]):([0-5][0-9])$")  # "+07:00"


def _file_ref(entry, where) -> None:
    if not isinstance(entry, dict):
        raise ValueError(f"{where} must be an object with url, sha256 and bytes")
    if not isinstance(entry.get("url"), str) or not entry["url"]:
        raise ValueError(f"{where}.url must be a non-empty string")
    if not isinstance(entry.get("sha256"), str) or not _SHA.match(entry["sha256"]):
        raise ValueError(f"{where}.sha256 must be 64 lowercase hex digits")
    size = entry.get("bytes")
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise ValueError(f"{where}.bytes must be a non-negative integer")


def _pixels(value, where, minimum=0) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= MAX_SIDE:
        raise ValueError(f"{where} must be an integer from {minimum} to {MAX_SIDE}")


def validate_layout(layout) -> None:
    """Check playlist.json's ``layout`` (None: a whole-screen board). Raises ValueError, so a
    playlist with a broken layout never replaces a good one. Unknown roles are tolerated (the
    zone shows the layout's background)."""
    if layout is None:
        return
    if not isinstance(layout, dict):
        raise ValueError("layout must be an object or null")
    _pixels(layout.get("width"), "layout.width", 1)
    _pixels(layout.get("height"), "layout.height", 1)
    for key in ("background",):
        if layout.get(key) is not None and not _COLOUR.match(str(layout[key])):
            raise ValueError(f"layout.{key} must look like #0A4F95")
    if layout.get("font") is not None:
        _file_ref(layout["font"], "layout.font")
    zones = layout.get("zones")
    if not isinstance(zones, list) or not zones:
        raise ValueError("layout.zones must be a non-empty list")
    seen = set()
    for index, zone in enumerate(zones):
        where = f"layout.zones[{index}]"
        if not isinstance(zone, dict) or not isinstance(zone.get("id"), str) or not zone["id"]:
            raise ValueError(f"{where} must be an object with an id")
        if zone["id"] in seen:
            raise ValueError(f"{where}.id {zone['id']!r} is used twice")
        seen.add(zone["id"])
        for key in ("x", "y"):
            _pixels(zone.get(key), f"{where}.{key}")
        for key in ("width", "height"):
            _pixels(zone.get(key), f"{where}.{key}", 1)
        if zone["x"] + zone["width"] > layout["width"] or zone["y"] + zone["height"] > layout["height"]:
            raise ValueError(f"{where} goes beyond the layout")
        for key in ("colour", "background", "date_colour"):
            if zone.get(key) is not None and not _COLOUR.match(str(zone[key])):
                raise ValueError(f"{where}.{key} must look like #FFFFFF")
        role = zone.get("role")
        if role == "image":
            _file_ref(zone, where)
        elif role == "ticker":
            speed = zone.get("speed_px_s")
            if isinstance(speed, bool) or not isinstance(speed, (int, float)) or not 0 < speed <= 10000:
                raise ValueError(f"{where}.speed_px_s must be a positive number")
            if not isinstance(zone.get("text"), str):
                raise ValueError(f"{where}.text must be a string")
        elif role == "clock":
            if not isinstance(zone.get("time_format"), str):
                raise ValueError(f"{where}.time_format must be a string")
            if zone.get("utc_offset") is not None and not OFFSET.match(str(zone["utc_offset"])):
                raise ValueError(f"{where}.utc_offset must look like +07:00")
            weekdays = zone.get("weekdays")
            if weekdays is not None and (not isinstance(weekdays, list) or len(weekdays) != 7):
                raise ValueError(f"{where}.weekdays must list seven names, Monday first")
    if "main" not in seen:
        raise ValueError("layout.zones has no 'main' zone")


def layout_files(layout) -> list:
    """The files a layout needs besides the items (its font, its image zones' pictures), as
    ``{"url", "sha256", "bytes"}`` entries the player downloads like items."""
    if not isinstance(layout, dict):
        return []
    files = [layout["font"]] if isinstance(layout.get("font"), dict) else []
    files += [z for z in layout.get("zones") or [] if isinstance(z, dict) and z.get("role") == "image"]
    return files


def rgb(value, default=(0, 0, 0)):
    """ "#0A4F95" → (10, 79, 149); anything else → ``default``."""
    if isinstance(value, str) and _COLOUR.match(value):
        return tuple(int(value[i : i + 2], 16) for i in (1, 3, 5))
    return default


def local_zone(source):
    """The time zone a playlist (broadcast times, power hours) or a clock zone names: its
    ``timezone`` when this box knows it, else its ``utc_offset`` (as of when it was
    generated), else UTC."""
    name = source.get("timezone")
    if isinstance(name, str) and name:
        try:
            from zoneinfo import ZoneInfo

            return ZoneInfo(name)
        except Exception:  # noqa: BLE001 - no tz database on the box, or an unknown name
            pass
    match = OFFSET.match(str(source.get("utc_offset") or ""))
    if match:
        sign = -1 if match.group(1) == "-" else 1
        return timezone(sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3))))
    return UTC


def zone_time(zone, now: datetime) -> datetime:
    """``now`` in the clock zone's time (local_zone)."""
    return now.astimezone(local_zone(zone))


def clock_lines(zone, now: datetime):
    """(time line, date line) a clock zone shows at ``now`` (UTC, aware)."""
    local = zone_time(zone, now)
    weekdays = zone.get("weekdays") or ["T2", "T3", "T4", "T5", "T6", "T7", "CN"]
    date_format = zone.get("date_format") or ""
    date = weekdays[local.weekday()].join(local.strftime(part) for part in date_format.split("{weekday}"))
    return local.strftime(zone.get("time_format") or "%H:%M"), date


def fit_into(picture, width, height):
    """``picture`` scaled to fit ``width``×``height`` whole (its proportions kept), or as it is
    when it already has that size. Returns (image, left, top) inside the box."""
    if picture.size == (width, height):
        return picture, 0, 0
    scale = min(width / picture.width, height / picture.height)
    size = (max(1, round(picture.width * scale)), max(1, round(picture.height * scale)))
    return picture.resize(size, Image.LANCZOS), (width - size[0]) // 2, (height - size[1]) // 2


class Composer:
    """Draws frames of one layout. ``path_for(sha256)``: where the cache keeps a file."""

    def __init__(self, layout, path_for):
        if Image is None:
            raise RuntimeError("Pillow chưa được cài: chỉ hiện vùng nội dung chính")
        self.layout = layout
        self.size = (layout["width"], layout["height"])
        self.background = rgb(layout.get("background"), (0, 0, 0))
        self.zones = layout["zones"]
        self.main = next(z for z in self.zones if z["id"] == "main")
        self.font_path = None
        if isinstance(layout.get("font"), dict):
            self.font_path = str(path_for(layout["font"]["sha256"]))
        self._fonts = {}
        self.pictures = {}
        for zone in self.zones:
            if zone.get("role") == "image":
                with Image.open(path_for(zone["sha256"])) as picture:
                    self.pictures[zone["id"]] = fit_into(picture.convert("RGB"), zone["width"], zone["height"])
        self.tickers = {z["id"]: self._ticker_unit(z) for z in self.zones if z.get("role") == "ticker"}
        self._clock_cache = {}

    def has(self, role) -> bool:
        return any(z.get("role") == role for z in self.zones)

    def font(self, size):
        size = max(4, int(size))
        if size not in self._fonts:
            if self.font_path:
                self._fonts[size] = ImageFont.truetype(self.font_path, size)
            else:
                self._fonts[size] = ImageFont.load_default(size)
        return self._fonts[size]

    def _fitting_font(self, text, size, width):
        """The font at ``size`` px, smaller until ``text`` fits ``width``."""
        font = self.font(size)
        while size > 6 and font.getlength(text) > width:
            size = int(size * 0.9)
            font = self.font(size)
        return font

    def _ticker_unit(self, zone):
        """One loop of a ticker (text + separator) drawn on its band's background."""
        text = (zone.get("text") or "") + (zone.get("separator") or "   ")
        font = self.font(zone.get("font_px") or zone["height"] * 0.6)
        width = max(1, round(font.getlength(text)))
        unit = Image.new("RGB", (width, zone["height"]), rgb(zone.get("background"), self.background))
        draw = ImageDraw.Draw(unit)
        if zone.get("crisp"):
            draw.fontmode = "1"  # a tiny LED board: no grey edges
        draw.text((0, zone["height"] / 2), text, font=font, fill=rgb(zone.get("colour"), (255, 255, 255)), anchor="lm")
        return unit

    def ticker_band(self, zone, elapsed: float):
        """The ticker zone ``elapsed`` seconds after it started: the text comes in at the right
        edge, then loops."""
        unit = self.tickers[zone["id"]]
        band = Image.new("RGB", (zone["width"], zone["height"]), rgb(zone.get("background"), self.background))
        travelled = max(0.0, elapsed) * float(zone["speed_px_s"])
        if travelled < zone["width"]:
            left = int(zone["width"] - travelled)
        else:
            left = -int((travelled - zone["width"]) % unit.width)
        while left < zone["width"]:
            band.paste(unit, (left, 0))
            left += unit.width
        return band

    def clock_face(self, zone, now: datetime):
        """The clock zone at ``now``."""
        lines = clock_lines(zone, now)
        key = (zone["id"], lines)
        face = self._clock_cache.get(key)
        if face is None:
            width, height = zone["width"], zone["height"]
            face = Image.new("RGB", (width, height), rgb(zone.get("background"), self.background))
            draw = ImageDraw.Draw(face)
            colour = rgb(zone.get("colour"), (255, 255, 255))
            time_font = self._fitting_font(lines[0], height * 0.42, width * 0.92)
            if lines[1]:
                date_font = self._fitting_font(lines[1], height * 0.15, width * 0.92)
                draw.text((width / 2, height * 0.42), lines[0], font=time_font, fill=colour, anchor="mm")
                date_colour = rgb(zone.get("date_colour"), colour)
                draw.text((width / 2, height * 0.76), lines[1], font=date_font, fill=date_colour, anchor="mm")
            else:
                draw.text((width / 2, height / 2), lines[0], font=time_font, fill=colour, anchor="mm")
            self._clock_cache = {key: face}  # only the face showing now is kept
        return face

    def compose(self, main_picture, now: datetime, elapsed: float):
        """The whole frame: ``main_picture`` (a PIL image, or None) in the main zone, the other
        zones as they are at ``now`` (UTC) and ``elapsed`` seconds into the layout."""
        canvas = Image.new("RGB", self.size, self.background)
        for zone in self.zones:
            box = (zone["x"], zone["y"])
            role = zone.get("role")
            if zone is self.main:
                if main_picture is not None:
                    picture, left, top = fit_into(main_picture, zone["width"], zone["height"])
                    canvas.paste(picture, (box[0] + left, box[1] + top))
            elif role == "image":
                picture, left, top = self.pictures[zone["id"]]
                canvas.paste(picture, (box[0] + left, box[1] + top))
            elif role == "clock":
                canvas.paste(self.clock_face(zone, now), box)
            elif role == "ticker":
                canvas.paste(self.ticker_band(zone, elapsed), box)
            elif zone.get("background"):
                canvas.paste(rgb(zone["background"]), (*box, box[0] + zone["width"], box[1] + zone["height"]))
        return canvas
