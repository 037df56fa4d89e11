"""Lottery site selection (摇号选址): a draw anyone can re-run and check.

Before the draw the organiser publishes the commitment, SHA-256 of a secret random seed;
after it, the seed. Anyone holding the published seed, the list of eligible households and
the list of plots then re-runs the draw (`tongban lottery rerun`) and gets the same result:

1. each household's ticket is HMAC-SHA256(key = seed, message = household id, UTF-8);
2. households are ordered by ticket (hex, ascending), ties impossible in practice and
   broken by the id;
3. the first household in that order takes the first plot of the published plot list, the
   second the second, and so on; households beyond the number of plots wait.

The order of the input lists does not matter for households (they are sorted by ticket)
and is the published order for plots. Nothing here reads a clock or a random source.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass

SEED_BYTES = 32


class DrawError(ValueError):
    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_zh = message_zh
        self.message_en = message_en


def commitment(seed: bytes) -> str:
    """What is published before the draw: the seed's SHA-256, in hex."""
    return hashlib.sha256(seed).hexdigest()


def ticket(seed: bytes, household: str) -> str:
    return hmac.new(seed, household.encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Allocation:
    rank: int
    household: str
    ticket: str
    plot: str | None  # None: beyond the number of plots, on the waiting list


def draw(seed: bytes, households: Sequence[str], plots: Sequence[str]) -> list[Allocation]:
    """The draw, entirely determined by the seed and the two lists."""
    if len(seed) != SEED_BYTES:
        raise DrawError(f"种子应为 {SEED_BYTES} 字节", f"the seed must be {SEED_BYTES} bytes")
    _no_duplicates(households, "户", "household")
    _no_duplicates(plots, "地块", "plot")
    ordered = sorted((ticket(seed, household), household) for household in households)
    return [
        Allocation(rank, household, mark, plots[rank - 1] if rank <= len(plots) else None)
        for rank, (mark, household) in enumerate(ordered, 1)
    ]


def verify(seed: bytes, published_commitment: str) -> None:
    """Refuses a seed that is not the one committed to before the draw."""
    if not hmac.compare_digest(commitment(seed), published_commitment.strip().lower()):
        raise DrawError(
            "种子与摇号前公布的承诺值不符", "the seed does not match the commitment published before the draw"
        )


def parse_seed(text: str) -> bytes:
    try:
        seed = bytes.fromhex(text.strip())
    except ValueError:
        raise DrawError("种子应为十六进制", "the seed must be hexadecimal") from None
    if len(seed) != SEED_BYTES:
        raise DrawError(f"种子应为 {SEED_BYTES * 2} 位十六进制", f"the seed must be {SEED_BYTES * 2} hex digits")
    return seed


def _no_duplicates(items: Sequence[str], zh: str, en: str) -> None:
    seen: set[str] = set()
    for item in items:
        if item in seen:
            raise DrawError(f"{zh} {item} 重复", f"duplicate {en} {item}")
        seen.add(item)
