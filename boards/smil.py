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


def build_smil(width, height, refresh_seconds, items, *, schedule=None, day=None, video=None):
    """`items`: dicts with kind ("image" | "video" | "audio"), url (absolute), duration_s,
    priority, valid_from, valid_to (ISO-8601 or None). For a loudspeaker cluster `width` and
    `height` are None and `schedule` is its version's {broadcast_times, emergency_repeat_s,
    utc_offset}, anchored at `day`. `video`: {url, duration_s} of the playlist MP4, for a board
    that plays video only. Returns UTF-8 bytes with an XML declaration."""
    audio = width is None
    smil = ET.Element("smil")
    head = ET.SubElement(smil, "head")
    ET.SubElement(head, "meta", {"http-equiv": "Refresh", "content": str(int(refresh_seconds))})
    layout = ET.SubElement(head, "layout")
    if audio:
        ET.SubElement(layout, "root-layout", {"width": "1", "height": "1"})
    else:
        ET.SubElement(layout, "root-layout", {"width": str(width), "height": str(height)})
        ET.SubElement(
            layout,
            "region",
            {
                "regionName": "main",
                "left": "0",
                "top": "0",
                "width": str(width),
                "height": str(height),
                "z-index": "1",
                "fit": "meet",
            },
        )
    body = ET.SubElement(smil, "body")
    prefetch = ET.SubElement(body, "seq")
    excl = ET.SubElement(body, "excl")
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
