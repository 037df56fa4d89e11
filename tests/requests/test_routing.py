"""Suggesting a department for a request: the pack's rules in order, then a classifier that may stay silent."""

from __future__ import annotations

import csv
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import yaml
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from tongban.auth.models import Department, Jurisdiction
from tongban.cli import app
from tongban.config import get_settings
from tongban.db import transaction, utcnow
from tongban.packs.models import LoadedPack
from tongban.requests import routing_store
from tongban.requests.models import RoutingExample, RoutingRule
from tongban.requests.routing import (
    Example,
    Rule,
    Source,
    TooFewExamples,
    _normal,
    evaluate,
    fit,
    match_rule,
    suggest,
    train,
)

REPO = Path(__file__).resolve().parents[2]
SEED_PACKS = ("huzhou-supervision", "anji-disputes", "wuxi-enterprise")
# This split gives 0.85-0.86 on the three packs; over 30 random splits their means are
# 0.79-0.85 (sd about 0.05), so 0.70 is some two sd under the weakest: editing examples will not
# cross it by chance, while falling back to jieba's words alone (means 0.69-0.76) would.
SEED_PACK_FLOOR = 0.7

# Four departments, eight complaints each, as residents write them.
TEXTS = {
    "cg": [  # 城管
        "小区门口有人占道经营摆摊，堵住了人行道",
        "路边烧烤摊油烟很大，晚上还占用人行道",
        "街上的路灯坏了好几天，晚上一片漆黑",
        "人行道上有人乱搭乱建，违章建筑一直没人拆",
        "马路边的垃圾桶满了很久没人清运",
        "商铺把广告牌挂到人行道上，挡住了行人",
        "流动摊贩在学校门口摆摊卖小吃",
        "路灯不亮，井盖也缺了一块，很危险",
    ],
    "zj": [  # 住建
        "小区电梯经常坏，物业不及时维修",
        "楼上卫生间漏水渗到我家天花板",
        "物业公司乱收停车费，服务很差",
        "新买的商品房交房延期，开发商不给说法",
        "老旧小区改造施工拖了半年还没完工",
        "小区外墙瓷砖脱落，担心砸到人",
        "物业不公开维修基金的使用情况",
        "房屋墙体开裂，怀疑是隔壁工地施工造成的",
    ],
    "sj": [  # 市场监管
        "超市卖过期食品，买回家才发现",
        "饭店后厨卫生很差，吃完拉肚子",
        "网上买的手机是假货，商家拒绝退款",
        "菜市场的秤缺斤短两",
        "药店价格标签和结账价格不一致",
        "培训机构收了预付费后跑路了",
        "奶茶店使用过期原料",
        "商家虚假宣传，产品没有效果",
    ],
    "hb": [  # 生态环境
        "工厂晚上偷偷排放废水，河水发黑发臭",
        "附近化工厂烟囱冒黑烟，气味刺鼻",
        "工地夜间施工噪音太大，影响休息",
        "河道里漂满垃圾和死鱼",
        "养殖场粪便直接排进河里",
        "企业焚烧废料，空气很差",
        "搅拌站粉尘污染严重",
        "厂区机器噪声扰民，半夜还在运转",
    ],
}
EXAMPLES = [Example(text, department) for department, texts in TEXTS.items() for text in texts]


def rule(department: str, *keywords: str, types: tuple[str, ...] = ()) -> Rule:
    return Rule(department, keywords, frozenset(types))


def test_the_first_declared_rule_that_holds_a_keyword_wins_and_names_it() -> None:
    rules = [rule("cg", "井盖", "路灯"), rule("zj", "路灯")]
    found = match_rule("路灯不亮了", "complaint", rules)
    assert found is not None
    assert (found.department, found.source, found.score, found.keyword) == ("cg", Source.rule, 1.0, "路灯")
    assert match_rule("小区停水了", "complaint", rules) is None


def test_a_rule_for_other_types_is_passed_over() -> None:
    rules = [rule("xf", "拖欠", types=("petition",)), rule("rs", "拖欠")]
    petition = match_rule("工地拖欠工资", "petition", rules)
    complaint = match_rule("工地拖欠工资", "complaint", rules)
    assert petition is not None and petition.department == "xf"
    assert complaint is not None and complaint.department == "rs"


def test_full_width_letters_and_case_do_not_hide_a_keyword() -> None:
    found = match_rule("图书馆的ＷｉＦｉ连不上", "consultation", [rule("wl", "wifi")])
    assert found is not None and found.keyword == "wifi"


def test_a_rule_wins_over_the_model() -> None:
    model = train(EXAMPLES)
    text = "超市卖过期食品"
    assert suggest(text, "complaint", [], model).department == "sj"  # type: ignore[union-attr]
    found = suggest(text, "complaint", [rule("cg", "超市")], model)
    assert found is not None and (found.department, found.source) == ("cg", Source.rule)


def test_the_model_suggests_the_department_of_similar_examples() -> None:
    model = train(EXAMPLES, threshold=0.0)
    assert model is not None
    for text, department in [
        ("家门口的排水沟有工厂废水流出，很臭", "hb"),
        ("买到的牛奶已经过期了", "sj"),
        ("物业把电梯停了也不修", "zj"),
        ("路灯晚上不亮", "cg"),
    ]:
        found = model.predict(text)
        assert found is not None and found.source is Source.model
        assert found.department == department, text
        assert 0.0 < found.score <= 1.0


def test_below_the_threshold_the_model_suggests_nothing_and_the_dispatcher_decides() -> None:
    text = "物业把电梯停了也不修"
    probability = train(EXAMPLES, threshold=0.0).predict(text).score  # type: ignore[union-attr]
    assert train(EXAMPLES, threshold=probability).predict(text) is not None  # type: ignore[union-attr]
    assert suggest(text, "complaint", [], train(EXAMPLES, threshold=min(1.0, probability + 0.01))) is None
    assert suggest(text, "complaint", [], None) is None


def test_examples_of_one_department_train_no_model() -> None:
    assert train([Example("路灯不亮", "cg"), Example("占道经营", "cg")]) is None


def test_training_twice_gives_the_same_suggestions() -> None:
    texts = ["路口的灯坏了", "隔壁装修噪音太大", "外卖里吃出了头发", "电梯困人"]
    first, second = train(EXAMPLES, threshold=0.0), train(EXAMPLES, threshold=0.0)
    assert first is not None and second is not None
    assert [first.best(text) for text in texts] == [second.best(text) for text in texts]


@pytest.mark.parametrize("departments", [["cg", "zj"], list(TEXTS)])
def test_the_model_scores_as_scikit_learn_does(departments: list[str]) -> None:
    examples = [example for example in EXAMPLES if example.department in departments]
    texts = ["路口的灯坏了", "隔壁装修噪音太大", "ＷＩＦＩ", "", "物业费太贵"]
    union, classifier = fit(examples)
    expected = classifier.predict_proba(union.transform([_normal(text) for text in texts]))
    model = train(examples)
    assert model is not None
    assert np.stack([model.probabilities(text) for text in texts]) == pytest.approx(expected, abs=1e-12)


def test_the_evaluation_holds_out_a_quarter_of_every_department_and_scores_each() -> None:
    result = evaluate(EXAMPLES)
    assert (result.examples, result.held_out) == (32, 8)
    assert [(score.department, score.held_out) for score in result.departments] == [
        ("cg", 2),
        ("hb", 2),
        ("sj", 2),
        ("zj", 2),
    ]
    recalled = sum(score.recall * score.held_out for score in result.departments)
    assert recalled == pytest.approx(result.accuracy * result.held_out)
    assert 0.0 <= result.suggested_accuracy <= 1.0
    assert evaluate(EXAMPLES) == result


def test_too_few_examples_are_refused_with_a_reason() -> None:
    with pytest.raises(TooFewExamples, match="at least 20"):
        evaluate(EXAMPLES[:10])
    lonely = [*EXAMPLES[:24], Example("无人机扰民", "ga")]
    with pytest.raises(TooFewExamples, match="department ga has 1 example"):
        evaluate(lonely)


def test_importing_costs_nothing_and_training_prints_nothing() -> None:
    script = (
        "import sys\n"
        "from tongban.requests import routing\n"
        "assert 'jieba' not in sys.modules and 'sklearn' not in sys.modules\n"
        "routing.train([routing.Example('路灯不亮', 'a'), routing.Example('过期食品', 'b')])\n"
        "assert 'jieba' in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def seed_pack_examples(code: str) -> list[Example]:
    """The pack's labelled examples read from disk, as ``requests.yaml`` names them."""
    folder = REPO / "packs" / code
    spec = yaml.safe_load((folder / "requests.yaml").read_text(encoding="utf-8"))
    with (folder / spec["routing"]["examples"]).open(encoding="utf-8-sig", newline="") as handle:
        return [Example(row["text"], row["department"]) for row in csv.DictReader(handle)]


@pytest.mark.skipif(
    not all((REPO / "packs" / code / "requests.yaml").exists() for code in SEED_PACKS),
    reason="the seed request packs are not in packs/ yet",
)
@pytest.mark.parametrize("code", SEED_PACKS)
def test_the_seed_packs_examples_route_well_held_out(code: str) -> None:
    examples = seed_pack_examples(code)
    assert len(examples) >= 100
    assert evaluate(examples).accuracy >= SEED_PACK_FLOOR


@pytest.fixture
def pack(db: sessionmaker[Session]) -> sessionmaker[Session]:
    """A loaded pack with one rule and the four departments' examples."""
    with transaction(db) as session:
        session.add(Jurisdiction(code="330500", name="湖州市", level="city"))
        session.flush()
        session.add_all(Department(code=code, name=code, jurisdiction_code="330500") for code in TEXTS)
        session.flush()
        session.add(RoutingRule(pack_code="hz", position=0, department_code="cg", type_codes=[], keywords=["井盖"]))
        session.add_all(RoutingExample(pack_code="hz", text=e.text, department_code=e.department) for e in EXAMPLES)
        session.add(LoadedPack(code="hz", name="湖州", version="1", checksum="one", loaded_at=utcnow()))
    return db


def test_the_store_keeps_a_packs_model_until_the_pack_is_reloaded(pack: sessionmaker[Session]) -> None:
    with pack() as session:
        first = routing_store.router_of(session, "hz")
        assert routing_store.router_of(session, "hz") is first
        assert routing_store.suggest(session, "hz", "complaint", "井盖丢了").department == "cg"  # type: ignore[union-attr]
    with transaction(pack) as session:
        session.execute(update(RoutingRule).values(department_code="zj"))
        session.execute(update(LoadedPack).values(checksum="two"))
    with pack() as session:
        assert routing_store.router_of(session, "hz") is not first
        assert routing_store.suggest(session, "hz", "complaint", "井盖丢了").department == "zj"  # type: ignore[union-attr]


runner = CliRunner()


@pytest.fixture
def cli_pack(pack: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("TONGBAN_DATABASE_URL", pack.kw["bind"].url.render_as_string(hide_password=False))
    monkeypatch.setenv("TONGBAN_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_the_routing_report_prints_accuracy_per_department(cli_pack: None) -> None:
    result = runner.invoke(app, ["requests", "routing-report", "--pack", "hz"])
    assert result.exit_code == 0, result.output
    assert "32" in result.stdout and "zj" in result.stdout


def test_the_routing_report_of_a_pack_without_examples_is_one_line_and_exit_1(cli_pack: None) -> None:
    result = runner.invoke(app, ["requests", "routing-report", "--pack", "nowhere"])
    assert result.exit_code == 1
    assert "at least 20" in result.stderr and len(result.stderr.strip().splitlines()) == 1
