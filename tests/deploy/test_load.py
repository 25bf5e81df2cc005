"""The deployed stack under a province's load, through nginx over HTTPS (deploy/ci.sh load): 200
citizens reading commune pages and 2,000 players polling their playlists, for 60 s, while the web
service is restarted (stop and start: the socket is held, requests wait) and then reloaded
(gunicorn's graceful HUP). Every request must succeed, at worst after one retry by its client;
the figures (requests, rates, p50/p99, retries) are printed, never asserted (bench/ measures
speed: bench/bench_nginx.py).

- players: as the reference player polls (player/client.py, urllib): a new TLS connection per
  request. First every player fetches its playlist once (200, its ETag: the fleet already
  running), then for the 60 s each sends If-None-Match every LOAD_POLL_SECONDS (jittered; 30 s by
  default, the shortest refresh the admin allows, a tenth of the default 300 s) and gets 304;
- readers: each its own keep-alive connection, a commune page (home, news, announcements,
  questions of 50 communes, from the page cache or rendered when its minute is new), then about
  LOAD_THINK_SECONDS (10) reading it.

That is about 67 polls and 20 pages a second, with the minute's re-renders: roughly two thirds of
what the CI machine's 2 cores serve with the clients on them too (bench/bench_nginx.py), so that
the restart's backlog drains. The boards are made in the installation (`manage.py shell`,
tests/deploy/stack.py): LOAD_PLAYERS boards with a token each and one version whose items are a
real rendered file, deleted at the end. Sizes: LOAD_READERS, LOAD_PLAYERS, LOAD_SECONDS,
LOAD_POLL_SECONDS, LOAD_THINK_SECONDS.
"""

import asyncio
import os
import random
import time

import pytest

pytestmark = pytest.mark.deploy

READERS = int(os.environ.get("LOAD_READERS", 200))
PLAYERS = int(os.environ.get("LOAD_PLAYERS", 2000))
SECONDS = float(os.environ.get("LOAD_SECONDS", 60))
POLL_SECONDS = float(os.environ.get("LOAD_POLL_SECONDS", 30))
THINK_SECONDS = float(os.environ.get("LOAD_THINK_SECONDS", 10))
PLAYER_TIMEOUT, READER_TIMEOUT = 30, 60  # the reference player's --timeout; nginx's proxy_read_timeout


class Tally:
    """Latencies and outcomes of one kind of request."""

    def __init__(self):
        self.latencies, self.statuses, self.retried, self.failed, self.examples = [], {}, 0, 0, []

    def line(self, name, seconds):
        ordered = sorted(self.latencies)
        p = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000  # noqa: E731
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(self.statuses.items(), key=str))
        return (
            f"{name:8} {len(ordered):7} requests  {len(ordered) / seconds:6.0f}/s  p50 {p(0.5):6.1f} ms  "
            f"p99 {p(0.99):7.1f} ms  max {ordered[-1] * 1000:7.1f} ms  [{statuses}]  "
            f"retried once {self.retried}, failed {self.failed}"
        )


async def attempt(session, url, headers, expected, tally):
    """One request, retried once (after 0.5 s) when it fails or answers unexpectedly."""
    outcome = None
    for turn in (1, 2):
        started = time.perf_counter()
        try:
            async with session.get(url, headers=headers, allow_redirects=False) as response:
                await response.read()
                status, etag = response.status, response.headers.get("ETag")
        except Exception as error:  # noqa: BLE001 - a connection refused, reset or timed out: counted
            status, etag, outcome = type(error).__name__, None, error
        tally.latencies.append(time.perf_counter() - started)
        tally.statuses[status] = tally.statuses.get(status, 0) + 1
        if status in expected:
            return etag
        if turn == 1:
            tally.retried += 1
            await asyncio.sleep(0.5)
    tally.failed += 1
    if len(tally.examples) < 5:
        tally.examples.append(f"{url}: {status} {outcome or ''}")
    return None


async def reader(stack, pages, deadline, tally, rng):
    async with stack.session(limit=1, timeout=READER_TIMEOUT) as session:
        await asyncio.sleep(rng.uniform(0, THINK_SECONDS))
        while time.monotonic() < deadline:
            host, path = rng.choice(pages)
            await attempt(session, stack.site_url(host, path), {}, (200,), tally)
            await asyncio.sleep(rng.uniform(0.5, 1.5) * THINK_SECONDS)


async def first_fetch(session, stack, board, token, tally, gate):
    """A running player's state: its playlist fetched once, its ETag."""
    async with gate:
        url = stack.site_url(stack.host, f"/api/boards/v1/{board}/playlist.json")
        return await attempt(session, url, {"Authorization": f"Bearer {token}"}, (200,), tally)


async def player(stack, session, board, token, etag, deadline, tally, rng):
    url = stack.site_url(stack.host, f"/api/boards/v1/{board}/playlist.json")
    headers = {"Authorization": f"Bearer {token}"}
    await asyncio.sleep(rng.uniform(0, POLL_SECONDS))
    while time.monotonic() < deadline:
        # 304; a 200 when the board's playlist changed meanwhile (its new ETag is kept).
        sent = {**headers, "If-None-Match": etag} if etag else headers
        etag = await attempt(session, url, sent, (304, 200), tally) or etag
        await asyncio.sleep(POLL_SECONDS * rng.uniform(0.9, 1.1))


async def operator(stack, deadline, events):
    """The web service restarted a third of the way in, reloaded at two thirds."""
    loop = asyncio.get_running_loop()
    started = time.monotonic()
    for fraction, action in ((1 / 3, "restart"), (2 / 3, "reload")):
        await asyncio.sleep(max(0.0, started + SECONDS * fraction - time.monotonic()))
        t0 = time.monotonic()
        done = await loop.run_in_executor(None, stack.units, action, "web")
        events.append(
            (action, t0 - started, time.monotonic() - t0, done.returncode, (done.stdout + done.stderr).strip())
        )


async def lag_probe(deadline, samples):
    """How late the client's own event loop runs: a busy client inflates every latency."""
    while time.monotonic() < deadline:
        t0 = time.perf_counter()
        await asyncio.sleep(0.1)
        samples.append(time.perf_counter() - t0 - 0.1)


async def load(stack, seeded):
    rng = random.Random(20261206)
    tallies = {"first": Tally(), "pages": Tally(), "poll": Tally()}
    events, lag = [], []
    async with stack.session(limit=0, force_close=True, timeout=PLAYER_TIMEOUT) as players:
        gate = asyncio.Semaphore(50)
        warm = time.monotonic()
        etags = await asyncio.gather(
            *(first_fetch(players, stack, board, token, tallies["first"], gate) for board, token in seeded["players"])
        )
        started = time.monotonic()
        warm = started - warm
        deadline = started + SECONDS
        tasks = [
            reader(stack, seeded["pages"], deadline, tallies["pages"], random.Random(rng.random()))
            for _ in range(READERS)
        ]
        tasks += [
            player(stack, players, board, token, etag, deadline, tallies["poll"], random.Random(rng.random()))
            for (board, token), etag in zip(seeded["players"], etags)
        ]
        tasks += [operator(stack, deadline, events), lag_probe(deadline, lag)]
        await asyncio.gather(*tasks)
    return tallies, events, lag, warm, time.monotonic() - started


def test_readers_and_players_through_a_restart_and_a_reload(stack):
    t0 = time.monotonic()
    seeded = stack.seed_load(PLAYERS)
    print(
        f"\n{len(seeded['players'])} boards with tokens, {len(seeded['pages'])} commune pages ({time.monotonic() - t0:.0f} s)"
    )
    assert len(seeded["players"]) == PLAYERS

    try:
        tallies, events, lag, warm, seconds = asyncio.run(load(stack, seeded))
    finally:
        stack.remove_load()  # a district's alert would otherwise recompose 2,000 boards of a later run

    print(f"first fetch of every player (50 at a time), {warm:.0f} s:\n  " + tallies["first"].line("first", warm))
    print(
        f"{READERS} readers (a page every ~{THINK_SECONDS:g} s), {PLAYERS} players (a poll every ~{POLL_SECONDS:g} s, "
        f"new TLS connection each), {seconds:.0f} s, through nginx over HTTPS:"
    )
    for name in ("pages", "poll"):
        print("  " + tallies[name].line(name, seconds))
    for action, at, took, code, output in events:
        print(f"  web {action} at {at:.1f} s, took {took:.1f} s (exit {code}): {output.splitlines()[-1:]}")
    if lag:
        print(
            f"  client event-loop lag p99 {sorted(lag)[int(0.99 * len(lag))] * 1000:.0f} ms, max {max(lag) * 1000:.0f} ms"
        )

    assert [(action, code) for action, _at, _took, code, _out in events] == [("restart", 0), ("reload", 0)], events
    for name, tally in tallies.items():
        assert tally.failed == 0, f"{name}: {tally.failed} requests failed even after one retry: {tally.examples}"
    assert tallies["pages"].statuses.get(200) and tallies["poll"].statuses.get(304), tallies
