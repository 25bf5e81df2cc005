"""What a zoned screen shows besides its slides: the scrolling line, the clock, the side panel.

docs/architecture.md, "Screens: zones". The zones come from boards/zones.py; this module fills
them and draws the parts the server draws:

- `ticker_text(...)`: the scrolling line: titles of the announcements, source items and alerts
  playing now (an emergency first, "KHẨN CẤP: " before it; while one is valid only emergencies
  play, so only they scroll), the feeds' ticker lines, then the board's own text; never empty
  (the unit and its site when nothing else).
- `render_panel(...)`: the side panel: the site's QR code, its address, and a short list (calendar
  events and feed entries, else the newest news).
- `render_clock(...)`: the clock zone as the reference player draws it (time over date), for the
  admin's preview, and the date alone for video players, which cannot draw a clock.
- `preview_image(...)`: the whole screen at its exact size (the admin's preview).

Pure drawing: no database, no clock (moments are passed in).
"""

from __future__ import annotations

import datetime

from PIL import Image, ImageDraw

from boards import rendering, zones

EMERGENCY_PREFIX = "KHẨN CẤP: "
TICKER_KINDS = ("announcement", "pushed")  # what scrolls: notices, not news
PANEL_LINES = 6


def colours(theme):
    return zones.load_zones(theme)["colours"]


def ticker_text(entries, extra_lines=(), board_text="", fallback=""):
    """(text, emergency) of the scrolling line. `entries`: the composition's entries (already
    ordered: emergencies first, then priority, then newest); `extra_lines`: the feeds' lines."""
    separator = " • "
    titles, emergency = [], False
    for entry in entries:
        candidate = entry.candidate
        if candidate.kind not in TICKER_KINDS or candidate.payload is None:
            continue
        title = " ".join(str(getattr(candidate.payload, "title", "")).split())
        if not title:
            continue
        if candidate.priority == "emergency":
            emergency = True
            title = EMERGENCY_PREFIX + title
        titles.append(title)
    if not emergency:  # an emergency has the line to itself
        titles += [" ".join(line.split()) for line in extra_lines if line and line.strip()]
        if board_text.strip():
            titles.append(" ".join(board_text.split()))
    titles = list(dict.fromkeys(titles))
    if not titles and fallback:
        titles = [fallback]
    return separator.join(titles), emergency


def ticker_colours(theme, tiny, emergency):
    c = colours(theme)
    if emergency:
        return c["ticker_emergency_text"], c["ticker_emergency_background"]
    if tiny:
        return c["led_ticker_text"], c["led_ticker_background"]
    return c["ticker_text"], c["ticker_background"]


def ticker_speed(theme, speed_name, band_height):
    """Pixels per second: the theme's speed (band heights a second) times the band's height."""
    speeds = zones.load_zones(theme)["ticker"]["speeds"]
    return round(float(speeds.get(speed_name, speeds["normal"])) * band_height, 1)


# --- Drawing ---------------------------------------------------------------------------------------


def _fit(text, font, width, height, min_px, max_px):
    return rendering.fit_text(text, font, width, height, min_px, max_px)


def _draw_centred(draw, fitted, x, y, width, height, colour):
    """Draw a fitted block centred in the box (each line centred)."""
    total = fitted.line_height * len(fitted.lines) + fitted.gap * max(len(fitted.lines) - 1, 0)
    top = y + (height - total) // 2
    for line in fitted.lines:
        line_width = rendering.text_width(fitted.font, line)
        draw.text((x + (width - line_width) // 2, top + fitted.above), line, font=fitted.font, fill=colour, anchor="ls")
        top += fitted.line_height + fitted.gap


def clock_texts(moment, theme):
    """(time, date) as the player draws them, from the theme's formats."""
    clock = zones.load_zones(theme)["clock"]
    date = moment.strftime(clock["date_format"].replace("{weekday}", clock["weekdays"][moment.weekday()]))
    return moment.strftime(clock["time_format"]), date


def render_clock(width, height, theme, moment, with_time=True):
    """The clock zone: the time large over the date (or the date alone, `with_time=False`)."""
    th, c = rendering.load_theme(theme), colours(theme)
    image = Image.new("RGB", (width, height), c["clock_background"])
    draw = ImageDraw.Draw(image)
    pad = max(2, min(width, height) // 12)
    time_text, date_text = clock_texts(moment, theme)
    inner_w, inner_h = width - 2 * pad, height - 2 * pad
    if with_time:
        time_h = int(inner_h * 0.6)
        fitted = _fit(time_text, th.fonts["bold"], inner_w, time_h, 6, time_h)
        _draw_centred(draw, fitted, pad, pad, inner_w, time_h, c["clock_text"])
        date_box = (pad, pad + time_h, inner_w, inner_h - time_h)
    else:
        date_box = (pad, pad, inner_w, inner_h)
    fitted = _fit(date_text, th.fonts["regular"], date_box[2], date_box[3], 6, max(6, date_box[3] // 2))
    _draw_centred(draw, fitted, *date_box, c["clock_date"])
    return image


def render_panel(width, height, theme, site_url, site_label, lines):
    """The side panel: QR code of the site (when there is room), its address, then `lines`
    [(label, title)] as a short list, cut where the panel ends."""
    th, c, spec = rendering.load_theme(theme), colours(theme), zones.load_zones(theme)["panel"]
    image = Image.new("RGB", (width, height), c["panel_background"])
    draw = ImageDraw.Draw(image)
    pad = max(4, round(min(width, height) * spec["padding"]))
    x, y, inner = pad, pad, width - 2 * pad
    small = max(10, min(width, height) // 18)
    if site_url and height >= width * 0.9:
        module = max(1, min(inner, int(height * 0.4)) // (len(rendering._qr_matrix(site_url)) + 8))
        qr = rendering.qr_image(site_url, module)
        image.paste(qr, (x + (inner - qr.width) // 2, y))
        y += qr.height + pad // 2
        for text, font, colour in (
            (spec["qr_caption"], th.fonts["bold"], c["panel_heading"]),
            (site_label, th.fonts["regular"], c["panel_muted"]),
        ):
            fitted = _fit(text, font, inner, small * 3, 6, small)
            _draw_centred(draw, fitted, x, y, inner, fitted.line_height * len(fitted.lines), colour)
            y += fitted.line_height * len(fitted.lines) + pad // 3
        y += pad // 2
    if lines:
        heading = _fit(spec["list_heading"], th.fonts["bold"], inner, small * 2, 6, int(small * 1.2))
        if y + heading.line_height < height - pad:
            draw.rectangle((x, y, x + inner - 1, y + max(1, pad // 6) - 1), fill=c["panel_heading"])
            y += pad // 2
            _draw_centred(draw, heading, x, y, inner, heading.line_height, c["panel_heading"])
            y += heading.line_height + pad // 2
        for label, title in lines[:PANEL_LINES]:
            label_fit = _fit(label, th.fonts["bold"], inner, small * 2, 6, small) if label else None
            title_fit = _fit(title, th.fonts["regular"], inner, small * 3, 6, small)
            need = (label_fit.line_height if label_fit else 0) + title_fit.line_height * len(title_fit.lines)
            if y + need > height - pad:
                break
            if label_fit:
                draw.text(
                    (x, y + label_fit.above),
                    label_fit.lines[0],
                    font=label_fit.font,
                    fill=c["panel_heading"],
                    anchor="ls",
                )
                y += label_fit.line_height
            for line in title_fit.lines:
                draw.text((x, y + title_fit.above), line, font=title_fit.font, fill=c["panel_text"], anchor="ls")
                y += title_fit.line_height
            y += pad // 2
    return image


def preview_image(width, height, parts, main_image, moment, ticker_frame=None):
    """The whole screen as the reference player shows it at `moment`: `parts` is the version's
    layout (zones as dicts), `main_image` the first slide (or None), `ticker_frame` the band at
    offset 0. Image zones are taken from `parts` by the caller (key "image" → PIL image)."""
    canvas = Image.new("RGB", (width, height), parts.get("background") or "#000000")
    for zone in parts["zones"]:
        box = (zone["x"], zone["y"])
        if zone["role"] == "main" and main_image is not None:
            canvas.paste(main_image.resize((zone["width"], zone["height"])), box)
        elif zone["role"] == "image" and zone.get("picture") is not None:
            canvas.paste(zone["picture"], box)
        elif zone["role"] == "clock":
            canvas.paste(render_clock(zone["width"], zone["height"], parts["theme"], moment), box)
        elif zone["role"] == "ticker" and ticker_frame is not None:
            canvas.paste(ticker_frame, box)
    return canvas


def local_label(moment: datetime.datetime):
    return f"{moment:%H:%M %d/%m}"
