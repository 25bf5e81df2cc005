"""``python -m player --server URL --token TOKEN --cache DIR [--board ID]
[--once] [--headless | --display] [--frame-rate N] [--screenshot-every MINUTES] [--log FILE]``

Without ``--board`` the player asks the server which board its token belongs to (once; the
answer is kept in the cache directory). When the server names a real-time channel and
paho-mqtt is installed, the player also listens for the server's commands over MQTT
(player/channel.py); otherwise it polls only."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys

from player import NAME, VERSION


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m player", description=f"{NAME} {VERSION}")
    parser.add_argument("--server", required=True, help="base URL, e.g. https://tinh.example.vn")
    parser.add_argument("--board", help="board id (default: asked of the server for this token, then remembered)")
    parser.add_argument(
        "--token", default=os.environ.get("TINCOSO_BOARD_TOKEN"), help="bearer token (or $TINCOSO_BOARD_TOKEN)"
    )
    parser.add_argument("--cache", required=True, help="cache directory")
    parser.add_argument("--once", action="store_true", help="poll once, flush reports, exit 0 if a playlist is held")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--headless", action="store_true", help="log items, write DIR/current.png (default)")
    mode.add_argument(
        "--display",
        action="store_true",
        help="fullscreen via mpv/feh when installed; loudspeakers: sound via mpv/ffplay/mpg123",
    )
    parser.add_argument(
        "--broadcast-now",
        action="store_true",
        help="loudspeakers, with --once: play the bulletins now as at a broadcast time (a test)",
    )
    parser.add_argument(
        "--screenshot-every",
        type=float,
        default=0.0,
        metavar="MINUTES",
        help="upload a screenshot every MINUTES (default 0: only when the server asks)",
    )
    parser.add_argument(
        "--frame-rate",
        type=float,
        default=4.0,
        metavar="N",
        help="a zoned screen: frames a second written while a ticker runs (default 4; a clock alone: 1)",
    )
    parser.add_argument("--log", help="also log to this file")
    parser.add_argument("--timeout", type=float, default=30.0, help="HTTP timeout in seconds")
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("--token (or $TINCOSO_BOARD_TOKEN) is required")
    if not 0 < args.frame_rate <= 60:
        parser.error("--frame-rate must be more than 0 and at most 60")
    if args.screenshot_every < 0:
        parser.error("--screenshot-every must be 0 (off) or more minutes")

    handlers = [logging.StreamHandler(sys.stderr)]
    if args.log:
        handlers.append(logging.FileHandler(args.log, encoding="utf-8"))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", handlers=handlers)

    from player.client import Player, remembered_channel, resolve_board
    from player.display import Display, Headless

    if not args.board:
        try:
            args.board = resolve_board(args.server, args.token, args.cache, timeout=args.timeout)
        except LookupError as error:
            logging.getLogger("player").error("cannot tell which board this token belongs to: %s", error)
            return 1
    screen = (Display if args.display else Headless)(args.cache, frame_rate=args.frame_rate)
    player = Player(
        args.server,
        args.board,
        args.token,
        args.cache,
        screen=screen,
        timeout=args.timeout,
        me_channel=remembered_channel(args.server, args.token, args.cache),
        screenshot_every=args.screenshot_every * 60,
    )
    if args.once:
        return player.run_once(broadcast_now=args.broadcast_now)
    signal.signal(signal.SIGTERM, lambda *_: player.stop.set())
    try:
        player.run_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
