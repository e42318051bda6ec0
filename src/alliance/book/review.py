"""The ``{review-question}`` directive: self-check questions that work in the static book.

Why a directive with a YAML body: authors write a question as data (prompt, options, one
explanation per option, or a model answer), the build checks that data and fails with the file
and line of any mistake, and the page gets accessible HTML that ``review.js`` makes interactive
with no kernel. Without JavaScript the question still works: every explanation and the model
answer sit in a native ``<details>`` disclosure.

Body of a choice question::

    kind: choice
    prompt: "Which three components make up Bordin's working alliance?"
    options:
      - text: "Empathy, warmth and genuineness"
        correct: false
        explanation: "Those are Rogers' therapist conditions…"
      - text: "Agreement on goals, agreement on tasks, and the bond"
        correct: true
        explanation: "Yes — …"

Body of an open question::

    kind: open
    prompt: "How does empathy help build the alliance?"
    model_answer: |
      A model answer, revealed on demand…

Exactly one option of a choice question is correct (the learner picks one with radio buttons).
Prompts, option texts, explanations and model answers are MyST Markdown, so they may cite.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective, SphinxTranslator

logger = logging.getLogger(__name__)
INDEX = "alliance_review_questions"  # qid -> where it is and what it asks

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
KINDS = ("choice", "open")
MIN_OPTIONS, MAX_OPTIONS = 2, 6
TOP_KEYS = {"choice": {"kind", "prompt", "options"}, "open": {"kind", "prompt", "model_answer"}}
OPTION_KEYS = {"text", "correct", "explanation"}


# --------------------------------------------------------------------------------------------
# The data and its validation (pure Python: unit-testable without Sphinx)
# --------------------------------------------------------------------------------------------


@dataclass
class Problem:
    """One thing wrong with a question body; ``line`` is 0-based within the body."""

    line: int
    message: str


class ReviewQuestionError(ValueError):
    """A question body is invalid; ``problems`` lists every problem found, each with its line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"line {p.line + 1}: {p.message}" for p in problems))


@dataclass
class Option:
    text: str
    correct: bool
    explanation: str
    line: int = 0


@dataclass
class ReviewQuestion:
    kind: str
    prompt: str
    options: list[Option] = field(default_factory=list)
    model_answer: str = ""
    line: int = 0


def _scalar(node: yaml.Node | None) -> Any:
    """The Python value of a YAML scalar node (None for anything else)."""
    if not isinstance(node, yaml.ScalarNode):
        return None
    return _construct(node)


def _construct(node: yaml.ScalarNode) -> Any:
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()


def _mapping(node: yaml.MappingNode) -> tuple[dict[str, yaml.Node], dict[str, int]]:
    """Keys to value nodes, and keys to their 0-based lines."""
    values: dict[str, yaml.Node] = {}
    lines: dict[str, int] = {}
    for key, value in node.value:
        name = str(key.value)
        values[name] = value
        lines[name] = key.start_mark.line
    return values, lines


def _text(
    values: dict[str, yaml.Node],
    lines: dict[str, int],
    key: str,
    where: str,
    at: int,
    problems: list[Problem],
) -> str:
    """A required non-empty string field, recording a problem if it is missing or not text."""
    if key not in values:
        problems.append(Problem(at, f"{where} has no '{key}'"))
        return ""
    node = values[key]
    value = _scalar(node)
    if not isinstance(value, str) or not value.strip():
        problems.append(Problem(lines[key], f"{where}: '{key}' must be non-empty text"))
        return ""
    return value


def parse_review_body(text: str) -> ReviewQuestion:
    """Parse and validate a directive body; raise :class:`ReviewQuestionError` with every problem.

    Why collect every problem rather than stop at the first: an author fixing a question should
    see all of its mistakes in one build, each with its line.
    """
    problems: list[Problem] = []
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line if mark is not None else 0
        reason = getattr(exc, "problem", None) or str(exc)
        raise ReviewQuestionError(
            [Problem(line, f"the body is not valid YAML: {reason}")]
        ) from None
    if not isinstance(root, yaml.MappingNode):
        raise ReviewQuestionError(
            [Problem(0, "the body must be a YAML mapping with 'kind' and 'prompt'")]
        )
    values, lines = _mapping(root)
    kind = _scalar(values.get("kind"))
    if "kind" not in values:
        problems.append(Problem(0, f"'kind' is missing (one of: {', '.join(KINDS)})"))
        raise ReviewQuestionError(problems)
    if kind not in KINDS:
        problems.append(
            Problem(lines["kind"], f"unknown kind {kind!r} (expected one of: {', '.join(KINDS)})")
        )
        raise ReviewQuestionError(problems)
    for key in values:
        if key not in TOP_KEYS[kind]:
            allowed = ", ".join(sorted(TOP_KEYS[kind]))
            problems.append(
                Problem(
                    lines[key], f"unknown key '{key}' for a {kind} question (allowed: {allowed})"
                )
            )
    prompt = _text(values, lines, "prompt", "the question", 0, problems)
    question = ReviewQuestion(kind=kind, prompt=prompt)

    if kind == "open":
        question.model_answer = _text(
            values, lines, "model_answer", "an open question", 0, problems
        )
    else:
        question.options = _parse_options(values, lines, problems)
    if problems:
        raise ReviewQuestionError(sorted(problems, key=lambda p: p.line))
    return question


def _parse_options(
    values: dict[str, yaml.Node], lines: dict[str, int], problems: list[Problem]
) -> list[Option]:
    if "options" not in values:
        problems.append(Problem(0, "a choice question has no 'options'"))
        return []
    seq = values["options"]
    if not isinstance(seq, yaml.SequenceNode):
        problems.append(Problem(lines["options"], "'options' must be a list of options"))
        return []
    if not MIN_OPTIONS <= len(seq.value) <= MAX_OPTIONS:
        problems.append(
            Problem(
                lines["options"],
                f"a choice question needs {MIN_OPTIONS}–{MAX_OPTIONS} options, "
                f"found {len(seq.value)}",
            )
        )
    options: list[Option] = []
    for number, item in enumerate(seq.value, start=1):
        where = f"option {number}"
        at = item.start_mark.line
        if not isinstance(item, yaml.MappingNode):
            problems.append(
                Problem(at, f"{where} must be a mapping with text, correct, explanation")
            )
            continue
        ovalues, olines = _mapping(item)
        for key in ovalues:
            if key not in OPTION_KEYS:
                allowed = ", ".join(sorted(OPTION_KEYS))
                problems.append(Problem(olines[key], f"{where}: unknown key '{key}' ({allowed})"))
        text = _text(ovalues, olines, "text", where, at, problems)
        explanation = _text(ovalues, olines, "explanation", where, at, problems)
        correct = _scalar(ovalues.get("correct"))
        if "correct" not in ovalues:
            problems.append(Problem(at, f"{where} has no 'correct' (true or false)"))
        elif not isinstance(correct, bool):
            problems.append(Problem(olines["correct"], f"{where}: 'correct' must be true or false"))
        options.append(Option(text, correct is True, explanation, at))
    correct_count = sum(option.correct for option in options)
    if seq.value and correct_count == 0:
        problems.append(Problem(lines["options"], "no option is marked 'correct: true'"))
    elif correct_count > 1:
        problems.append(
            Problem(
                lines["options"],
                f"{correct_count} options are marked correct; exactly one must be "
                "(the learner picks one answer)",
            )
        )
    seen: dict[str, int] = {}
    for number, option in enumerate(options, start=1):
        key = option.text.strip().casefold()
        if key and key in seen:
            problems.append(
                Problem(option.line, f"option {number} repeats the text of option {seen[key]}")
            )
        seen.setdefault(key, number)
    return options


# --------------------------------------------------------------------------------------------
# Docutils nodes
# --------------------------------------------------------------------------------------------


class review_question(nodes.General, nodes.Element):  # noqa: N801 - docutils naming
    """The whole question: attributes ``qid`` and ``kind``."""


class rq_prompt(nodes.General, nodes.TextElement):  # noqa: N801
    """The prompt: a ``<legend>`` for choice questions, a paragraph for open ones."""


class rq_choices(nodes.General, nodes.Element):  # noqa: N801
    """The fieldset of options, followed by the check button and the live feedback region."""


class rq_option(nodes.General, nodes.TextElement):  # noqa: N801
    """One radio option: attributes ``index``."""


class rq_answers(nodes.General, nodes.Element):  # noqa: N801
    """A disclosure with every option's verdict and explanation (works with no JavaScript)."""


class rq_answer(nodes.General, nodes.Element):  # noqa: N801
    """One option's verdict and explanation: attributes ``index``, ``correct``."""


class rq_open(nodes.General, nodes.Element):  # noqa: N801
    """The notes textarea and the model-answer disclosure of an open question."""


# --------------------------------------------------------------------------------------------
# The directive
# --------------------------------------------------------------------------------------------


def _check_id(argument: str | None) -> str:
    value = directives.unchanged_required(argument).strip()
    if not ID_PATTERN.match(value):
        raise ValueError(f"{value!r} is not a kebab-case id (like ch1-bordin-components)")
    return value


class ReviewQuestionDirective(SphinxDirective):
    """``{review-question}`` with a required ``:id:`` option and a YAML body."""

    has_content = True
    required_arguments = 0
    optional_arguments = 0
    option_spec = {"id": _check_id}

    def _warn(self, message: str, line: int | None = None) -> list[nodes.Node]:
        logger.warning(
            "review-question: %s",
            message,
            location=(self.env.docname, line if line is not None else self.lineno),
            type="alliance",
            subtype="review_question",
        )
        return []

    def run(self) -> list[nodes.Node]:
        qid = self.options.get("id")
        label = f"'{qid}'" if qid else "(no :id:)"
        if not qid:
            return self._warn("the question has no :id: option (a unique kebab-case id)")
        if not self.content:
            return self._warn(f"question {label} has an empty body")
        body_first_line = self._body_first_line()
        try:
            question = parse_review_body("\n".join(self.content))
        except ReviewQuestionError as error:
            for problem in error.problems:
                self._warn(f"question {label}: {problem.message}", body_first_line + problem.line)
            return []

        known = review_index(self.env).get(qid)
        if known and (known["docname"], known["line"]) != (self.env.docname, self.lineno):
            return self._warn(
                f"duplicate id {label}: also used in {known['docname']} line {known['line']}"
            )
        built = self._build(qid, question)
        _note_question(self.env, qid, question.kind, built, self.lineno)
        return [built]

    def _body_first_line(self) -> int:
        """The 1-based document line of the body's first line.

        Why two cases: in reStructuredText ``content_offset`` is the absolute 0-based line before
        the body, while MyST gives the body's offset relative to the directive's own line.
        """
        if type(self.state).__module__.startswith("myst_parser"):
            return self.lineno + self.content_offset + 1
        return self.content_offset + 1

    def _inline(self, text: str, line: int) -> list[nodes.Node]:
        parsed, messages = self.parse_inline(text.strip(), lineno=line)
        return [*parsed, *messages]

    def _block(self, text: str, line: int) -> list[nodes.Node]:
        return self.parse_text_to_nodes(text, offset=line)

    def _build(self, qid: str, question: ReviewQuestion) -> nodes.Node:
        base = self._body_first_line()
        root = review_question(qid=qid, kind=question.kind)
        root["ids"] = [f"rq-{qid}"]
        self.set_source_info(root)
        prompt = rq_prompt("", *self._inline(question.prompt, self.lineno))
        if question.kind == "choice":
            choices = rq_choices()
            choices += prompt
            answers = rq_answers()
            for index, option in enumerate(question.options):
                text_nodes = self._inline(option.text, base + option.line)
                choices += rq_option("", *text_nodes, index=index)
                answer = rq_answer(index=index, correct=option.correct)
                answer += nodes.paragraph(
                    "",
                    "",
                    *[copy.deepcopy(n) for n in text_nodes],
                    classes=["alliance-rq-answer-text"],
                )
                explanation = nodes.container(classes=["alliance-rq-explanation"])
                explanation += self._block(option.explanation, base + option.line)
                answer += explanation
                answers += answer
            root += choices
            root += answers
        else:
            root += prompt
            model = rq_open()
            model += self._block(question.model_answer, base)
            root += model
        return root


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------


def _attr(value: str) -> str:
    return (
        value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    )


def _question(node: nodes.Element) -> nodes.Element:
    parent = node.parent
    while parent is not None and not isinstance(parent, review_question):
        parent = parent.parent
    assert parent is not None, "review-question parts must sit inside a review_question node"
    return parent


def visit_review_question(self: SphinxTranslator, node: review_question) -> None:
    kind = node["kind"]
    label = "Self-check question" if kind == "choice" else "Reflection question"
    self.body.append(
        self.starttag(
            node,
            "div",
            CLASSES=["alliance-rq", f"alliance-rq-{kind}"],
            **{"data-kind": kind, "data-qid": node["qid"]},
        )
    )
    self.body.append(f'<p class="alliance-rq-kicker">{label}</p>\n')


def depart_review_question(self: SphinxTranslator, node: review_question) -> None:
    self.body.append("</div>\n")


def visit_rq_prompt(self: SphinxTranslator, node: rq_prompt) -> None:
    qid = _question(node)["qid"]
    if isinstance(node.parent, rq_choices):
        self.body.append(f'<legend class="alliance-rq-prompt" id="rq-{qid}-prompt">')
    else:
        self.body.append(f'<p class="alliance-rq-prompt" id="rq-{qid}-prompt">')


def depart_rq_prompt(self: SphinxTranslator, node: rq_prompt) -> None:
    self.body.append("</legend>\n" if isinstance(node.parent, rq_choices) else "</p>\n")


def visit_rq_choices(self: SphinxTranslator, node: rq_choices) -> None:
    self.body.append('<fieldset class="alliance-rq-options">\n')


def depart_rq_choices(self: SphinxTranslator, node: rq_choices) -> None:
    qid = _question(node)["qid"]
    # The button starts hidden: review.js reveals it, so a reader with no JavaScript never meets
    # a button that does nothing (the answers disclosure below still works for them).
    self.body.append(
        "</fieldset>\n"
        f'<div class="alliance-rq-actions"><button type="button" class="alliance-rq-check" '
        f'id="rq-{qid}-check" hidden>Check answer</button></div>\n'
        f'<div class="alliance-rq-feedback" id="rq-{qid}-feedback" role="status" '
        'aria-live="polite" aria-atomic="true"></div>\n'
    )


def visit_rq_option(self: SphinxTranslator, node: rq_option) -> None:
    qid = _question(node)["qid"]
    index = node["index"]
    input_id = f"rq-{qid}-option-{index + 1}"
    self.body.append(
        f'<div class="alliance-rq-option"><input type="radio" name="rq-{qid}" '
        f'id="{_attr(input_id)}" value="{index}"> <label for="{_attr(input_id)}">'
    )


def depart_rq_option(self: SphinxTranslator, node: rq_option) -> None:
    self.body.append("</label></div>\n")


def visit_rq_answers(self: SphinxTranslator, node: rq_answers) -> None:
    self.body.append(
        '<details class="alliance-rq-answers"><summary>Show every answer with its explanation'
        "</summary>\n<ol>\n"
    )


def depart_rq_answers(self: SphinxTranslator, node: rq_answers) -> None:
    self.body.append("</ol>\n</details>\n")


def visit_rq_answer(self: SphinxTranslator, node: rq_answer) -> None:
    correct = bool(node["correct"])
    verdict = "Correct answer" if correct else "Not correct"
    self.body.append(
        f'<li class="alliance-rq-answer" data-option="{node["index"]}" '
        f'data-correct="{"true" if correct else "false"}">'
        f'<span class="alliance-rq-verdict">{verdict}</span>\n'
    )


def depart_rq_answer(self: SphinxTranslator, node: rq_answer) -> None:
    self.body.append("</li>\n")


def visit_rq_open(self: SphinxTranslator, node: rq_open) -> None:
    qid = _question(node)["qid"]
    self.body.append(
        f'<label class="alliance-rq-notes-label" for="rq-{qid}-notes">Your answer '
        "(notes for yourself: kept in this browser only, never sent anywhere)</label>\n"
        f'<textarea class="alliance-rq-notes" id="rq-{qid}-notes" rows="4" '
        f'aria-describedby="rq-{qid}-prompt"></textarea>\n'
        '<details class="alliance-rq-model"><summary>Show model answer</summary>\n'
        '<div class="alliance-rq-model-body">\n'
    )


def depart_rq_open(self: SphinxTranslator, node: rq_open) -> None:
    self.body.append("</div>\n</details>\n")


def _pass(self: SphinxTranslator, node: nodes.Element) -> None:
    """Other builders (text, LaTeX…) render the children as ordinary content."""


# --------------------------------------------------------------------------------------------
# Environment bookkeeping: one entry per question, for the duplicate-id check and the practice page
# --------------------------------------------------------------------------------------------


def _note_question(
    env: BuildEnvironment, qid: str, kind: str, built: nodes.Element, line: int
) -> None:
    """Record the question for the practice page (which lists every question in the book)."""
    prompt = next(iter(built.findall(rq_prompt)))
    text = " ".join(prompt.astext().split())
    index = env.__dict__.setdefault(INDEX, {})
    index[qid] = {"docname": env.docname, "kind": kind, "prompt": text, "line": line}


def review_index(env: BuildEnvironment) -> dict[str, dict[str, Any]]:
    """Every review question of the book: qid -> docname, kind, prompt (plain text), line."""
    return env.__dict__.get(INDEX, {})


def _purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    index = review_index(env)
    for qid in [q for q, entry in index.items() if entry["docname"] == docname]:
        del index[qid]


def _merge(app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment) -> None:
    index = env.__dict__.setdefault(INDEX, {})
    for qid, entry in review_index(other).items():
        known = index.get(qid)
        if known and (known["docname"], known["line"]) != (entry["docname"], entry["line"]):
            logger.warning(
                "review-question: duplicate id '%s': also used in %s line %s",
                qid,
                known["docname"],
                known["line"],
                location=(entry["docname"], entry["line"]),
                type="alliance",
                subtype="review_question",
            )
        index.setdefault(qid, entry)


def setup(app: Sphinx) -> None:
    """Register the directive, its nodes and its static files (called by the book extension)."""
    others = {builder: (_pass, _pass) for builder in ("latex", "text", "man", "texinfo")}
    for node, visit, depart in (
        (review_question, visit_review_question, depart_review_question),
        (rq_prompt, visit_rq_prompt, depart_rq_prompt),
        (rq_choices, visit_rq_choices, depart_rq_choices),
        (rq_option, visit_rq_option, depart_rq_option),
        (rq_answers, visit_rq_answers, depart_rq_answers),
        (rq_answer, visit_rq_answer, depart_rq_answer),
        (rq_open, visit_rq_open, depart_rq_open),
    ):
        app.add_node(node, html=(visit, depart), **others)
    app.add_directive("review-question", ReviewQuestionDirective)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.add_css_file("review.css")
    app.add_js_file("review.js", defer="defer")
