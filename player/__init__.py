"""tincoso reference player for public e-boards (signage players).

Standalone: depends only on the Python standard library (Pillow is optional, used to
write the current frame as PNG, to draw a zoned screen's clock and ticker and to grab the
screen; paho-mqtt ≥ 2.0 is optional, for the
real-time channel). It does NOT import Django, so it runs on a small Linux box
with just this folder copied over::

    python -m player --server https://tinh.example.vn --board 42 \\
        --token SECRET --cache /var/cache/tincoso-player [--once] [--headless|--display] \\
        [--frame-rate 4]

The same player drives a loudspeaker cluster (a board of kind "audio"): it plays the MP3
bulletins at the broadcast times and emergencies at once, through mpv, ffplay or mpg123.

Layout:
    schedule.py  ISO-8601 parsing, playlist validation, ``playable(items, now)``, the
                 loudspeakers' ``due_broadcast`` and ``due_emergencies``, the screen's
                 ``screen_on(hours, now_local, override, emergency)``
    cache.py     content-addressed file store, atomic playlist swap, pruning
    reports.py   on-disk outbox for heartbeats and proofs of play
    display.py   headless frame writer (``current.png``) and best-effort fullscreen display;
                 audio bulletins logged (headless) or played (mpv/ffplay/mpg123)
    zones.py     a zoned screen (playlist.json's ``layout``): the frame composed at the
                 board's size, main zone, pictures, the player's clock, the ticker (Pillow)
    client.py    HTTP (urllib), polling, resumable downloads, the ``Player`` loop, screen
                 power, volume, screenshots
    channel.py   the real-time channel (MQTT, paho imported lazily): presence, the
                 server's commands (collect, screenshot, restart, volume, power, live), acks
    relay.py     loudspeakers: relays (tiếp sóng) played in their windows, reconnecting
    live.py      loudspeakers: live broadcasts tuned in on the channel's ``live`` command
    __main__.py  command line
"""

NAME = "tincoso-reference-player"
VERSION = "1.0.0"
