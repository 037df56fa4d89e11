"""Writes the pack's sample registries (registries/*.csv): about 300 synthetic households in nine villages.

    .venv/bin/python packs/huzhou-assistance/generate.py [FOLDER]    # default: registries/ beside this file

Deterministic (a fixed seed): running it again writes the same files. Nobody in them is real.
Most households are ordinary; some carry what the discovery rules look for — heavy medical
bills, a disabled member on a low income, an elderly person living alone, registered
unemployment without income, a student in a poor household — and a few are already on the
assistance roll. 东林镇保卫村's 丁敏, whose story opens the article, is household 330502104201-001.
"""

from __future__ import annotations

import csv
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parents[1] / "src"))

from tongban.identity.domain import with_check_digit  # noqa: E402

SEED = 20250131
YEAR = 2025
# Village → households; 东迁村 and 沈庄漾村 (南浔区) are declared by nanxun-elderly-card.
VILLAGES = {
    "330502104201": 40,
    "330502104202": 34,
    "330502104203": 30,
    "330502103201": 36,
    "330502103202": 30,
    "330502101201": 34,
    "330502101202": 30,
    "330503002201": 34,
    "330503002202": 30,
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡沈钱施费姚潘邱丁汪"
GIVEN = "国建秀英明华军敏丽芳伟强静娟杰磊洋勇艳燕斌霞慧红梅林平云飞海波金根宝凤珍兰"
STAGES = ((6, 11, "小学"), (12, 14, "初中"), (15, 17, "高中"), (18, 22, "大学"))
ROLL = ("低保", "低边", "特困", "支出型困难")
DISABILITIES = ("肢体", "视力", "听力", "言语", "智力", "精神")


@dataclass
class Person:
    id_number: str
    name: str
    relation: str
    age: int
    income: float | None = None
    medical: tuple[float, float] | None = None
    disability: tuple[str, int] | None = None
    unemployed_on: str | None = None


@dataclass
class Household:
    id: str
    village: str
    people: list[Person] = field(default_factory=list)
    lives_alone: bool = False
    roll: str | None = None


class Maker:
    def __init__(self, seed: int) -> None:
        self.draw = random.Random(seed)
        self.serial = 0

    def person(self, village: str, surname: str, relation: str, age: int) -> Person:
        self.serial += 1
        born = f"{YEAR - age}{self.draw.randint(1, 12):02d}{self.draw.randint(1, 28):02d}"
        order = self.serial % 1000
        name = surname + "".join(self.draw.choice(GIVEN) for _ in range(self.draw.choice((1, 2))))
        return Person(with_check_digit(f"{village[:6]}{born}{order:03d}"), name, relation, age)

    def household(self, village: str, number: int) -> Household:
        draw, surname = self.draw, self.draw.choice(SURNAMES)
        home = Household(f"{village}-{number:03d}", village)
        shape = draw.random()
        if shape < 0.14:  # one elderly person on their own
            home.people.append(self.person(village, surname, "户主", draw.randint(66, 93)))
            home.lives_alone = draw.random() < 0.8
        elif shape < 0.18:  # a working-age adult on their own
            home.people.append(self.person(village, surname, "户主", draw.randint(25, 58)))
            if draw.random() < 0.5:
                home.people[0].unemployed_on = f"{YEAR - 1}-{draw.randint(1, 12):02d}-{draw.randint(1, 28):02d}"
        elif shape < 0.32:  # an elderly couple
            age = draw.randint(62, 88)
            home.people += [self.person(village, surname, "户主", age), self.spouse(village, age)]
        else:  # working-age parents, children, perhaps a grandparent
            age = draw.randint(30, 55)
            home.people += [self.person(village, surname, "户主", age), self.spouse(village, age)]
            for _ in range(draw.choice((0, 1, 1, 2))):
                home.people.append(self.person(village, surname, "子女", max(age - draw.randint(22, 32), 1)))
            if draw.random() < 0.25:
                home.people.append(self.person(village, surname, "父母", age + draw.randint(24, 30)))
        for person in home.people:
            self.circumstances(person)
        return home

    def spouse(self, village: str, age: int) -> Person:
        return self.person(village, self.draw.choice(SURNAMES), "配偶", age - self.draw.randint(0, 4))

    def circumstances(self, person: Person) -> None:
        """Income, illness, disability and unemployment, at rates a rural district might show."""
        draw = self.draw
        working = 18 <= person.age < 60
        if person.unemployed_on:
            pass
        elif working and draw.random() < 0.05:
            person.unemployed_on = f"{YEAR - 1}-{draw.randint(1, 12):02d}-{draw.randint(1, 28):02d}"
        elif working and draw.random() < 0.9:
            person.income = round(draw.lognormvariate(10.9, 0.45), -2)  # about 55,000 a year
        elif person.age >= 60:
            person.income = round(draw.choice((3_600.0, 4_800.0, 28_000.0, 42_000.0)) * draw.uniform(0.9, 1.1), -2)
        if draw.random() < 0.3:
            own = (
                round(draw.uniform(200, 5_000), -1) if draw.random() < 0.93 else round(draw.uniform(15_000, 80_000), -2)
            )
            person.medical = (round(own / draw.uniform(0.3, 0.9), -1), own)
        if draw.random() < 0.05:
            level = draw.randint(1, 4)
            person.disability = (draw.choice(DISABILITIES), level)


def article_household(maker: Maker) -> Household:
    """丁敏 of 保卫村: a sudden grave illness treated in Shanghai, 40,000-odd yuan, a household of modest means."""
    village = "330502104201"
    home = Household(f"{village}-001", village)
    head = maker.person(village, "丁", "户主", 52)
    head.name, head.income, head.medical = "丁敏", 26_000.0, (45_300.0, 42_600.0)
    wife = maker.person(village, "沈", "配偶", 50)
    wife.name, wife.income = "沈月芳", 12_000.0
    home.people = [head, wife]
    return home


def households(seed: int = SEED) -> list[Household]:
    maker = Maker(seed)
    made: list[Household] = []
    for village, count in VILLAGES.items():
        first = 1
        if village == "330502104201":
            made.append(article_household(maker))
            first = 2
        made += [maker.household(village, number) for number in range(first, count + 1)]
    for home in made[1:]:
        if maker.draw.random() < 0.06:
            home.roll = maker.draw.choice(ROLL)
    return made


def write(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["id_number", *header])
        writer.writerows(rows)


def main(out: Path = ROOT / "registries") -> None:
    made = households()
    people = [(home, person) for home in made for person in home.people]
    out.mkdir(parents=True, exist_ok=True)
    write(
        out / "household.csv",
        ["name", "household_id", "village_code", "relation", "age", "lives_alone"],
        [[p.id_number, p.name, h.id, h.village, p.relation, p.age, str(h.lives_alone).lower()] for h, p in people],
    )
    write(out / "income.csv", ["annual_income"], [[p.id_number, p.income] for _, p in people if p.income])
    medical = [[p.id_number, *p.medical] for _, p in people if p.medical]
    write(out / "medical.csv", ["total_cost", "out_of_pocket"], medical)
    disabled = [[p.id_number, *p.disability, str(p.disability[1] <= 2).lower()] for _, p in people if p.disability]
    write(out / "disability.csv", ["kind", "level", "severe"], disabled)
    write(
        out / "unemployment.csv",
        ["registered_on"],
        [[p.id_number, p.unemployed_on] for _, p in people if p.unemployed_on],
    )
    students = [[p.id_number, stage] for _, p in people for low, high, stage in STAGES if low <= p.age <= high]
    write(out / "students.csv", ["stage"], students)
    since = f"{YEAR - 1}-03-01"
    write(out / "roll.csv", ["category", "since"], [[p.id_number, h.roll, since] for h, p in people if h.roll])
    print(f"{len(made)} households, {len(people)} people → {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "registries")
