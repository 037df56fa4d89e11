"""A straightforward pandas implementation of silent certification (CONTRACT), as a baseline.

    .venv/bin/python benchmarks/certify_pandas.py PENSIONERS EVIDENCE_DIR AS_OF OUT

It loads everything into memory, as a first implementation would, and follows the same
rules as `tongban certify`; the certify benchmark runs it beside the engines and compares
the statuses.
"""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
from pypinyin import lazy_pinyin

from tongban.identity.domain import has_valid_check_digit, normalise_id_number


def normalise(raw: object) -> str:
    return "" if pd.isna(raw) else normalise_id_number(str(raw))


def pinyin(name: object) -> str:
    return "" if pd.isna(name) or not str(name).strip() else " ".join(lazy_pinyin(str(name)))


def load(pensioners: Path, evidence: Path, as_of: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    roll = pd.read_csv(pensioners, dtype=str, keep_default_na=False)
    frames = [pd.read_csv(f, dtype=str, keep_default_na=False) for f in sorted(evidence.glob("*.csv"))]
    frames += [pd.read_parquet(f).astype(str) for f in sorted(evidence.glob("*.parquet"))]
    events = pd.concat(frames, ignore_index=True)
    events["event_date"] = pd.to_datetime(events["event_date"], format="%Y-%m-%d").dt.date
    return roll, events[events["event_date"] <= as_of].copy()


def matches(roll: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    roll["nid"] = roll["id_number"].map(normalise)
    events["nid"] = events["id_number"].map(normalise)
    by_id = roll[roll["nid"].map(has_valid_check_digit)].groupby("nid")["person_id"].agg(list)
    unique_ids = by_id[by_id.map(len) == 1].map(lambda ids: ids[0])
    events["valid"] = events["nid"].map(has_valid_check_digit)
    id_rows = events[events["valid"]].assign(person_id=lambda e: e["nid"].map(unique_ids)).dropna(subset=["person_id"])
    names = pd.concat([roll["name"], events.loc[~events["valid"], "name"]]).drop_duplicates()
    spelled = pd.Series({name: pinyin(name) for name in names})
    roll["key"] = roll["name"].map(spelled) + "|" + roll["birth_date"] + "|" + roll["gender"]
    keyed = roll[roll["name"].map(spelled) != ""].groupby("key")["person_id"].agg(list)
    unique_keys = keyed[keyed.map(len) == 1].map(lambda ids: ids[0])
    fuzzy = events[~events["valid"]].copy()
    fuzzy["key"] = fuzzy["name"].map(spelled) + "|" + fuzzy["birth_date"] + "|" + fuzzy["gender"]
    fuzzy_rows = fuzzy.assign(person_id=lambda e: e["key"].map(unique_keys)).dropna(subset=["person_id"])
    return pd.concat([id_rows.assign(by_id=True), fuzzy_rows.assign(by_id=False)], ignore_index=True)


def decide(roll: pd.DataFrame, matched: pd.DataFrame, as_of: date) -> pd.DataFrame:
    deaths = matched[matched["kind"] == "death"].groupby("person_id")["event_date"].min().rename("death")
    lives = matched[matched["kind"] == "life"]
    last_life = lives.groupby("person_id")["event_date"].max().rename("last_life")
    any_id = matched.groupby("person_id")["by_id"].any().rename("any_id")
    out = roll[["person_id"]].join(deaths, on="person_id").join(last_life, on="person_id").join(any_id, on="person_id")
    alive_after = out["last_life"].notna() & out["death"].notna() & (out["last_life"] > out["death"])
    window = as_of - timedelta(days=365)
    recent = out["last_life"].notna() & out["last_life"].map(lambda d: pd.notna(d) and d > window)
    out["status"] = "certified"
    out.loc[out["death"].isna() & ~recent, "status"] = "manual"
    out.loc[out["death"].notna() & alive_after, "status"] = "manual"
    out.loc[out["death"].notna() & ~alive_after, "status"] = "suspended"
    out["matched_by"] = out["any_id"].map({True: "id", False: "fuzzy"}).fillna("")
    return out


def main(argv: list[str]) -> int:
    pensioners, evidence, as_of_text, out = argv
    as_of = date.fromisoformat(as_of_text)
    roll, events = load(Path(pensioners), Path(evidence), as_of)
    result = decide(roll, matches(roll, events), as_of)
    result[["person_id", "status", "last_life", "death", "matched_by"]].to_csv(out, index=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
