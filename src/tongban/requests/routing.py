"""Which department should take a request (诉求分派建议): the pack's keyword rules, then a text classifier.

The dispatcher decides; this only suggests. A rule is the pack's explicit word and wins
whenever it applies. Otherwise a classifier trained on the pack's labelled examples offers
the department it finds most likely, and only when it is confident enough: a wrong
suggestion costs a send-back (退回), no suggestion costs the dispatcher a moment.

Pure: rules and examples come in as values and the caller keeps the trained model
(``routing_store`` does, per process and pack load). jieba and scikit-learn load on first
use, so importing this module costs nothing.
"""

from __future__ import annotations

import functools
import logging
import math
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np

from tongban.errors import BadInput

# Below this probability the model stays silent. Held out on the seed packs (30 splits each),
# 93-99.6% of the suggestions at or above it were right, for 46-66% of the texts; at 0.35 one
# pack fell under 90%, which is a send-back every tenth suggestion.
CONFIDENCE = 0.4
HELD_OUT = 0.25
SEED = 20250101
FEATURE_WEIGHTS = {"words": 0.5, "chars": 1.0}
# Fewer examples than this give an accuracy that says more about luck than about the model.
MIN_EXAMPLES = 20


class Source(StrEnum):
    rule = "rule"
    model = "model"


@dataclass(frozen=True)
class Rule:
    """Requests of these types (every type when none are named) whose text holds a keyword go to the department."""

    department: str
    keywords: tuple[str, ...]
    types: frozenset[str] = frozenset()

    def matched(self, normal_text: str, type_code: str) -> str | None:
        """The first of the rule's keywords the (normalised) text holds, if the rule applies to the type at all."""
        if self.types and type_code not in self.types:
            return None
        return next((word for word, normal in self._normal_keywords if normal in normal_text), None)

    @functools.cached_property
    def _normal_keywords(self) -> tuple[tuple[str, str], ...]:
        return tuple((word, _normal(word)) for word in self.keywords)


@dataclass(frozen=True)
class Example:
    """A labelled request text a pack ships (``text,department``)."""

    text: str
    department: str


@dataclass(frozen=True)
class Suggestion:
    department: str
    source: Source
    score: float
    keyword: str | None = None  # the rule's word the text held


class TooFewExamples(BadInput):
    pass


@dataclass(frozen=True)
class _Vocabulary:
    """One fitted TF-IDF vectorizer: how it cuts a text, its terms' columns and their idf weights."""

    analyze: Callable[[str], list[str]]
    columns: Mapping[str, int]
    idf: np.ndarray
    weight: float  # its share in the union
    offset: int  # where its columns start among all features

    def weights(self, text: str) -> tuple[list[int], np.ndarray]:
        """The text's TF-IDF columns and weights as the union gives them: 1 + log tf, L2-normed, times its weight."""
        counts = Counter(term for term in self.analyze(text) if term in self.columns)
        columns = [self.columns[term] for term in counts]
        weights = (1 + np.log(np.array(list(counts.values()), dtype=float))) * self.idf[columns]
        norm = np.linalg.norm(weights)
        return [self.offset + column for column in columns], weights * (self.weight / norm) if norm else weights


class Model:
    """A department classifier trained on one pack's examples; silent below its confidence threshold.

    It scores with the fitted weights directly: scikit-learn's per-call checks cost about ten
    times the arithmetic when, as on submission, texts come one at a time.
    """

    def __init__(self, vocabularies: Sequence[_Vocabulary], classifier: Any, threshold: float) -> None:
        self._vocabularies = tuple(vocabularies)
        self._coef = np.asarray(classifier.coef_)
        self._intercept = np.asarray(classifier.intercept_)
        self._classes = [str(code) for code in classifier.classes_]
        self.threshold = threshold

    def probabilities(self, text: str) -> np.ndarray:
        """The probability of each department, in the classifier's (sorted) order of departments."""
        normal = _normal(text)
        columns: list[int] = []
        weights: list[np.ndarray] = []
        for vocabulary in self._vocabularies:
            found, weighted = vocabulary.weights(normal)
            columns += found
            weights.append(weighted)
        scores = self._coef[:, columns] @ np.concatenate(weights) + self._intercept
        # Two departments have one score, the second's log-odds over the first.
        scores = np.array([0.0, scores[0]]) if len(scores) == 1 else scores
        exp = np.exp(scores - scores.max())
        return exp / exp.sum()

    def best(self, text: str) -> tuple[str, float]:
        """The most likely department and its probability."""
        probabilities = self.probabilities(text)
        index = int(probabilities.argmax())
        return self._classes[index], float(probabilities[index])

    def predict(self, text: str) -> Suggestion | None:
        department, probability = self.best(text)
        if probability < self.threshold:
            return None
        return Suggestion(department, Source.model, probability)


def match_rule(text: str, type_code: str, rules: Iterable[Rule]) -> Suggestion | None:
    """The first rule, in the pack's order, that applies to the type and whose keyword the text holds."""
    normal = _normal(text)
    for rule in rules:
        keyword = rule.matched(normal, type_code)
        if keyword is not None:
            return Suggestion(rule.department, Source.rule, 1.0, keyword)
    return None


def suggest(text: str, type_code: str, rules: Iterable[Rule], model: Model | None) -> Suggestion | None:
    """A rule's department, else the model's if confident, else None and the dispatcher decides."""
    return match_rule(text, type_code, rules) or (model.predict(text) if model else None)


def train(examples: Sequence[Example], threshold: float = CONFIDENCE) -> Model | None:
    """The pack's classifier; None when the examples name fewer than two departments, as there is no choice."""
    if len({example.department for example in examples}) < 2:
        return None
    union, classifier = fit(examples)
    vocabularies, offset = [], 0
    for name, vectorizer in union.transformer_list:
        weight = union.transformer_weights[name]
        analyze, columns = vectorizer.build_analyzer(), vectorizer.vocabulary_
        vocabularies.append(_Vocabulary(analyze, columns, vectorizer.idf_, weight, offset))
        offset += len(columns)
    return Model(vocabularies, classifier, threshold)


def fit(examples: Sequence[Example]) -> tuple[Any, Any]:
    """The fitted scikit-learn features (a union of TF-IDF vectorizers) and logistic regression."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion

    # Held out on the three seed packs (30 paired splits), single characters and pairs beat
    # jieba's words alone by 8 to 12 points: residents' short, colloquial texts split
    # differently from the examples (路灯不亮 / 灯不亮了), and a character pair still matches.
    # Words at full weight cost 2 points against characters alone; at half weight they tie.
    words = TfidfVectorizer(tokenizer=_words, token_pattern=None, lowercase=False, sublinear_tf=True)
    chars = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), lowercase=False, sublinear_tf=True)
    union = FeatureUnion([("words", words), ("chars", chars)], transformer_weights=FEATURE_WEIGHTS)
    features = union.fit_transform([_normal(example.text) for example in examples])
    # With a hundred-odd short texts the default penalty (C=1) underfits: C=10 scored up to
    # 6 points better on the first seed pack, C=100 no better still.
    classifier = LogisticRegression(C=10.0, max_iter=1000, random_state=SEED)
    classifier.fit(features, [example.department for example in examples])
    return union, classifier


@dataclass(frozen=True)
class DepartmentScore:
    department: str
    precision: float  # of the held-out texts the model gave this department, the share that were its
    recall: float  # of the held-out texts that were this department's, the share the model gave it
    held_out: int


@dataclass(frozen=True)
class Evaluation:
    """How the classifier does on examples it did not learn from."""

    examples: int
    held_out: int
    accuracy: float  # the most likely department, whatever its probability
    departments: tuple[DepartmentScore, ...]
    threshold: float
    suggested: float  # share of held-out texts confident enough to be suggested
    suggested_accuracy: float  # accuracy over those; what a dispatcher actually sees


def evaluate(
    examples: Sequence[Example], held_out: float = HELD_OUT, seed: int = SEED, threshold: float = CONFIDENCE
) -> Evaluation:
    """Trains on a stratified part of the examples and scores the rest; the same seed gives the same split."""
    _check_enough(examples, held_out)
    from sklearn.model_selection import train_test_split

    labels = [example.department for example in examples]
    learn, test = train_test_split(list(examples), test_size=held_out, random_state=seed, stratify=labels)
    model = train(learn, threshold)
    assert model is not None  # _check_enough saw at least two departments
    guesses = [model.best(example.text) for example in test]
    truth = [example.department for example in test]
    return _scored(len(examples), truth, guesses, threshold)


def _scored(total: int, truth: Sequence[str], guesses: Sequence[tuple[str, float]], threshold: float) -> Evaluation:
    predicted = [department for department, _ in guesses]
    right = [actual == guess for actual, guess in zip(truth, predicted, strict=True)]
    confident = [ok for ok, (_, probability) in zip(right, guesses, strict=True) if probability >= threshold]
    departments = tuple(_department_score(code, truth, predicted) for code in sorted(set(truth)))
    return Evaluation(
        examples=total,
        held_out=len(truth),
        accuracy=sum(right) / len(truth),
        departments=departments,
        threshold=threshold,
        suggested=len(confident) / len(truth),
        suggested_accuracy=sum(confident) / len(confident) if confident else 0.0,
    )


def _department_score(code: str, truth: Sequence[str], predicted: Sequence[str]) -> DepartmentScore:
    hits = sum(actual == guess == code for actual, guess in zip(truth, predicted, strict=True))
    given, actual = predicted.count(code), truth.count(code)
    return DepartmentScore(code, hits / given if given else 0.0, hits / actual, actual)


def _check_enough(examples: Sequence[Example], held_out: float) -> None:
    """A stratified split needs every department on both sides of it."""
    counts = Counter(example.department for example in examples)
    n, departments = len(examples), len(counts)
    if n < MIN_EXAMPLES:
        raise TooFewExamples(
            f"只有 {n} 条分派样例，至少需要 {MIN_EXAMPLES} 条",
            f"{n} routing examples; at least {MIN_EXAMPLES} are needed",
        )
    if departments < 2:
        raise TooFewExamples("样例至少要涉及两个部门", "the examples must name at least two departments")
    thin = sorted(code for code, count in counts.items() if count < 2)
    if thin:
        raise TooFewExamples(
            f"部门 {', '.join(thin)} 只有 1 条样例，每个部门至少需要 2 条",
            f"department {', '.join(thin)} has 1 example; each needs at least 2",
        )
    tested = math.ceil(n * held_out)
    if tested < departments or n - tested < departments:
        raise TooFewExamples(
            f"{n} 条样例不够在留出集和训练集中各覆盖 {departments} 个部门",
            f"{n} examples cannot cover all {departments} departments in both the held-out and the training part",
        )


def _normal(text: str) -> str:
    """Full-width letters and digits (phone keyboards) and case do not change what a text says."""
    return unicodedata.normalize("NFKC", text).casefold()


def _words(text: str) -> list[str]:
    """jieba's words, without the spaces and punctuation between them."""
    return [word for word in _segmenter()(text) if any(char.isalnum() for char in word)]


@functools.cache
def _segmenter() -> Callable[[str], list[str]]:
    """jieba, loaded once and quietly: its dictionary takes a second and announces itself on stderr."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba.lcut
