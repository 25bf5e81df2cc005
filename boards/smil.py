"""A playlist version as A-SMIL (SMIL 3.0 subset for signage players) and as extended M3U.

Pure: a plain description of the board and the items (absolute URLs already filled in) in,
text out. The subset emitted is exactly what boards/schemas/asmil.xsd describes:

    <smil>
      <head>
        <meta http-equiv="Refresh" content="300"/>
        <layout><root-layout width="1920" height="1080"/>
                <region regionName="main" left="0" top="0" width="1920" height="1080" z-index="1" fit="meet"/></layout>
      </head>
      <body>
        <excl>                                                   first class = highest priority
          <priorityClass id="emergency" peers="stop" higher="stop"  lower="never">  <seq …/></priorityClass>
          <priorityClass id="priority"  peers="stop" higher="pause" lower="defer">  <seq …/></priorityClass>
          <priorityClass id="normal"    peers="stop" higher="pause" lower="defer">  <seq …/></priorityClass>
        </excl>
        <prefetch src="…"/> …                                    every file, fetched ahead
      </body>
    </smil>

Each class holds one `<seq repeatCount="indefinite" begin="0">` of `<img src dur region/>` /
`<video src dur region/>`, each with `begin="wallclock(…)"` / `end="wallclock(…)"` when the item
has a validity window. An emergency stops whatever plays (and nothing lower starts while it
lasts); a priority item pauses the normal loop, which resumes where it was. Only non-empty
classes are emitted. The server has already chosen what plays now (boards/composition.py):
the windows only keep a player that lost the server from showing an expired notice.

A loudspeaker cluster (board kind "audio", `build_smil(None, None, …, schedule=…)`) has no
screen: `<root-layout width="1" height="1"/>` and no region (parsers want a layout), and
`<audio src dur/>` elements. Its classes say when they play (boards/composition.py,
compose_audio): the emergency `<seq begin="0" dur="900s" repeatCount="indefinite">` plays at
once and again every `emergency_repeat_s` (a round lasts that long: the bulletins, then
silence; once when it is 0), and the priority and normal classes play at the broadcast times,
`<seq begin="wallclock(R/2026-11-23T06:00:00+07:00/P1D); wallclock(R/…T17:00:00+07:00/P1D)">`,
priority first (the normal class is deferred while it plays). With no broadcast times they
are left out.
"""

import datetime
import xml.etree.ElementTree as ET

CLASSES = [  # (priority, peers, higher, lower): document order is precedence in <excl>
    ("emergency", "stop", "stop", "never"),
    ("priority", "stop", "pause", "defer"),
    ("normal", "stop", "pause", "defer"),
]


def wallclock(value):
    """ISO-8601 (as stored in a version's items) → `wallclock(2026-11-23T09:00:00Z)` in UTC."""
    moment = datetime.datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return f"wallclock({moment.astimezone(datetime.UTC):%Y-%m-%dT%H:%M:%SZ})"


def _seconds(value):
    value = float(value or 0)
    return f"{int(value)}s" if value == int(value) else f"{value:.3f}s"


def daily_wallclock(day, clock_time, utc_offset):
    """`wallclock(R/2026-11-23T06:00:00+07:00/P1D)`: every day at a local clock time."""
    return f"wallclock(R/{day:%Y-%m-%d}T{clock_time}:00{utc_offset}/P1D)"


def build_smil(width, height, refresh_seconds, items, *, schedule=None, day=None):
    """`items`: dicts with kind ("image" | "video" | "audio"), url (absolute), duration_s,
    priority, valid_from, valid_to (ISO-8601 or None). For a loudspeaker cluster `width` and
    `height` are None and `schedule` is its version's {broadcast_times, emergency_repeat_s,
    utc_offset}, anchored at `day`. Returns UTF-8 bytes with an XML declaration."""
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
    excl = ET.SubElement(body, "excl")
    schedule = schedule or {}
    for name, peers, higher, lower in CLASSES:
        members = [
            i
            for i in items
            if (i.get("priority") or "normal") == name
            or (name == "normal" and i.get("priority") not in ("emergency", "priority"))
        ]
        if not members:
            continue
        seq_attrs = {"begin": "0", "repeatCount": "indefinite"}
        if audio and name == "emergency":
            repeat = float(schedule.get("emergency_repeat_s") or 0)
            if repeat > 0:
                total = sum(float(i.get("duration_s") or 0) for i in members)
                seq_attrs["dur"] = _seconds(max(repeat, total))
            else:
                del seq_attrs["repeatCount"]  # once
        elif audio:
            times = schedule.get("broadcast_times") or []
            if not times:
                continue  # no broadcast times: only emergencies play
            offset = schedule.get("utc_offset") or "+00:00"
            day = day or datetime.date.today()
            seq_attrs = {"begin": "; ".join(daily_wallclock(day, t, offset) for t in times)}
        klass = ET.SubElement(excl, "priorityClass", {"id": name, "peers": peers, "higher": higher, "lower": lower})
        seq = ET.SubElement(klass, "seq", seq_attrs)
        for item in members:
            if item.get("kind") == "audio":
                attrs, tag = {"src": item["url"], "dur": _seconds(item.get("duration_s"))}, "audio"
            else:
                attrs = {"src": item["url"], "region": "main", "dur": _seconds(item.get("duration_s"))}
                tag = "video" if item.get("kind") == "video" else "img"
            if item.get("valid_from"):
                attrs["begin"] = wallclock(item["valid_from"])
            if item.get("valid_to"):
                attrs["end"] = wallclock(item["valid_to"])
            ET.SubElement(seq, tag, attrs)
    for url in dict.fromkeys(i["url"] for i in items):
        ET.SubElement(body, "prefetch", {"src": url})
    ET.indent(smil)
    return ET.tostring(smil, encoding="utf-8", xml_declaration=True) + b"\n"


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
