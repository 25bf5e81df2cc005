"""A playlist version as A-SMIL (SMIL 3.0 subset for signage players) and as extended M3U.

Pure: a plain description of the board and the items (absolute URLs already filled in) in,
text out. The subset emitted is exactly what boards/schemas/asmil.xsd describes. A screen:

    <smil>
      <head>
        <meta http-equiv="Refresh" content="300"/>
        <layout><root-layout width="1920" height="1080"/>
                <region regionName="main" left="0" top="0" width="1920" height="1080" z-index="1" fit="meet"/></layout>
      </head>
      <body>                                                     the body plays its children in turn:
        <seq>                                                    1. fetch every file ahead, then end
          <prefetch src="…"/> …
          <seq id="__prefetchEnd" dur="1s"/>
        </seq>
        <excl>                                                   2. play; first class = highest priority
          <priorityClass id="emergency" peers="stop" higher="stop" lower="never">
            <par begin="wallclock(2026-11-23T02:00:00Z)" end="wallclock(2026-11-25T10:00:00Z)">
              <seq repeatCount="indefinite"> <img src dur region/> … </seq>
            </par>
          </priorityClass>
          <priorityClass id="normal" peers="stop" higher="pause" lower="defer">
            <par begin="…"> <seq repeatCount="indefinite"> priority items, then normal ones </seq> </par>
          </priorityClass>
        </excl>
      </body>
    </smil>

Timing sits on containers, as in the A-SMIL examples (../shared/reference/a-smil-example.smil):
a media element carries only its src, region and dur. signageOS's open-source player drops a
media element with its own wallclock begin/end, and SMIL allows wallclock only on a direct
child of a par or an excl (a-smil.org, "Wallclock"), never on a child of a seq. So each class
is one `<par>` whose window spans its items: it begins at the earliest item's start ("0" when
none has one) and ends at the last item's end when every item has one (open otherwise). The
server has already chosen what plays now (boards/composition.py) and recomposes at each
item's end, so an online player never shows an expired item; the windows keep a player that
lost the server from showing a class's items after the last of them expired. An emergency
stops whatever plays (and nothing lower starts while it lasts). The priority and normal items
of a screen loop together, priority first, as the server ordered them: as two classes, a
priority loop that never ends would defer the normal items for ever. Only non-empty classes
are emitted. The prefetch elements sit in a seq of their own that ends (the A-SMIL
"prefetch" example; signageOS removes that seq, which it cannot do with prefetch elements
directly under the body). A board whose output is video only (boards/video.py) plays its
playlist MP4 as one `<video>` in place of its slides (`video=`), uploaded clips as they are.

A screen divided into zones (`layout=`, the version's layout as in playlist.json: the zone
contract in docs/architecture.md, absolute URLs filled in) gets one `<region>` per zone, named
by the zone's id, at its pixels (z-index 1 for main, 2 for the others; `backgroundColor` where
the zone has one, the layout's background on the root-layout), and the body plays the zones in
parallel, as signageOS's multi-zone example (SMIL/zones.smil in signageos/smil-player) does:

      <body>
        <seq> prefetch … (the playlist's files and the image zones') </seq>
        <par>                                            the zones side by side, in the layout's order
          <excl> … the classes above, media in region "main" … </excl>
          <ref src="…/static/boards/zone-clock.html?time=%25H%3A%25M&amp;…" type="text/html"
               region="clock" dur="indefinite"/>
          <img src="…/media/<sha>.png" region="panel" dur="indefinite"/>
          <ref src="…/static/boards/zone-ticker.html?text=…&amp;speed=120&amp;…" type="text/html"
               region="ticker" dur="indefinite"/>
        </par>
      </body>

An emergency still pre-empts only the main zone's loop (its class is first in the excl); the
other zones go on. The clock and the ticker are HTML pages served by the project
(boards/static/boards/zone-*.html, one script boards/zone.js, no inline script), reading
everything from their query string (`widgets=`: the absolute URL of each page). Why HTML and
not SMIL 3.0 `smilText textMode="crawl"`: none of the open A-SMIL players plays smilText
(signageOS's parser knows img, video, audio, ref and its own `<ticker>`; garlic-player's text
media are web pages only), while all of them (and IAdea's) play `<ref type="text/html">` in a
region. signageOS's `<ticker>` is its own element, no other player knows it, and it loads its
font from Google Fonts (nothing on screen offline, never our font); the page loads the
layout's font from our media URL instead. A clock has no SMIL element at all. A board whose
output is video only plays its playlist MP4, which has the zones composed in (boards/video.py),
so boards/api.py gives it no layout here.

A loudspeaker cluster (board kind "audio", `build_smil(None, None, …, schedule=…)`) has no
screen: `<root-layout width="1" height="1"/>` and no region (parsers want a layout), and
`<audio src dur/>` elements. Its classes say when they play (boards/composition.py,
compose_audio): the emergency `<seq begin="0" dur="900s" repeatCount="indefinite">` plays at
once and again every `emergency_repeat_s` (a round lasts that long: the bulletins, then
silence; once when it is 0), and the priority and normal classes play at the broadcast times,
`<seq begin="wallclock(R/2026-11-23T06:00:00+07:00/P1D); wallclock(R/…T17:00:00+07:00/P1D)">`,
priority first (the normal class is deferred while it plays). With no broadcast times they
are left out. As on a screen, each class's seq sits in a `<par>` window spanning its
bulletins' validity, and an `<audio>` carries only src and dur.
"""

import datetime
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

CLASSES = [  # (priority, peers, higher, lower): document order is precedence in <excl>
    ("emergency", "stop", "stop", "never"),
    ("priority", "stop", "pause", "defer"),
    ("normal", "stop", "pause", "defer"),
]
# A screen: an emergency class, and one loop for everything else (priority items first).
SCREEN_CLASSES = {"emergency": ("emergency",), "normal": ("priority", "normal")}
PREFETCH_END = "__prefetchEnd"  # the id A-SMIL players know: the prefetching is done


def wallclock(value):
    """ISO-8601 (as stored in a version's items) → `wallclock(2026-11-23T09:00:00Z)` in UTC."""
    return f"wallclock({_utc(value):%Y-%m-%dT%H:%M:%SZ})"


def _utc(value):
    moment = datetime.datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.astimezone(datetime.UTC)


def _seconds(value):
    value = float(value or 0)
    return f"{int(value)}s" if value == int(value) else f"{value:.3f}s"


def daily_wallclock(day, clock_time, utc_offset):
    """`wallclock(R/2026-11-23T06:00:00+07:00/P1D)`: every day at a local clock time."""
    return f"wallclock(R/{day:%Y-%m-%d}T{clock_time}:00{utc_offset}/P1D)"


def _priority(item):
    priority = item.get("priority") or "normal"
    return priority if priority in ("emergency", "priority") else "normal"


def class_window(members):
    """(begin, end) of the `<par>` that holds a class's items: the earliest start (or "0"), and
    the latest end when every item has one (else None: open)."""
    starts = [_utc(i["valid_from"]) for i in members if i.get("valid_from")]
    ends = [_utc(i["valid_to"]) for i in members if i.get("valid_to")]
    begin = wallclock(min(starts)) if starts else "0"
    end = wallclock(max(ends)) if ends and len(ends) == len(members) else None
    return begin, end


def _screen_media(parent, item):
    tag = "video" if item.get("kind") == "video" else "img"
    ET.SubElement(parent, tag, {"src": item["url"], "region": "main", "dur": _seconds(item.get("duration_s"))})


def _played(members, video):
    """The items a class plays: with the playlist `video`, its slides give way to it (one
    `<video>` where the first of them was) and uploaded clips stay as they are."""
    if not video:
        return members
    played, placed = [], False
    for item in members:
        if item.get("kind") == "video":
            played.append(item)
        elif not placed:
            slides = [i for i in members if i.get("kind") != "video"]
            duration = video.get("duration_s") or sum(float(i.get("duration_s") or 0) for i in slides)
            played.append({"kind": "video", "url": video["url"], "duration_s": duration})
            placed = True
    return played


def _region(layout, zone_id, left, top, width, height, z_index, background=None):
    attrs = {
        "regionName": zone_id,
        "left": str(int(left)),
        "top": str(int(top)),
        "width": str(int(width)),
        "height": str(int(height)),
        "z-index": str(z_index),
        "fit": "meet",
    }
    if background:
        attrs["backgroundColor"] = background
    ET.SubElement(layout, "region", attrs)


def widget_url(page, zone, layout):
    """The absolute URL of the HTML page drawing a clock or ticker `zone` (boards/zone.js reads
    these parameters): `page` is the page's own absolute URL."""
    font = (layout.get("font") or {}).get("url")
    colours = {"fg": zone.get("colour"), "bg": zone.get("background"), "font": font}
    if zone["role"] == "clock":
        params = {
            "time": zone.get("time_format") or "%H:%M",
            "date": zone.get("date_format") or "",
            "days": "|".join(zone.get("weekdays") or []),
            "offset": zone.get("utc_offset") or "+00:00",
            **colours,
            "date_fg": zone.get("date_colour"),
        }
    else:
        params = {
            "text": zone.get("text") or "",
            "sep": zone.get("separator") or "",
            "speed": zone.get("speed_px_s") or 100,
            "px": zone.get("font_px") or "",
            **colours,
        }
    return f"{page}?{urlencode({k: v for k, v in params.items() if v not in (None, '')})}"


def _zone_media(parent, zone, layout, widgets):
    """One side zone's element: an image zone's picture, a clock's or ticker's page; each lasts
    as long as the playlist (dur="indefinite"). Returns the URL to prefetch, or None."""
    role = zone.get("role")
    if role == "image" and zone.get("url"):
        ET.SubElement(parent, "img", {"src": zone["url"], "region": zone["id"], "dur": "indefinite"})
        return zone["url"]
    if role in ("clock", "ticker") and (widgets or {}).get(role):
        src = widget_url(widgets[role], zone, layout)
        ET.SubElement(parent, "ref", {"src": src, "type": "text/html", "region": zone["id"], "dur": "indefinite"})
    return None


def build_smil(
    width, height, refresh_seconds, items, *, schedule=None, day=None, video=None, layout=None, widgets=None
):
    """`items`: dicts with kind ("image" | "video" | "audio"), url (absolute), duration_s,
    priority, valid_from, valid_to (ISO-8601 or None). For a loudspeaker cluster `width` and
    `height` are None and `schedule` is its version's {broadcast_times, emergency_repeat_s,
    utc_offset}, anchored at `day`. `video`: {url, duration_s} of the playlist MP4, for a board
    that plays video only. `layout`: the screen's zones (playlist.json's "layout", absolute
    URLs), `widgets`: {"clock": url, "ticker": url} of the pages drawing those zones. Returns
    UTF-8 bytes with an XML declaration."""
    audio = width is None
    zones = [z for z in (layout or {}).get("zones") or [] if z.get("id")]
    main = next((z for z in zones if z["id"] == "main"), None)
    side = [z for z in zones if z["id"] != "main"] if main else []
    smil = ET.Element("smil")
    head = ET.SubElement(smil, "head")
    ET.SubElement(head, "meta", {"http-equiv": "Refresh", "content": str(int(refresh_seconds))})
    regions = ET.SubElement(head, "layout")
    if audio:
        ET.SubElement(regions, "root-layout", {"width": "1", "height": "1"})
    else:
        root = {"width": str(width), "height": str(height)}
        if main and layout.get("background"):
            root["backgroundColor"] = layout["background"]
        ET.SubElement(regions, "root-layout", root)
        if main:
            for zone in [main, *side]:
                geometry = (zone["x"], zone["y"], zone["width"], zone["height"])
                _region(regions, zone["id"], *geometry, 1 if zone is main else 2, zone.get("background"))
        else:
            _region(regions, "main", 0, 0, width, height, 1)
    body = ET.SubElement(smil, "body")
    prefetch = ET.SubElement(body, "seq")
    zoned = ET.SubElement(body, "par") if side else body
    excl = ET.SubElement(zoned, "excl")
    played = []
    if audio:
        played = _audio_classes(excl, items, schedule or {}, day)
    else:
        for name, peers, higher, lower in CLASSES:
            if name not in SCREEN_CLASSES:
                continue
            members = [i for i in items if _priority(i) in SCREEN_CLASSES[name]]
            members.sort(key=lambda i: SCREEN_CLASSES[name].index(_priority(i)))  # stable: server's order
            if not members:
                continue
            klass = ET.SubElement(excl, "priorityClass", {"id": name, "peers": peers, "higher": higher, "lower": lower})
            begin, end = class_window(members)
            window = ET.SubElement(klass, "par", {"begin": begin, **({"end": end} if end else {})})
            loop = ET.SubElement(window, "seq", {"repeatCount": "indefinite"})
            for item in _played(members, video):
                _screen_media(loop, item)
                played.append(item)
    urls = list(dict.fromkeys(i["url"] for i in played))
    for zone in side:
        url = _zone_media(zoned, zone, layout, widgets)
        if url and url not in urls:
            urls.append(url)
    if urls:
        for url in urls:
            ET.SubElement(prefetch, "prefetch", {"src": url})
        ET.SubElement(prefetch, "seq", {"id": PREFETCH_END, "dur": "1s"})
    else:
        body.remove(prefetch)
    ET.indent(smil)
    return ET.tostring(smil, encoding="utf-8", xml_declaration=True) + b"\n"


def _audio_classes(excl, items, schedule, day):
    """A loudspeaker cluster's classes (see the module's docstring); returns the items played."""
    played = []
    for name, peers, higher, lower in CLASSES:
        members = [i for i in items if _priority(i) == name]
        if not members:
            continue
        seq_attrs = {"begin": "0", "repeatCount": "indefinite"}
        if name == "emergency":
            repeat = float(schedule.get("emergency_repeat_s") or 0)
            if repeat > 0:
                total = sum(float(i.get("duration_s") or 0) for i in members)
                seq_attrs["dur"] = _seconds(max(repeat, total))
            else:
                del seq_attrs["repeatCount"]  # once
        else:
            times = schedule.get("broadcast_times") or []
            if not times:
                continue  # no broadcast times: only emergencies play
            offset = schedule.get("utc_offset") or "+00:00"
            day = day or datetime.date.today()
            seq_attrs = {"begin": "; ".join(daily_wallclock(day, t, offset) for t in times)}
        klass = ET.SubElement(excl, "priorityClass", {"id": name, "peers": peers, "higher": higher, "lower": lower})
        begin, end = class_window(members)
        window = ET.SubElement(klass, "par", {"begin": begin, **({"end": end} if end else {})})
        seq = ET.SubElement(window, "seq", seq_attrs)
        for item in members:
            ET.SubElement(seq, "audio", {"src": item["url"], "dur": _seconds(item.get("duration_s"))})
            played.append(item)
    return played


def _m3u_text(value):
    return " ".join(str(value or "").split()).replace(",", "，")


def build_m3u(board_name, items):
    """Extended M3U for VLC/mpv: `#EXTINF:<seconds>,<title>` then the absolute URL, per item."""
    lines = ["#EXTM3U", f"#PLAYLIST:{_m3u_text(board_name)}"]
    for item in items:
        duration = float(item.get("duration_s") or 0)
        lines.append(f"#EXTINF:{round(duration)},{_m3u_text(item.get('title') or item.get('id'))}")
        if item.get("kind") not in ("video", "audio"):  # a still image: tell VLC how long to show it
            lines.append(f"#EXTVLCOPT:image-duration={round(duration)}")
        lines.append(item["url"])
    return ("\n".join(lines) + "\n").encode("utf-8")
