"""Content-addressed file store (``DIR/files/<sha256>``) and the atomically swapped playlist.

A file is moved into ``files/`` only after its size and sha256 were verified, so presence
means verified. Downloads in progress live in ``files/<sha256>.part`` and are resumed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

from player.schedule import validate_playlist
from player.zones import layout_files


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``path.tmp`` (fsynced) then ``os.replace`` it over ``path``."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Cache:
    def __init__(self, root):
        self.root = Path(root)
        self.files = self.root / "files"
        self.files.mkdir(parents=True, exist_ok=True)
        self.playlist_path = self.root / "playlist.json"
        self.previous_path = self.root / "playlist.prev.json"
        self.state_path = self.root / "state.json"

    # files ---------------------------------------------------------------------------
    def path_for(self, sha: str) -> Path:
        return self.files / sha

    def part_for(self, sha: str) -> Path:
        return self.files / (sha + ".part")

    def has(self, sha: str) -> bool:
        return self.path_for(sha).is_file()

    def finalize(self, sha: str, size: int) -> None:
        """Verify the part file; move it in, or delete it and raise ValueError."""
        part = self.part_for(sha)
        have = part.stat().st_size
        if have != size:
            part.unlink(missing_ok=True)
            raise ValueError(f"size mismatch for {sha[:12]}: expected {size}, got {have}")
        actual = sha256_of(part)
        if actual != sha:
            part.unlink(missing_ok=True)
            raise ValueError(f"sha256 mismatch for {sha[:12]}: got {actual[:12]}")
        os.replace(part, self.path_for(sha))

    def cache_bytes(self) -> int:
        total = 0
        for entry in self.files.iterdir():
            try:
                total += entry.stat().st_size
            except OSError:
                pass
        return total

    def free_bytes(self) -> int:
        return shutil.disk_usage(self.root).free

    def prune(self, keep: set) -> list:
        """Delete files (and stale parts) whose hash is not in ``keep``."""
        removed = []
        for entry in self.files.iterdir():
            sha = entry.name[: -len(".part")] if entry.name.endswith(".part") else entry.name
            if sha not in keep:
                entry.unlink(missing_ok=True)
                removed.append(entry.name)
        return removed

    # playlist ------------------------------------------------------------------------
    def _load(self, path: Path):
        try:
            return validate_playlist(json.loads(path.read_text("utf-8")))
        except (OSError, ValueError):
            return None

    def load_playlist(self):
        """The held playlist, or None (missing or unreadable)."""
        return self._load(self.playlist_path)

    def load_previous(self):
        return self._load(self.previous_path)

    def load_state(self) -> dict:
        try:
            state = json.loads(self.state_path.read_text("utf-8"))
            return state if isinstance(state, dict) else {}
        except (OSError, ValueError):
            return {}

    def save_state(self, state: dict) -> None:
        write_atomic(self.state_path, json.dumps(state).encode())

    def swap_playlist(self, playlist: dict, etag) -> None:
        """Keep the old playlist as the previous one, then swap the new one in atomically
        (``playlist.json.tmp`` + ``os.replace``)."""
        if self.playlist_path.exists():
            write_atomic(self.previous_path, self.playlist_path.read_bytes())
        write_atomic(self.playlist_path, json.dumps(playlist, ensure_ascii=False).encode("utf-8"))
        state = self.load_state()
        state["etag"] = etag
        state["version"] = playlist.get("version")
        self.save_state(state)

    def referenced(self) -> set:
        """Hashes of the current playlist plus the previous one (the grace): items and the
        layout's files."""
        keep = set()
        for playlist in (self.load_playlist(), self.load_previous()):
            if playlist:
                keep.update(item["sha256"] for item in playlist["items"])
                keep.update(entry["sha256"] for entry in layout_files(playlist.get("layout")))
        return keep
