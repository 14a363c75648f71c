"""The on-disk index directory: a manifest and checksummed files (written with `bot.atomic`)."""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

MANIFEST = "manifest.json"
VERIFIED_FILE = "verified.json"  # the files' identities at their last full check (`verify_files`)
FORMAT_VERSION = 6


class IndexUnusable(Exception):
    """The index on disk is missing, stale or damaged; the message says which and why."""


@dataclass(frozen=True)
class IndexKey:
    """What an index was built from: if any of it differs, the index is rebuilt."""

    model_id: str
    model_fingerprint: str
    corpus_fingerprint: str
    chunker_version: str
    format_version: int = FORMAT_VERSION

    def differences(self, other: IndexKey) -> list[str]:
        """Human-readable reasons why `other` (on disk) does not match this key."""
        reasons = []
        if other.format_version != self.format_version:
            reasons.append(f"index format changed ({other.format_version} → {self.format_version})")
        if other.model_id != self.model_id or other.model_fingerprint != self.model_fingerprint:
            reasons.append(f"model changed ({other.model_id} → {self.model_id})")
        if other.corpus_fingerprint != self.corpus_fingerprint:
            reasons.append("corpus changed")
        if other.chunker_version != self.chunker_version:
            reasons.append(f"chunker changed (v{other.chunker_version} → v{self.chunker_version})")
        return reasons


@dataclass(frozen=True)
class Manifest:
    """The index's description, written last so a half-written index never looks complete."""

    key: IndexKey
    dimension: int
    passages: int
    built_at: str
    build_seconds: float
    files: dict[str, str] = field(default_factory=dict)  # relative path -> sha256
    details: dict[str, object] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        data = json.loads(text)
        return cls(key=IndexKey(**data.pop("key")), **data)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(directory: Path) -> Manifest:
    """Read and parse the manifest, or raise `IndexUnusable` saying what is wrong."""
    path = directory / MANIFEST
    if not path.is_file():
        raise IndexUnusable(f"no index at {directory}")
    try:
        return Manifest.from_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise IndexUnusable(f"index manifest {path} is unreadable ({exc.__class__.__name__}: {exc})") from exc


def file_identity(path: Path) -> list[int]:
    """What changes when a file is written or replaced: size, mtime, ctime (not settable), inode, device."""
    info = path.stat()
    return [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev]


def read_stamp(directory: Path) -> object:
    """The note `verified.json` keeps of the last full check of `directory`'s files (None if there is none)."""
    try:
        return json.loads((directory / VERIFIED_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_stamp(directory: Path, stamp: object) -> None:
    """Note a full check (best-effort: a read-only index is checked in full on every start)."""
    from bot.atomic import write_json

    with contextlib.suppress(OSError):
        write_json(directory / VERIFIED_FILE, stamp)


def _stamp(directory: Path, manifest: Manifest) -> dict[str, object]:
    identities = {}
    for name in sorted(manifest.files):
        try:
            identities[name] = file_identity(directory / name)
        except OSError as exc:
            raise IndexUnusable(f"index file {directory / name} is unreadable ({exc.strerror or exc})") from exc
    return {"manifest_sha256": sha256_file(directory / MANIFEST), "files": identities}


def verify_files(directory: Path, manifest: Manifest, *, trust_stamp: bool = True) -> None:
    """Check every file the manifest lists against its checksum (detects truncation and corruption).

    A full check is noted (`write_stamp`): with `trust_stamp`, files whose identity (size, mtime, ctime, inode)
    still matches the note are not hashed again: a million-passage index is gigabytes to hash on every start.
    """
    stamp = _stamp(directory, manifest)
    if trust_stamp and read_stamp(directory) == stamp:
        return
    for name, expected in manifest.files.items():
        path = directory / name
        try:
            actual = sha256_file(path)
        except OSError as exc:
            raise IndexUnusable(f"index file {path} is unreadable ({exc.strerror or exc})") from exc
        if actual != expected:
            raise IndexUnusable(f"index file {path} is damaged (checksum mismatch)")
    write_stamp(directory, stamp)


def note_verified(directory: Path, manifest: Manifest) -> None:
    """Note files whose checksums were just computed from them (a build's), so the first start need not hash them."""
    write_stamp(directory, _stamp(directory, manifest))


def checksum_tree(directory: Path) -> dict[str, str]:
    """sha256 of every file below `directory`, by relative path (the manifest excluded)."""
    return {
        path.relative_to(directory).as_posix(): sha256_file(path)
        for path in sorted(directory.rglob("*"))
        if path.is_file() and path.name not in (MANIFEST, VERIFIED_FILE)
    }

