"""Stored files (存储文件): one row per distinct content; the bytes live on disk, named by their hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tongban.db import Base, UtcDateTime


class StoredFile(Base):
    """Content-addressed: the same bytes are stored once, whoever uploads them and under any name.

    The uploader's file name is not kept here; the record that uses the file (a case's
    material, a citizen's report) keeps it, since two uploads may name the same bytes differently.
    """

    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
