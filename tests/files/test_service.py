from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.files import samples
from tongban.audit import service as audit
from tongban.auth.domain import SYSTEM
from tongban.config import Settings
from tongban.db import transaction
from tongban.files import service
from tongban.files.domain import ALL_TYPES, IMAGES, FileTypeRefused, MediaType, sha256_hex, strip_metadata
from tongban.files.models import StoredFile
from tongban.files.service import FileStore, StoredFileBroken

MB = 1024 * 1024


@pytest.fixture
def factory(db: sessionmaker[Session]) -> sessionmaker[Session]:
    return db


@pytest.fixture
def files(tmp_path: Path) -> FileStore:
    return FileStore(tmp_path / "files")


def _store(
    factory: sessionmaker[Session],
    files: FileStore,
    data: bytes,
    name: str = "材料.pdf",
    accepted: frozenset[MediaType] = ALL_TYPES,
) -> StoredFile:
    with transaction(factory) as session:
        return service.store(session, files, SYSTEM, name, data, accepted=accepted, max_bytes=10 * MB)


def _rows(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(StoredFile)) or 0


def _content_files(files: FileStore) -> list[Path]:
    return sorted(path for path in files.root.rglob("*") if path.is_file())


def test_a_file_is_kept_under_its_hash_and_recorded(factory: sessionmaker[Session], files: FileStore) -> None:
    stored = _store(factory, files, samples.pdf())
    sha = sha256_hex(samples.pdf())
    assert (stored.sha256, stored.size, stored.media_type) == (sha, len(samples.pdf()), "application/pdf")
    assert stored.created_by == SYSTEM.username
    assert _content_files(files) == [files.root / sha[:2] / sha[2:4] / sha]
    with factory() as session:
        assert [entry.action for entry in audit.history(session, "stored_files", str(stored.id))] == ["create"]


def test_a_photo_is_kept_without_its_metadata(factory: sessionmaker[Session], files: FileStore) -> None:
    stored = _store(factory, files, samples.photo(), name="pothole.jpg", accepted=IMAGES)
    kept = service.open_bytes(files, stored)
    assert stored.media_type == MediaType.JPEG
    assert kept == strip_metadata(samples.photo(), MediaType.JPEG)
    assert stored.sha256 == sha256_hex(kept)
    assert b"HUAWEI" not in kept


def test_the_same_bytes_are_stored_once(factory: sessionmaker[Session], files: FileStore) -> None:
    first = _store(factory, files, samples.png(), name="front.png")
    second = _store(factory, files, samples.png(), name="另一个名字.png")
    assert first.id == second.id
    assert _rows(factory) == 1
    assert len(_content_files(files)) == 1
    with factory() as session:
        assert audit.verify(session) == (1, None)


def test_different_bytes_are_different_files(factory: sessionmaker[Session], files: FileStore) -> None:
    assert _store(factory, files, samples.pdf()).id != _store(factory, files, samples.png()).id
    assert _rows(factory) == 2


def test_a_refused_upload_leaves_nothing_behind(factory: sessionmaker[Session], files: FileStore) -> None:
    with pytest.raises(FileTypeRefused):
        _store(factory, files, samples.executable(), name="setup.pdf")
    assert _rows(factory) == 0
    assert _content_files(files) == []


def test_no_temporary_file_is_left_in_the_store(factory: sessionmaker[Session], files: FileStore) -> None:
    _store(factory, files, samples.pdf())
    assert not [path for path in files.root.rglob(".incoming-*")]


def test_a_rolled_back_upload_leaves_a_harmless_file_that_the_next_upload_reuses(
    factory: sessionmaker[Session], files: FileStore
) -> None:
    with pytest.raises(RuntimeError), transaction(factory) as session:
        service.store(session, files, SYSTEM, "x.pdf", samples.pdf(), accepted=ALL_TYPES, max_bytes=MB)
        raise RuntimeError("the case this file belonged to failed to save")
    assert _rows(factory) == 0
    assert len(_content_files(files)) == 1
    stored = _store(factory, files, samples.pdf())
    assert service.open_bytes(files, stored) == samples.pdf()


def test_opening_gives_back_the_stored_bytes(factory: sessionmaker[Session], files: FileStore) -> None:
    stored = _store(factory, files, samples.pdf())
    assert service.open_bytes(files, stored) == samples.pdf()


def test_a_file_altered_on_disk_is_refused_when_opened(factory: sessionmaker[Session], files: FileStore) -> None:
    stored = _store(factory, files, samples.pdf())
    path = files.path(stored.sha256)
    path.write_bytes(path.read_bytes().replace(b"595 842", b"842 595"))
    with pytest.raises(StoredFileBroken) as broken:
        service.open_bytes(files, stored)
    assert broken.value.problem == "altered"
    assert stored.sha256 in str(broken.value)


def test_a_file_missing_on_disk_is_refused_when_opened(factory: sessionmaker[Session], files: FileStore) -> None:
    stored = _store(factory, files, samples.pdf())
    files.path(stored.sha256).unlink()
    with pytest.raises(StoredFileBroken) as broken:
        service.open_bytes(files, stored)
    assert broken.value.problem == "missing"


def test_a_damaged_copy_is_replaced_by_the_next_upload_of_the_same_bytes(
    factory: sessionmaker[Session], files: FileStore
) -> None:
    stored = _store(factory, files, samples.pdf())
    files.path(stored.sha256).write_bytes(b"bit rot")
    again = _store(factory, files, samples.pdf())
    assert again.id == stored.id
    assert service.open_bytes(files, again) == samples.pdf()


def test_a_path_comes_only_from_a_hash(files: FileStore) -> None:
    with pytest.raises(ValueError):
        files.path("../../etc/passwd")


def test_the_store_lives_in_the_data_dir(settings: Settings) -> None:
    assert FileStore.from_settings(settings).root == settings.data_dir / "files"


def test_losing_a_race_to_store_the_same_bytes_gives_the_winners_row(
    factory: sessionmaker[Session], files: FileStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    winner = _store(factory, files, samples.pdf())
    real_lookup = service._by_hash
    calls: list[str] = []

    def looked_before_the_winner_committed(session: Session, sha256: str) -> StoredFile | None:
        calls.append(sha256)
        return None if len(calls) == 1 else real_lookup(session, sha256)

    monkeypatch.setattr(service, "_by_hash", looked_before_the_winner_committed)
    with transaction(factory) as session:
        session.add(
            StoredFile(
                sha256="0" * 64, size=1, media_type="image/png", created_at=winner.created_at, created_by="other"
            )
        )
        loser = service.store(session, files, SYSTEM, "x.pdf", samples.pdf(), accepted=ALL_TYPES, max_bytes=MB)
    assert loser.id == winner.id
    # The caller's own work in the same transaction survived the lost race.
    assert _rows(factory) == 2
    with factory() as session:
        assert audit.verify(session) == (1, None)
