"""The hash chain: each entry's hash covers its content and the previous entry's hash."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

GENESIS = "0" * 64


@dataclass(frozen=True)
class EntryContent:
    seq: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_key: str
    before: str | None
    after: str | None


def canonical_json(value: Any) -> str | None:
    """Stable JSON for before/after snapshots, so the same state always hashes the same."""
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def entry_hash(content: EntryContent, prev_hash: str) -> str:
    payload = json.dumps(
        [
            content.seq,
            content.at.isoformat(timespec="microseconds"),
            content.actor,
            content.action,
            content.entity,
            content.entity_key,
            content.before,
            content.after,
            prev_hash,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True)
class Break:
    """The first entry at which the chain does not hold."""

    seq: int
    reason_zh: str
    reason_en: str


def first_break(entries: list[tuple[EntryContent, str, str]], start_hash: str, start_seq: int) -> Break | None:
    """Walks (content, prev_hash, hash) triples in sequence order from a known-good point."""
    expected_prev, expected_seq = start_hash, start_seq
    for content, prev_hash, stored_hash in entries:
        if content.seq != expected_seq + 1:
            return Break(
                content.seq,
                f"序号不连续，缺少第 {expected_seq + 1} 条",
                f"entry {expected_seq + 1} is missing",
            )
        if prev_hash != expected_prev:
            return Break(content.seq, "前一条哈希不符", "previous hash does not match")
        if entry_hash(content, prev_hash) != stored_hash:
            return Break(content.seq, "内容与哈希不符（已被篡改）", "content does not match its hash (tampered)")
        expected_prev, expected_seq = stored_hash, content.seq
    return None
