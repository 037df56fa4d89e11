"""Storing uploaded files: checked and cleaned by the domain, written to disk by content, recorded once.

The bytes live outside the database in ``<root>/<aa>/<bb>/<sha256>``, where ``aa`` and
``bb`` are the first two pairs of hex digits of the hash (so no folder grows past a few
hundred entries). The row in ``stored_files`` says what the bytes are; the record that
uses a file (a case's material) keeps the uploader's name for it.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tongban.audit import service as audit
from tongban.auth.domain import Actor
from tongban.config import Settings
from tongban.db import utcnow
from tongban.files.domain import MediaType, Prepared, prepare, sha256_hex
from tongban.files.models import StoredFile

_SHA256 = re.compile(r"[0-9a-f]{64}")


class StoredFileBroken(RuntimeError):
    """A stored file's content is missing or no longer matches its hash.

    Not a user's mistake but damage to the store (a disk fault, someone editing files
    by hand): it surfaces as a logged 500 so that an operator restores it from backup.
    """

    def __init__(self, sha256: str, path: Path, problem: str) -> None:
        super().__init__(f"stored file {sha256} at {path} is {problem}")
        self.sha256 = sha256
        self.path = path
        self.problem = problem


@dataclass(frozen=True)
class FileStore:
    """The folder that holds the content files; the only code that touches them."""

    root: Path

    @classmethod
    def from_settings(cls, settings: Settings) -> FileStore:
        return cls(settings.data_dir / "files")

    def path(self, sha256: str) -> Path:
        # The hash comes from the database; refusing anything else keeps a doctored row from
        # naming a path outside the store.
        if not _SHA256.fullmatch(sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def write(self, sha256: str, data: bytes) -> None:
        """Writes the content file atomically; a good copy already there is left alone."""
        target = self.path(sha256)
        if self._holds(target, sha256):
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        # A temporary file in the same folder, synced, then renamed over the target: readers
        # see the old file or the whole new one, never half of it, even after a crash.
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
            raise
        _fsync_folder(target.parent)

    def read(self, sha256: str) -> bytes:
        path = self.path(sha256)
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise StoredFileBroken(sha256, path, "missing") from exc
        if sha256_hex(data) != sha256:
            raise StoredFileBroken(sha256, path, "altered")
        return data

    @staticmethod
    def _holds(path: Path, sha256: str) -> bool:
        # Hashing again instead of trusting that the file exists: a damaged copy is
        # replaced by the next upload of the same bytes.
        try:
            return sha256_hex(path.read_bytes()) == sha256
        except FileNotFoundError:
            return False


def _fsync_folder(folder: Path) -> None:
    """Makes the rename itself durable: on POSIX it lives in the folder's entry list."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def store(
    session: Session,
    files: FileStore,
    actor: Actor,
    name: str,
    data: bytes,
    *,
    accepted: Collection[MediaType],
    max_bytes: int,
) -> StoredFile:
    """Checks, cleans and keeps an upload in the caller's transaction; the same bytes give the same row.

    ``name`` is only used in error messages. Raises a `FileRefused` kind (422) for a file
    that is empty, too large, of a type not accepted, damaged or password-protected.
    """
    prepared = prepare(name, data, accepted=accepted, max_bytes=max_bytes)
    # The content file is written before the row, never after: a row must not exist
    # without its bytes. If the insert or the caller's transaction then fails, the file
    # left behind is harmless: no row points at it so nothing serves it, its name is its
    # hash so it can never be mistaken for other content, and the next upload of the same
    # bytes reuses it. A sweep can delete files no row names.
    files.write(prepared.sha256, prepared.data)
    existing = _by_hash(session, prepared.sha256)
    return existing if existing is not None else _insert(session, actor, prepared)


def open_bytes(files: FileStore, stored: StoredFile) -> bytes:
    """The stored bytes, checked against their hash; raises `StoredFileBroken` if they changed."""
    return files.read(stored.sha256)


def _by_hash(session: Session, sha256: str) -> StoredFile | None:
    return session.scalars(select(StoredFile).where(StoredFile.sha256 == sha256)).one_or_none()


def _insert(session: Session, actor: Actor, prepared: Prepared) -> StoredFile:
    row = StoredFile(
        sha256=prepared.sha256,
        size=len(prepared.data),
        media_type=prepared.media_type.value,
        created_at=utcnow(),
        created_by=actor.username,
    )
    try:
        # A savepoint, so that losing the race below undoes only this insert, not the caller's work.
        with session.begin_nested():
            session.add(row)
            session.flush()
            after = {"sha256": row.sha256, "size": row.size, "media_type": row.media_type}
            audit.record(session, actor, "create", StoredFile.__tablename__, str(row.id), after=after)
    except IntegrityError:
        # Someone stored the same bytes between our look-up and our insert (a double-clicked
        # upload): their row describes exactly these bytes, so it is ours too.
        existing = _by_hash(session, prepared.sha256)
        if existing is None:
            raise
        return existing
    return row
