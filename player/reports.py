"""On-disk outbox: heartbeats and proofs of play wait in ``DIR/outbox/*.json`` and are sent
in order; an entry is removed only after a 2xx, or set aside when the server refuses it for
good (4xx other than 401/403/429: ``DIR/outbox-refused/``). Bounded: beyond ``cap`` the oldest go."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

from player.cache import write_atomic

log = logging.getLogger("player")

ENDPOINTS = ("heartbeat", "plays")
REFUSED = (400, 404, 413, 422)  # answers that sending again cannot change
REFUSED_KEPT = 50


class Outbox:
    def __init__(self, root, cap: int = 500, heartbeat_cap: int = 50):
        self.dir = Path(root) / "outbox"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.cap = cap
        self.heartbeat_cap = heartbeat_cap
        self._lock = threading.Lock()

    def entries(self) -> list:
        return sorted(p for p in self.dir.glob("*.json"))

    def put(self, endpoint: str, body) -> Path:
        assert endpoint in ENDPOINTS
        with self._lock:
            existing = self.entries()
            seq = 1
            if existing:
                try:
                    seq = int(existing[-1].name.split("-", 1)[0]) + 1
                except ValueError:
                    seq = len(existing) + 1
            path = self.dir / f"{seq:012d}-{endpoint}.json"
            write_atomic(path, json.dumps({"endpoint": endpoint, "body": body}, ensure_ascii=False).encode("utf-8"))
            existing.append(path)
            beats = [p for p in existing if p.name.endswith("-heartbeat.json")]
            drop = beats[: max(0, len(beats) - self.heartbeat_cap)]  # stale heartbeats go first
            rest = [p for p in existing if p not in drop]
            drop += rest[: max(0, len(rest) - self.cap)]
            for old in drop:
                log.warning("outbox full, dropping %s", old.name)
                old.unlink(missing_ok=True)
            return path

    def flush(self, send) -> int:
        """``send(endpoint, body) -> status`` (raises OSError when unreachable). Stops at the
        first failure so order is kept. Returns how many were delivered."""
        sent = 0
        with self._lock:
            for path in self.entries():
                try:
                    entry = json.loads(path.read_text("utf-8"))
                    endpoint, body = entry["endpoint"], entry["body"]
                    if endpoint not in ENDPOINTS:
                        raise ValueError(endpoint)
                except (OSError, ValueError, KeyError, TypeError):
                    log.warning("outbox: unreadable %s dropped", path.name)
                    path.unlink(missing_ok=True)
                    continue
                status = send(endpoint, body)
                if 200 <= status < 300:
                    path.unlink(missing_ok=True)
                    sent += 1
                elif status in REFUSED:
                    # The server will never accept this one (a bad body, a clock far off): set it
                    # aside and go on, so later heartbeats and plays still get through.
                    self._set_aside(path, status)
                else:
                    break
        return sent

    def _set_aside(self, path: Path, status: int) -> None:
        """Keep a refused entry in ``DIR/outbox-refused/`` for a person to look at (the newest 50)."""
        refused = self.dir.parent / "outbox-refused"
        refused.mkdir(exist_ok=True)
        log.warning("outbox: server refused %s (HTTP %s), set aside in %s", path.name, status, refused)
        path.replace(refused / path.name)
        for old in sorted(refused.glob("*.json"))[:-REFUSED_KEPT]:
            old.unlink(missing_ok=True)
