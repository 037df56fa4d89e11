"""Names and places for the test-data generator: surnames, given names, homophones, counties.

Characters are kept as indices into small tables so that millions of names can be drawn,
compared and changed with NumPy; text is made only when a chunk is written. Each
character's toneless reading (pypinyin's default) is looked up once per table, so the
"same pinyin" test of the certification contract becomes an integer comparison.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
from pypinyin import lazy_pinyin

Array = npt.NDArray[Any]

# Share of surnames in the population (percent, roughly the 2020 census order), plus the
# surnames common around Jinhua (楼, 傅, 骆, 虞, 应, 俞, 斯 are frequent in 浦江 and 义乌).
# Surnames read two ways in a name (曾, 单, 解, 查, 朴, 乐, 区, 仇, 盖, 覃) are left out so
# that a name has one toneless reading whatever characters follow it.
SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 7.12), ("李", 7.00), ("张", 6.74), ("刘", 5.10), ("陈", 4.61), ("杨", 3.22), ("黄", 2.45),
    ("赵", 2.00), ("吴", 1.95), ("周", 1.87), ("徐", 1.45), ("孙", 1.38), ("马", 1.29), ("朱", 1.28),
    ("胡", 1.16), ("郭", 1.13), ("何", 1.06), ("林", 1.02), ("罗", 0.87), ("高", 0.85), ("郑", 0.78),
    ("梁", 0.75), ("谢", 0.74), ("宋", 0.66), ("唐", 0.64), ("许", 0.60), ("韩", 0.58), ("冯", 0.58),
    ("邓", 0.56), ("曹", 0.55), ("彭", 0.52), ("肖", 0.51), ("田", 0.48), ("董", 0.47), ("袁", 0.44),
    ("潘", 0.43), ("于", 0.43), ("蒋", 0.42), ("蔡", 0.41), ("余", 0.40), ("杜", 0.38), ("叶", 0.37),
    ("程", 0.36), ("苏", 0.35), ("魏", 0.34), ("吕", 0.33), ("丁", 0.32), ("任", 0.31), ("沈", 0.30),
    ("姚", 0.29), ("卢", 0.28), ("姜", 0.27), ("崔", 0.26), ("钟", 0.25), ("谭", 0.24), ("陆", 0.24),
    ("汪", 0.23), ("范", 0.22), ("金", 0.22), ("石", 0.21), ("廖", 0.21), ("贾", 0.20), ("夏", 0.19),
    ("韦", 0.19), ("付", 0.18), ("方", 0.18), ("白", 0.17), ("邹", 0.17), ("孟", 0.16), ("熊", 0.16),
    ("秦", 0.15), ("邱", 0.15), ("江", 0.15), ("尹", 0.14), ("薛", 0.14), ("闫", 0.13), ("段", 0.13),
    ("雷", 0.13), ("侯", 0.12), ("龙", 0.12), ("史", 0.12), ("陶", 0.11), ("黎", 0.11), ("贺", 0.11),
    ("顾", 0.10), ("毛", 0.10), ("郝", 0.10), ("龚", 0.10), ("邵", 0.10), ("万", 0.09), ("钱", 0.09),
    ("严", 0.09), ("武", 0.09), ("戴", 0.08), ("莫", 0.08), ("孔", 0.08), ("汤", 0.08), ("楼", 0.30),
    ("傅", 0.20), ("骆", 0.10), ("虞", 0.08), ("应", 0.08), ("俞", 0.10), ("斯", 0.05), ("章", 0.12),
    ("翁", 0.06), ("施", 0.08), ("洪", 0.08),
)  # fmt: skip

# Given-name characters of people born 1930–1965, most frequent first (the weight of the
# k-th is 1/(k+3)). A given name has one character in a quarter of cases, else two.
MALE_GIVEN = (
    "建国明华伟军平林荣金根海福德春生龙祥宝忠东志新永兴庆发成贵斌松良水财富炳法昌民清强勇刚辉峰文杰涛洪仁义云元孝和顺正"
)
FEMALE_GIVEN = (
    "秀英兰珍凤玉华桂芳梅红萍美琴娟霞丽敏静艳云香花菊莲素月彩琳淑娥翠仙雪慧娣爱燕芬莉琼春金宝招"
    "佩丹巧银秋冬玲珠晓群娇妙荷雅杏蓉"
)
SINGLE_GIVEN_SHARE = 0.25

# Characters a clerk may type for another with the same toneless reading (同音字). Every
# pair is checked with pypinyin when the tables are built.
HOMOPHONES: dict[str, str] = {
    # surnames
    "张": "章", "章": "张", "王": "汪", "汪": "王", "徐": "许", "许": "徐", "吴": "伍武", "武": "吴",
    "李": "黎", "黎": "李", "刘": "柳", "何": "贺", "贺": "何", "蒋": "姜江", "姜": "蒋江", "江": "姜蒋",
    "楼": "娄", "俞": "余虞", "余": "俞虞", "虞": "俞余", "傅": "付", "付": "傅", "罗": "骆", "骆": "罗",
    # given names
    "伟": "卫维玮", "芳": "方", "敏": "民", "静": "敬婧", "丽": "莉力", "军": "君", "勇": "永", "永": "勇",
    "艳": "燕", "燕": "艳", "杰": "洁", "娟": "鹃", "涛": "韬", "明": "鸣铭", "秀": "绣", "霞": "侠",
    "平": "萍", "萍": "平", "刚": "钢", "桂": "贵", "贵": "桂", "英": "瑛", "华": "桦", "玉": "钰",
    "兰": "岚", "红": "宏鸿", "洪": "宏鸿", "建": "剑", "国": "帼", "文": "雯", "辉": "晖", "林": "琳",
    "琳": "林", "峰": "锋", "金": "今", "凤": "奉", "珍": "贞", "福": "富", "富": "福", "荣": "蓉",
    "春": "椿", "梅": "玫", "云": "芸", "生": "升", "龙": "隆", "祥": "翔", "宝": "保", "忠": "中",
    "东": "冬", "志": "智", "新": "欣", "发": "法", "法": "发", "成": "诚", "斌": "彬", "松": "嵩",
    "良": "梁", "清": "青", "琴": "勤", "莲": "连", "月": "悦", "彩": "采", "淑": "舒", "翠": "萃",
    "香": "湘", "仙": "先", "慧": "惠", "爱": "艾", "芬": "分", "琼": "穷", "菊": "局", "水": "税",
}  # fmt: skip


@dataclass(frozen=True)
class Region:
    """A county: the code printed in ID numbers issued there and its code on today's roll."""

    id_code: str
    roll_code: str
    name: str
    weight: float


# Real county codes around the 浦江 seed (金华) and in 杭州, 温州, 绍兴, 无锡, 苏州, 南京. The
# three old 无锡 districts were merged into 梁溪区 (320213) in 2015: ID numbers issued
# before keep their old code while the roll shows today's one.
REGIONS: tuple[Region, ...] = (
    Region("330726", "330726", "浦江县", 0.22), Region("330782", "330782", "义乌市", 0.12),
    Region("330783", "330783", "东阳市", 0.07), Region("330784", "330784", "永康市", 0.06),
    Region("330781", "330781", "兰溪市", 0.05), Region("330702", "330702", "婺城区", 0.05),
    Region("330703", "330703", "金东区", 0.04), Region("330723", "330723", "武义县", 0.03),
    Region("330727", "330727", "磐安县", 0.02), Region("330106", "330106", "西湖区", 0.04),
    Region("330102", "330102", "上城区", 0.03), Region("330302", "330302", "鹿城区", 0.03),
    Region("330602", "330602", "越城区", 0.02), Region("320202", "320213", "崇安区", 0.03),
    Region("320203", "320213", "南长区", 0.03), Region("320204", "320213", "北塘区", 0.02),
    Region("320211", "320211", "滨湖区", 0.04), Region("320205", "320205", "锡山区", 0.03),
    Region("320206", "320206", "惠山区", 0.02), Region("320281", "320281", "江阴市", 0.04),
    Region("320282", "320282", "宜兴市", 0.03), Region("320506", "320506", "吴中区", 0.02),
    Region("320102", "320102", "玄武区", 0.02),
)  # fmt: skip


@dataclass(frozen=True)
class NameTables:
    """Character tables as arrays. Given-name index 0 is the empty string ("no second character")."""

    surnames: pa.Array
    given: pa.Array
    surname_p: Array
    male_p: Array
    female_p: Array
    surname_syllable: Array
    given_syllable: Array
    surname_alt: Array
    given_alt: Array
    region_p: Array
    region_id_digits: Array
    region_roll_codes: pa.Array


def _reading(char: str) -> str:
    return lazy_pinyin(char)[0]


def _alternatives(chars: list[str], index: dict[str, int]) -> Array:
    """Row k lists the table indices of character k's homophones, padded with -1."""
    width = max(len(alts) for alts in HOMOPHONES.values())
    alt = np.full((len(chars), width), -1, dtype=np.int32)
    for k, char in enumerate(chars):
        found = [index[other] for other in HOMOPHONES.get(char, "") if other in index]
        for other in HOMOPHONES.get(char, ""):
            if _reading(other) != _reading(char):
                raise ValueError(f"homophone table: {char} and {other} read differently")
        alt[k, : len(found)] = found
    return alt


def _weights(chars: list[str], ranked: str) -> Array:
    order = {char: rank for rank, char in enumerate(dict.fromkeys(ranked))}
    weights = np.array([1.0 / (order[c] + 3) if c in order else 0.0 for c in chars])
    return weights / weights.sum()


@cache
def name_tables() -> NameTables:
    surname_chars = [s for s, _ in SURNAMES]
    surname_chars += [alt for s in surname_chars for alt in HOMOPHONES.get(s, "") if alt not in surname_chars]
    surname_chars = list(dict.fromkeys(surname_chars))
    base = dict(SURNAMES)
    surname_p = np.array([base.get(s, 0.0) for s in surname_chars])
    given_chars = ["", *dict.fromkeys(MALE_GIVEN + FEMALE_GIVEN)]
    given_chars += [alt for g in given_chars[1:] for alt in HOMOPHONES.get(g, "")]
    given_chars = list(dict.fromkeys(given_chars))
    syllables: dict[str, int] = {}
    surname_syllable = np.array([syllables.setdefault(_reading(s), len(syllables) + 1) for s in surname_chars])
    given_syllable = np.array([0] + [syllables.setdefault(_reading(g), len(syllables) + 1) for g in given_chars[1:]])
    region_p = np.array([r.weight for r in REGIONS])
    return NameTables(
        surnames=pa.array(surname_chars, pa.string()),
        given=pa.array(given_chars, pa.string()),
        surname_p=surname_p / surname_p.sum(),
        male_p=_weights(given_chars, MALE_GIVEN),
        female_p=_weights(given_chars, FEMALE_GIVEN),
        surname_syllable=surname_syllable.astype(np.int64),
        given_syllable=given_syllable.astype(np.int64),
        surname_alt=_alternatives(surname_chars, {c: k for k, c in enumerate(surname_chars)}),
        given_alt=_alternatives(given_chars, {c: k for k, c in enumerate(given_chars) if c}),
        region_p=region_p / region_p.sum(),
        region_id_digits=np.array([[int(d) for d in r.id_code] for r in REGIONS], dtype=np.uint8),
        region_roll_codes=pa.array([r.roll_code for r in REGIONS], pa.string()),
    )


def draw_names(rng: np.random.Generator, male: Array, tables: NameTables) -> tuple[Array, Array, Array]:
    """Surname, first and second given-name character indices (second is 0 for one-character names)."""
    n = len(male)
    surname = rng.choice(len(tables.surname_p), size=n, p=tables.surname_p).astype(np.int16)
    g1 = np.empty(n, dtype=np.int16)
    g2 = np.empty(n, dtype=np.int16)
    for mask, p in ((male, tables.male_p), (~male, tables.female_p)):
        k = int(mask.sum())
        g1[mask] = rng.choice(len(p), size=k, p=p)
        g2[mask] = rng.choice(len(p), size=k, p=p)
    # Doubled characters (国国) are rare in names of this generation: those become one-character names.
    g2[(rng.random(n) < SINGLE_GIVEN_SHARE) | (g2 == g1)] = 0
    return surname, g1, g2


def pinyin_keys(surname: Array, g1: Array, g2: Array, tables: NameTables) -> Array:
    """One integer per name, equal for two names exactly when their toneless pinyin is equal.

    Syllable ids stay below 1024, so three of them fit in 30 bits.
    """
    return (
        (tables.surname_syllable[surname] << 20)
        | (tables.given_syllable[g1] << 10)
        | tables.given_syllable[np.asarray(g2, dtype=np.int64)]
    )


def swap_homophone(
    rng: np.random.Generator, chars: tuple[Array, Array, Array], tables: NameTables
) -> tuple[tuple[Array, Array, Array], Array]:
    """Replace one character of each name by a homophone; returns the new names and which changed.

    The character is picked at random among those that have a homophone; a name with none
    is left as it is.
    """
    surname, g1, g2 = (c.copy() for c in chars)
    alts = (tables.surname_alt[surname], tables.given_alt[g1], tables.given_alt[g2])
    counts = np.stack([(a >= 0).sum(axis=1) for a in alts], axis=1)
    counts[:, 2] *= g2 > 0
    position = np.argmax(rng.random(counts.shape) * (counts > 0), axis=1)
    changed = counts[np.arange(len(surname)), position] > 0
    pick = (rng.random(len(surname)) * counts[np.arange(len(surname)), position]).astype(np.int64)
    for k, (column, alt) in enumerate(zip((surname, g1, g2), alts, strict=True)):
        rows = changed & (position == k)
        column[rows] = alt[rows, pick[rows]]
    return (surname, g1, g2), changed


def name_strings(surname: Array, g1: Array, g2: Array, tables: NameTables) -> pa.Array:
    return pc.binary_join_element_wise(
        pc.take(tables.surnames, surname), pc.take(tables.given, g1), pc.take(tables.given, g2), ""
    )
