"""Benchmark: department suggestions (诉求分派建议) per second, on the rule path and on the model path.

    .venv/bin/python benchmarks/request_routing.py [--texts 5000] [--examples 40] [--seed 1]

Generates request texts as residents write them (a greeting, a place, the problem, a plea)
for six departments: half name a rule's keyword, half describe the problem in other words
and must fall through to the classifier. The classifier is trained on generated examples
of the same kind, one department label each. It then times, one text at a time as a
submission does:

- rule path: `tongban.requests.routing.suggest` on the texts a rule catches, against the
  baseline of a plain substring scan of the same texts for every keyword;
- model path: `suggest` on the texts no rule catches (segmentation, TF-IDF, logistic
  regression), against the baseline of jieba's bare segmentation of the same texts.

Both baselines run in the same process on the same texts, so the ratios hold when the
machine's speed does not.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import jieba

from tongban.requests.routing import Example, Rule, match_rule, suggest, train

# department → (its rule's keywords, problems told without any of them)
VOCABULARY: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "cg": (
        ("占道经营", "路灯", "井盖", "违章建筑"),
        ("有人摆摊卖水果把路堵了", "街边烧烤油烟呛人", "广告牌歪了随时会掉下来", "人行道上堆满了建筑垃圾"),
    ),
    "zj": (
        ("电梯", "物业费", "维修基金"),
        ("楼上卫生间漏水渗到我家", "外墙瓷砖脱落", "开发商迟迟不交房", "老小区改造拖了半年"),
    ),
    "sj": (
        ("过期食品", "缺斤短两", "虚假宣传"),
        ("网上买的手机是假货商家不退款", "饭店后厨很脏吃完拉肚子", "培训机构收了钱就跑路了", "药店结账比标价贵"),
    ),
    "hb": (
        ("废水", "黑烟", "粉尘"),
        ("河里漂满死鱼味道很大", "工地半夜施工吵得睡不着", "养殖场粪便直接排进河里", "工厂焚烧垃圾气味刺鼻"),
    ),
    "rs": (
        ("拖欠工资", "社保", "劳动合同"),
        ("老板三个月没发钱了", "公司辞退我不给补偿", "加班费一直不算", "试用期被无故开除"),
    ),
    "jt": (
        ("公交", "出租车"),
        ("车站的站牌被撞坏了", "网约车司机绕路多收钱", "马路上的坑很深容易翻车", "红绿灯时间太短老人过不去"),
    ),
}
GREETINGS = ("", "您好，", "我是附近居民，", "反映一个问题，", "上周开始")
PLACES = ("我家小区门口", "幸福路和人民路交叉口", "东门菜市场旁边", "村口", "学校附近", "工业园区里")
PLEAS = ("", "，希望尽快处理。", "，请相关部门管一管。", "，已经反映过好几次了！", "，谢谢。")
TYPE = "complaint"


@dataclass(frozen=True)
class Timing:
    name: str
    texts: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.texts / self.seconds

    @property
    def microseconds(self) -> float:
        return self.seconds / self.texts * 1e6


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=int, default=5000, help="texts per path")
    parser.add_argument("--examples", type=int, default=40, help="training examples per department")
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args(argv)


def text(rng: random.Random, problem: str) -> str:
    return f"{rng.choice(GREETINGS)}{rng.choice(PLACES)}{problem}{rng.choice(PLEAS)}"


def caught(rng: random.Random) -> str:
    """A text naming one of a department's keywords."""
    keywords, _ = VOCABULARY[rng.choice(list(VOCABULARY))]
    return text(rng, f"的{rng.choice(keywords)}出了问题")


def uncaught(rng: random.Random, department: str) -> str:
    """A text telling a department's problem in words no rule holds."""
    _, problems = VOCABULARY[department]
    return text(rng, rng.choice(problems))


def rules() -> list[Rule]:
    return [Rule(department, keywords) for department, (keywords, _) in VOCABULARY.items()]


def timed(name: str, texts: Sequence[str], work: Callable[[str], object]) -> Timing:
    start = time.perf_counter()
    for item in texts:
        work(item)
    return Timing(name, len(texts), time.perf_counter() - start)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    rng = random.Random(args.seed)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    pack_rules = rules()
    keywords = [word for rule in pack_rules for word in rule.keywords]
    examples = [Example(uncaught(rng, code), code) for code in VOCABULARY for _ in range(args.examples)]
    start = time.perf_counter()
    model = train(examples)
    assert model is not None
    print(f"trained on {len(examples)} examples in {time.perf_counter() - start:.2f} s (first use loads jieba)")
    by_rule = [caught(rng) for _ in range(args.texts)]
    by_model = [uncaught(rng, rng.choice(list(VOCABULARY))) for _ in range(args.texts)]
    assert all(match_rule(item, TYPE, pack_rules) is None for item in by_model), "a model-path text hit a rule"

    timings = [
        timed("rule path", by_rule, lambda item: suggest(item, TYPE, pack_rules, model)),
        timed("substring scan", by_rule, lambda item: any(word in item for word in keywords)),
        timed("model path", by_model, lambda item: suggest(item, TYPE, pack_rules, model)),
        timed("jieba lcut", by_model, jieba.lcut),
    ]
    report(timings)
    silent = sum(suggest(item, TYPE, pack_rules, model) is None for item in by_model)
    print(f"model path: {silent} of {len(by_model)} texts below the confidence threshold (no suggestion)")


def report(timings: Sequence[Timing]) -> None:
    print(f"{'path':<16}{'texts':>8}{'seconds':>10}{'µs/text':>10}{'texts/s':>12}")
    for timing in timings:
        print(
            f"{timing.name:<16}{timing.texts:>8}{timing.seconds:>10.3f}"
            f"{timing.microseconds:>10.1f}{timing.per_second:>12,.0f}"
        )
    rule, scan, model, segment = timings
    print(
        f"rule path: {rule.per_second / scan.per_second:.2f}x the substring scan's texts/s; "
        f"model path: {model.per_second / segment.per_second:.2f}x jieba segmentation's texts/s"
    )


if __name__ == "__main__":
    main()
