"""A screen divided into zones: where the slides, the scrolling line, the clock and the side panel go.

A board's `layout` (models.BoardLayout: full, ticker, side, side_ticker, led_scroll) names a
layout in its theme's `boards/zones.json` (docs/architecture.md, "Screens: zones"). For each
slide shape of the renderer (tiny, wide, landscape, portrait; `rendering.shape_for`) or "*"
(any other) a layout is a split tree:

    {"zone": "main"}                                   a leaf: one zone filling its box
    {"split": "rows"|"columns", "parts": [node, …]}    the box cut top to bottom / left to right;
                                                       each part has "size": a share of the box
                                                       (0–1) with an optional "min_px", or "*":
                                                       what the others leave (one part at most)

so zones tile the canvas exactly: whole pixels, inside it, never overlapping, by construction.
Zone ids say what a zone is: `main` (the playlist's slides, rendered at its exact size),
`ticker` (the scrolling line), `clock` (time and date, drawn by the player), `panel` (a picture
made by the server: the site's QR code and a short list from calendars and feeds).

Pure: no database, no clock. `zones_for(layout, width, height, theme)` answers, or raises
LayoutError (a ValueError) saying in Vietnamese why the layout cannot be used at that size.
"""

from __future__ import annotations

import functools
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from boards import rendering

ZONES_FILE = "boards/zones.json"
ROLES = {"main": "main", "ticker": "ticker", "clock": "clock", "panel": "image"}
# The smallest zone of each kind that can show anything (px): a clock smaller than this would
# be unreadable, a ticker below 12 px has no room for a Vietnamese capital with its marks.
MIN_ZONE = {"ticker": (64, 12), "clock": (32, 24), "panel": (48, 48)}
LAYOUT_LABELS = {
    "full": "Toàn màn hình",
    "ticker": "Nội dung + dòng chữ chạy",
    "side": "Nội dung + cột bên",
    "side_ticker": "Nội dung + cột bên + dòng chữ chạy",
    "led_scroll": "LED: tiêu đề + dòng chữ chạy",
}


class LayoutError(ValueError):
    """The layout cannot be used at this size (or the zones file is wrong); str() says why."""


@dataclass(frozen=True)
class Zone:
    id: str  # main | ticker | clock | panel
    x: int
    y: int
    width: int
    height: int

    @property
    def role(self):
        return ROLES[self.id]

    @property
    def rect(self):
        return (self.x, self.y, self.width, self.height)

    def as_dict(self):
        return {"id": self.id, "role": self.role, **{k: v for k, v in asdict(self).items() if k != "id"}}


# --- The data -----------------------------------------------------------------------------------


def _zones_path(theme):
    """The theme's zones.json, or the default theme's when it has none."""
    path = rendering.THEMES_DIR / theme / ZONES_FILE
    if not path.is_file():
        path = rendering.THEMES_DIR / rendering.DEFAULT_THEME / ZONES_FILE
    return path


def load_zones(theme: str = rendering.DEFAULT_THEME) -> dict:
    """The theme's zone layouts (re-read when the file changes)."""
    rendering.load_theme(theme)  # the theme exists (ValueError otherwise)
    path = _zones_path(theme)
    stat = path.stat()
    return _load(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=16)
def _load(path, _mtime, _size):
    try:
        data = json.loads(Path(path).read_bytes())
        if data.get("format") != 1 or not isinstance(data.get("layouts"), dict):
            raise KeyError("format/layouts")
        for name, shapes in data["layouts"].items():
            for shape, node in shapes.items():
                _check_node(node, f"layouts.{name}.{shape}")
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise LayoutError(f"Tệp vùng màn hình {path} không hợp lệ: {exc}") from None
    return data


def _check_node(node, where):
    if "zone" in node:
        if node["zone"] not in ROLES:
            raise KeyError(f"{where}: vùng «{node['zone']}» không có")
        return
    if node.get("split") not in ("rows", "columns") or not node.get("parts"):
        raise KeyError(f"{where}: cần split rows|columns và parts")
    if sum(1 for p in node["parts"] if p.get("size") == "*") > 1:
        raise KeyError(f'{where}: chỉ một phần được có size "*"')
    for i, part in enumerate(node["parts"]):
        size = part.get("size")
        if size != "*" and not (isinstance(size, int | float) and 0 < size < 1):
            raise KeyError(f"{where}.parts[{i}].size")
        _check_node(part, f"{where}.parts[{i}]")


def digest(theme: str = rendering.DEFAULT_THEME) -> str:
    """sha256 of the zones file's bytes (part of what a zoned playlist's files depend on)."""
    import hashlib

    return hashlib.sha256(_zones_path(theme).read_bytes()).hexdigest()


# --- Geometry -----------------------------------------------------------------------------------


def zones_for(layout: str, width: int, height: int, theme: str = rendering.DEFAULT_THEME) -> list[Zone]:
    """The zones of `layout` on a width×height board, in drawing order (main first)."""
    rendering.check_size(width, height)
    data = load_zones(theme)
    shapes = data["layouts"].get(layout)
    if shapes is None:
        raise LayoutError(f"Bố cục «{layout}» không có trong giao diện «{theme}».")
    shape = rendering.shape_for(width, height, rendering.load_theme(theme))
    node = shapes.get(shape) or shapes.get("*")
    if node is None:
        raise LayoutError(f"Bố cục «{LAYOUT_LABELS.get(layout, layout)}» không dùng được cho bảng {width}×{height}.")
    zones = _split(node, 0, 0, width, height, layout)
    _check_zones(zones, layout, width, height)
    return sorted(zones, key=lambda z: list(ROLES).index(z.id))


def _split(node, x, y, w, h, layout):
    if "zone" in node:
        return [Zone(node["zone"], x, y, w, h)]
    rows = node["split"] == "rows"
    extent = h if rows else w
    sizes = []
    for part in node["parts"]:
        if part["size"] == "*":
            sizes.append(None)
        else:
            sizes.append(max(round(part["size"] * extent), int(part.get("min_px", 1))))
    fixed = sum(s for s in sizes if s is not None)
    rest = extent - fixed
    if None in sizes:
        sizes[sizes.index(None)] = rest
    elif rest:  # no "*": the last part takes the rounding
        sizes[-1] += rest
    if any(s is None or s < 1 for s in sizes):
        raise LayoutError(
            f"Bố cục «{LAYOUT_LABELS.get(layout, layout)}» không vừa bảng {w}×{h}: các vùng chiếm hết chỗ."
        )
    zones, offset = [], 0
    for part, size in zip(node["parts"], sizes):
        if rows:
            zones += _split(part, x, y + offset, w, size, layout)
        else:
            zones += _split(part, x + offset, y, size, h, layout)
        offset += size
    return zones


def _check_zones(zones, layout, width, height):
    label = LAYOUT_LABELS.get(layout, layout)
    ids = [z.id for z in zones]
    if ids.count("main") != 1 or len(set(ids)) != len(ids):
        raise LayoutError(f"Bố cục «{label}» phải có đúng một vùng nội dung chính và mỗi vùng một lần.")
    for zone in zones:
        if zone.id == "main":
            try:
                rendering.check_size(zone.width, zone.height)
            except ValueError:
                raise LayoutError(
                    f"Bố cục «{label}» để lại vùng nội dung {zone.width}×{zone.height} trên bảng "
                    f"{width}×{height}: quá nhỏ hoặc quá lệch để trình chiếu. Hãy chọn bố cục khác."
                ) from None
        elif zone.id in MIN_ZONE:
            min_w, min_h = MIN_ZONE[zone.id]
            if zone.width < min_w or zone.height < min_h:
                raise LayoutError(
                    f"Bố cục «{label}» để lại vùng {zone.id} {zone.width}×{zone.height} trên bảng "
                    f"{width}×{height}: quá nhỏ. Hãy chọn bố cục khác."
                )


def available_layouts(width, height, theme=rendering.DEFAULT_THEME):
    """[(layout, label)] that can be used at width×height (for the board form's help)."""
    out = []
    for name in load_zones(theme)["layouts"]:
        try:
            zones_for(name, width, height, theme)
        except ValueError:
            continue
        out.append((name, LAYOUT_LABELS.get(name, name)))
    return out


def zone(zones, zone_id):
    return next((z for z in zones if z.id == zone_id), None)
