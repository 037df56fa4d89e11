"""Text columns built from byte matrices, and the CSV/Parquet writers the generator streams into.

Strings are assembled without Python loops: each row's UTF-8 bytes sit in a row of a
NumPy ``uint8`` matrix, and the matrix becomes an Arrow string array by computing offsets
and keeping the bytes each row uses. This is what lets 60 million evidence rows be written
in minutes.
"""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from tongban.registries.generator_names import Array

_SPACE = 32
_ZERO = 48
_X = ord("X")
# Full-width digits are U+FF10–U+FF19 and Ｘ is U+FF38, three UTF-8 bytes each.
_FULLWIDTH_LEAD = np.array([0xEF, 0xBC], dtype=np.uint8)


class IdForm(IntEnum):
    """How an ID number is written in a file."""

    OK = 0
    OLD15 = 1  # the pre-1999 15-digit number: no century, no check digit
    FULLWIDTH = 2  # full-width digits and Ｘ, as typed with a Chinese input method
    LOWER_X = 3  # check character typed as x
    PADDED = 4  # leading and/or trailing spaces, 20 characters in all
    BLANK = 5
    MISTYPED = 6  # one of the first 17 digits changed, so the check digit no longer fits


def utf8(matrix: Array, lengths: Array | None = None, valid: Array | None = None) -> pa.Array:
    """An Arrow string array whose row ``i`` is the first ``lengths[i]`` bytes of ``matrix[i]``."""
    n, width = matrix.shape
    if lengths is None:
        lengths = np.full(n, width, np.int64)
    offsets = np.zeros(n + 1, np.int32)
    np.cumsum(lengths, out=offsets[1:])
    data = matrix.reshape(-1) if (lengths == width).all() else matrix[np.arange(width) < lengths[:, None]]
    buffers: list[Any] = [None, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(data))]
    null_count = 0
    if valid is not None and not valid.all():
        buffers[0] = pa.py_buffer(np.packbits(valid, bitorder="little"))
        null_count = int(n - valid.sum())
    return pa.Array.from_buffers(pa.string(), n, buffers, null_count=null_count)


def dates(day_numbers: Array, valid: Array | None = None) -> pa.Array:
    """An Arrow ``date32`` array (days since 1970-01-01); written to CSV as ``YYYY-MM-DD``."""
    n = len(day_numbers)
    buffers: list[Any] = [None, pa.py_buffer(np.ascontiguousarray(day_numbers, dtype=np.int32))]
    null_count = 0
    if valid is not None and not valid.all():
        buffers[0] = pa.py_buffer(np.packbits(valid, bitorder="little"))
        null_count = int(n - valid.sum())
    return pa.Array.from_buffers(pa.date32(), n, buffers, null_count=null_count)


def numbered(prefix: str | Array, numbers: Array, width: int = 9, valid: Array | None = None) -> pa.Array:
    """A letter followed by each number zero-padded to ``width`` digits (``P000000042``).

    ``prefix`` is one letter for all rows, or an array of ASCII codes, one per row.
    """
    n = len(numbers)
    head = np.empty((n, 1), np.uint8)
    head[:, 0] = np.frombuffer(prefix.encode("ascii"), np.uint8)[0] if isinstance(prefix, str) else prefix
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    digits = (np.asarray(numbers, np.int64)[:, None] // powers % 10 + _ZERO).astype(np.uint8)
    return utf8(np.concatenate([head, digits], axis=1), valid=valid)


def id_numbers(rng: np.random.Generator, digits: Array, check: Array, form: Array) -> pa.Array:
    """ID numbers as written: ``digits`` (n×17 values 0–9) and ``check`` (ASCII) in the given forms."""
    n = len(form)
    ascii_ = np.concatenate([digits + _ZERO, check[:, None]], axis=1).astype(np.uint8)
    mistyped = np.flatnonzero(form == IdForm.MISTYPED)
    position = rng.integers(0, 17, size=len(mistyped))
    ascii_[mistyped, position] = (digits[mistyped, position] + rng.integers(1, 10, size=len(mistyped))) % 10 + _ZERO
    ascii_[form == IdForm.LOWER_X, 17] = ord("x")
    matrix = np.full((n, 20), _SPACE, np.uint8)
    lengths = np.full(n, 18, np.int64)
    plain = np.isin(form, (IdForm.OK, IdForm.LOWER_X, IdForm.MISTYPED))
    matrix[plain, :18] = ascii_[plain]
    old = form == IdForm.OLD15
    matrix[old, :15] = ascii_[old][:, np.r_[0:6, 8:17]]
    lengths[old] = 15
    padded = np.flatnonzero(form == IdForm.PADDED)
    lead = rng.integers(0, 3, size=len(padded))
    for spaces in range(3):
        rows = padded[lead == spaces]
        matrix[rows, spaces : spaces + 18] = ascii_[rows]
    lengths[padded] = 20
    blank = (form == IdForm.BLANK) | (form == IdForm.FULLWIDTH)
    lengths[blank] = 0
    text = utf8(matrix, lengths, ~blank)
    wide = form == IdForm.FULLWIDTH
    if wide.any():
        text = pc.replace_with_mask(text, pa.array(wide), _fullwidth(ascii_[wide]))
    return text


def _fullwidth(ascii_: Array) -> pa.Array:
    n = len(ascii_)
    wide = np.empty((n, 18, 3), np.uint8)
    wide[:, :, :2] = _FULLWIDTH_LEAD
    wide[:, :, 2] = np.where(ascii_ == _X, 0xB8, ascii_ - _ZERO + 0x90)
    return utf8(wide.reshape(n, 54))


_CSV_OPTIONS = pa_csv.WriteOptions(include_header=False, quoting_style="none")


class TableSink:
    """Appends tables to one CSV (header written by hand, values unquoted) or Parquet file.

    Arrow's CSV writer quotes the header and, by default, every string; the contract's
    headers are plain and no generated value holds a comma, quote or newline. Each table is
    written by its own ``write_csv`` call: a long-lived ``CSVWriter`` keeps the last table
    it wrote alive until the next write, one whole chunk per file.
    """

    def __init__(self, path: Path, schema: pa.Schema, fmt: str) -> None:
        self.path = path
        self.rows = 0
        self._file: BinaryIO | None = None
        self._parquet: pq.ParquetWriter | None = None
        if fmt == "parquet":
            self._parquet = pq.ParquetWriter(path, schema)
        else:
            self._file = path.open("wb")
            self._file.write((",".join(schema.names) + "\n").encode("ascii"))

    def write(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        self.rows += table.num_rows
        if self._parquet is not None:
            self._parquet.write_table(table)
        elif self._file is not None:
            pa_csv.write_csv(table, self._file, _CSV_OPTIONS)

    def close(self) -> None:
        if self._parquet is not None:
            self._parquet.close()
        if self._file is not None:
            self._file.close()
