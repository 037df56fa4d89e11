"""The silent-certification job, written once in DuckDB SQL.

DuckDB runs these statements as written; Spark runs them after ``sqlglot`` transpiles them
(see :mod:`tongban.registries.certify_spark`). Each engine first registers two views:

* ``pensioners_src(rn, person_id, id_number, name, gender, birth_date)``: the validated
  roll, ``rn`` its 1-based row in the file, ``gender`` and ``birth_date`` already trimmed;
* ``evidence_src(id_number, name, gender, birth_date, event_date, kind, file)``: every
  evidence row as text, ``file`` the base name of the file it came from.

then materialises the steps of :func:`job` in order. The last step, ``per_pensioner``, holds one row
per pensioner with the earliest death, the latest life date and how they matched;
:func:`decision_sql` turns it into statuses and reasons in DuckDB for both engines, so the
output files cannot differ.
"""

from __future__ import annotations

import string
import unicodedata
from dataclasses import dataclass
from datetime import date

import sqlglot

from tongban.registries.domain import REASON_STATUS, REASON_TEXTS, EvidenceKind, MatchedBy, Reason, window_start

# ISO 7064 MOD 11-2, as in GB 11643: weight of position i (1-based) is 2^(18-i) mod 11.
ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
ID_CHECK_CHARS = "10X98765432"
GENDERS = ("男", "女")
GENDER_LIST = "(" + ", ".join(f"'{gender}'" for gender in GENDERS) + ")"


def _fold_table() -> tuple[str, str]:
    """translate() arguments folding what NFKC folds to an ID character, and all whitespace to a space.

    ``tongban.identity.domain.normalise_id_number`` applies NFKC, strips whitespace and
    upper-cases. Only digits, ``X`` and edge whitespace can survive into a valid number, so
    folding exactly the characters that NFKC turns into one of those (full-width ``０``–``９``,
    ``Ｘ``, ``ｘ``, the ideographic space, and rarer forms like ``①``) gives the same valid
    numbers without a Python call per row.
    """
    sources, targets = [], []
    for code in range(0x10000):
        char = chr(code)
        if 0xD800 <= code <= 0xDFFF or char == " ":
            continue
        folded = unicodedata.normalize("NFKC", char)
        if len(folded) == 1 and folded.isspace():
            sources.append(char)
            targets.append(" ")
        elif folded != char and len(folded) == 1 and folded in "0123456789Xx":
            sources.append(char)
            targets.append(folded)
    return "".join(sources), "".join(targets)


FOLD_FROM, FOLD_TO = _fold_table()
_SPACES_FROM = "".join(char for char, target in zip(FOLD_FROM, FOLD_TO, strict=True) if target == " ")


def quote(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def date_literal(day: date) -> str:
    return f"DATE '{day.isoformat()}'"


def _folded(column: str, sources: str, targets: str, trigger: str) -> str:
    """translate(), run only on values matching the regex ``trigger``: its cost grows with the table."""
    return (
        f"CASE WHEN regexp_matches({column}, {quote(trigger)})"
        f" THEN translate({column}, {quote(sources)}, {quote(targets)}) ELSE {column} END"
    )


def clean_text(column: str) -> str:
    """Trimmed (any Unicode whitespace), NULL when blank."""
    spaces = _folded(column, _SPACES_FROM, " " * len(_SPACES_FROM), f"[{_SPACES_FROM}]")
    return f"nullif(trim({spaces}), '')"


def iso_date(column: str) -> str:
    """A ``YYYY-MM-DD`` text as a DATE, NULL when it is anything else.

    The shape is checked first because both engines' casts also accept ``2025-3-2``; year
    0000 is refused because DuckDB reads it as 1 BC and Python has no such year.
    """
    text = f"trim({column})"
    return (
        f"CASE WHEN length({text}) = 10 AND regexp_matches({text}, '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}$')"
        f" AND substr({text}, 1, 4) <> '0000' THEN TRY_CAST({text} AS DATE) END"
    )


def _check_char(digits: str) -> str:
    """The MOD 11-2 check character of ``digits``, the first 17 digits as a BIGINT.

    Integer arithmetic on one number is several times faster than 17 substrings and casts.
    """
    terms = " + ".join(f"(({digits} // {10 ** (16 - i)}) % 10) * {w}" for i, w in enumerate(ID_WEIGHTS))
    return f"substr('{ID_CHECK_CHARS}', CAST(({terms}) % 11 AS INTEGER) + 1, 1)"


def with_normalised_id(relation: str) -> str:
    """``relation`` plus ``nid``: its ``id_number`` normalised when valid, else NULL.

    Same steps as ``normalise_id_number``: fold, trim, upper-case, widen a 15-digit number
    with century 19 and its check digit; then the CONTRACT's validity, format and check
    character only: 17 digits, then the right digit or X. The birth date inside is not
    checked (``is_valid_id_number`` does, for forms): the CONTRACT says a number with the
    right check character matches on ID, and a run must follow the CONTRACT to the letter.
    """
    # Every character to fold is outside printable ASCII, and most IDs hold none.
    fold = _folded("id_number", FOLD_FROM, FOLD_TO, "[^ -~]")
    folded = f"SELECT *, upper(trim({fold})) AS id_f FROM {relation}"
    old = "length(id_f) = 15 AND regexp_matches(id_f, '^[0-9]{15}$')"
    first17 = (
        f"SELECT *, {old} AS id_old,"
        f" CASE WHEN {old} THEN substr(id_f, 1, 6) || '19' || substr(id_f, 7) ELSE substr(id_f, 1, 17) END AS id_17"
        f" FROM ({folded}) AS f"
    )
    digits = (
        "SELECT *, CASE WHEN length(id_17) = 17 AND regexp_matches(id_17, '^[0-9]{17}$')"
        " THEN TRY_CAST(id_17 AS BIGINT) END AS id_digits"
        f" FROM ({first17}) AS s"
    )
    checked = f"SELECT *, {_check_char('id_digits')} AS id_check FROM ({digits}) AS d"
    whole = f"SELECT *, CASE WHEN id_old THEN id_17 || id_check ELSE id_f END AS id_n FROM ({checked}) AS c"
    valid = "CASE WHEN length(id_n) = 18 AND id_digits IS NOT NULL AND substr(id_n, 18, 1) = id_check THEN id_n END"
    return f"SELECT *, {valid} AS nid FROM ({whole}) AS n"


# Why an evidence row is unusable; NULL when it is fine. Shared with the row locator.
EVIDENCE_PROBLEM = (
    "CASE WHEN event_on IS NULL THEN 'event_date'"
    f" WHEN kind IS NULL OR kind NOT IN ('{EvidenceKind.LIFE}', '{EvidenceKind.DEATH}') THEN 'kind' END"
)


def evidence_cleaned(relation: str, carried: str = "file") -> str:
    """Raw evidence text columns trimmed and typed; ``problem`` says why a row is unusable.

    ``name`` stays raw: it is cleaned only for the few rows that may match by name.
    """
    cleaned = (
        f"SELECT {carried}, id_number, name, nullif(trim(gender), '') AS gender,"
        " nullif(trim(birth_date), '') AS birth_date, event_date,"
        f" {iso_date('event_date')} AS event_on, trim(kind) AS kind FROM {relation}"
    )
    return f"SELECT *, {EVIDENCE_PROBLEM} AS problem FROM ({cleaned}) AS c"


def evidence_groups(as_of: date) -> str:
    """One pass over all evidence: validate, normalise, and pre-aggregate by match key.

    Rows collapse to one group per valid ID number, or per (name, birth date, gender) for
    rows that can only match by name, so the joins see millions of groups instead of tens
    of millions of rows. Unusable rows collapse to one group per file (``bad_file``); rows
    that can match nobody or are dated after ``as_of`` fall into the group with no key.
    """
    normalised = with_normalised_id(f"({evidence_cleaned('evidence_src')}) AS e")
    flagged = f"SELECT *, problem IS NULL AND event_on <= {date_literal(as_of)} AS counts FROM ({normalised}) AS v"
    # Only a row without a valid ID may match by name, and only with a birth date and gender.
    by_name = f"counts AND nid IS NULL AND birth_date IS NOT NULL AND gender IN {GENDER_LIST}"
    named = f"SELECT *, CASE WHEN {by_name} THEN {clean_text('name')} END AS fuzzy_name FROM ({flagged}) AS f"
    keyed = (
        "SELECT CASE WHEN problem IS NOT NULL THEN file END AS bad_file, CASE WHEN counts THEN nid END AS nid,"
        " fuzzy_name AS name, CASE WHEN fuzzy_name IS NOT NULL THEN birth_date END AS birth_date,"
        " CASE WHEN fuzzy_name IS NOT NULL THEN gender END AS gender, CASE WHEN counts THEN kind END AS kind, event_on"
        f" FROM ({named}) AS k"
    )
    return (
        "SELECT bad_file, nid, name, birth_date, gender, count(*) AS n,"
        f" min(CASE WHEN kind = '{EvidenceKind.DEATH}' THEN event_on END) AS death,"
        f" max(CASE WHEN kind = '{EvidenceKind.LIFE}' THEN event_on END) AS life"
        f" FROM ({keyed}) AS g GROUP BY bad_file, nid, name, birth_date, gender"
    )


PENSIONERS_NORMALISED = (
    "SELECT rn, person_id, nid, name, birth_date, gender FROM ("
    + with_normalised_id(
        f"(SELECT rn, person_id, id_number, {clean_text('name')} AS name, birth_date, gender FROM pensioners_src) AS p"
    )
    + ") AS n"
)

# Pinyin is the costly part (a Python call per value), so it runs once per distinct name,
# and only for names that can take part in a fuzzy match.
NAMES = (
    "SELECT name, pinyin(name) AS py FROM (SELECT name FROM p_norm WHERE name IS NOT NULL"
    " UNION SELECT name FROM ev_groups WHERE name IS NOT NULL) AS distinct_names"
)

# A key held by two pensioners identifies nobody: such evidence matches none of them.
ID_OWNERS = "SELECT nid, min(rn) AS rn FROM p_norm WHERE nid IS NOT NULL GROUP BY nid HAVING count(*) = 1"
KEY_OWNERS = (
    "SELECT n.py, p.birth_date, p.gender, min(p.rn) AS rn FROM p_norm AS p JOIN names AS n ON p.name = n.name"
    " WHERE n.py IS NOT NULL GROUP BY n.py, p.birth_date, p.gender HAVING count(*) = 1"
)
HITS = (
    "SELECT rn, min(death) AS death, max(life) AS life, max(by_id) AS by_id FROM ("
    "SELECT o.rn, e.death, e.life, 1 AS by_id FROM ev_groups AS e JOIN id_owners AS o ON e.nid = o.nid"
    " UNION ALL SELECT o.rn, e.death, e.life, 0 AS by_id FROM ev_groups AS e JOIN names AS n ON e.name = n.name"
    " JOIN key_owners AS o ON n.py = o.py AND e.birth_date = o.birth_date AND e.gender = o.gender"
    ") AS h GROUP BY rn"
)
PER_PENSIONER = (
    "SELECT p.rn, p.person_id, h.death, h.life,"
    f" CASE WHEN h.by_id = 1 THEN '{MatchedBy.ID}' WHEN h.rn IS NOT NULL THEN '{MatchedBy.FUZZY}' END AS matched_by"
    " FROM p_norm AS p LEFT JOIN hits AS h ON p.rn = h.rn"
)

# How many evidence rows were read, and the first file holding an unusable one.
EVIDENCE_SUMMARY = "SELECT coalesce(sum(n), 0) AS rows_read, min(bad_file) AS bad_file FROM ev_groups"


def to_spark(sql: str) -> str:
    """DuckDB SQL as Spark SQL: the whole job is written once, in DuckDB's dialect."""
    return sqlglot.transpile(sql, read="duckdb", write="spark", unsupported_level=sqlglot.ErrorLevel.RAISE)[0]


@dataclass(frozen=True)
class Step:
    """A table the job materialises; ``stage`` is what progress reports while it runs."""

    name: str
    stage: str
    sql: str


def job(as_of: date) -> list[Step]:
    """The matching pipeline, in order. ``ev_groups`` is checked for bad rows before the rest runs."""
    return [
        Step("ev_groups", "normalise", evidence_groups(as_of)),
        Step("p_norm", "normalise", PENSIONERS_NORMALISED),
        Step("names", "normalise", NAMES),
        Step("id_owners", "match", ID_OWNERS),
        Step("key_owners", "match", KEY_OWNERS),
        Step("hits", "match", HITS),
        Step("per_pensioner", "match", PER_PENSIONER),
    ]


# The rules of domain.classify, in the same order; the property tests hold them together.
_REASON_WHEN: dict[Reason, str] = {
    Reason.CONFLICT: "death IS NOT NULL AND life > death",
    Reason.DIED: "death IS NOT NULL",
    Reason.NO_LIFE: "life IS NULL",
    Reason.STALE_LIFE: "life <= {window_start}",
    Reason.ALIVE: "TRUE",
}


def _template_sql(template: str) -> str:
    """A reason template from the domain as a SQL expression over ``death`` and ``life``."""
    parts = []
    for literal, field, _spec, _conversion in string.Formatter().parse(template):
        if literal:
            parts.append(quote(literal))
        if field is not None:
            if field not in ("death", "life"):
                raise ValueError(f"unknown field {field!r} in reason template {template!r}")
            parts.append(f"strftime({field}, '%Y-%m-%d')")
    return "concat(" + ", ".join(parts) + ")"


def decision_sql(per_pensioner: str, as_of: date) -> str:
    """Status and reason for every pensioner, with ``rn`` to restore input order (DuckDB only)."""
    code = "CASE " + " ".join(
        f"WHEN {when.format(window_start=date_literal(window_start(as_of)))} THEN '{code}'"
        for code, when in _REASON_WHEN.items()
    )
    status = "CASE reason_code " + " ".join(f"WHEN '{code}' THEN '{REASON_STATUS[code]}'" for code in Reason) + " END"
    text = "CASE reason_code " + " ".join(f"WHEN '{code}' THEN {_template_sql(REASON_TEXTS[code])}" for code in Reason)
    return (
        f"SELECT rn, person_id, {status} AS status, {text} END AS reason, life, death, matched_by"
        f" FROM (SELECT *, {code} END AS reason_code FROM {per_pensioner}) AS d"
    )
