"""The ``{review-question}`` directive: its validation, its HTML, and its behaviour in Chromium.

Why three layers: the validator is tested on its own (every mistake named with its line), a real
Sphinx build proves that a bad body fails a ``-W`` build with the file and line, and the browser
tests prove that a reader gets feedback by mouse and by keyboard alone, with no kernel.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from alliance.book.review import ReviewQuestionError, parse_review_body

CHOICE = textwrap.dedent(
    """\
    kind: choice
    prompt: "Which three components make up Bordin's working alliance?"
    options:
      - text: "Empathy, warmth and genuineness"
        correct: false
        explanation: "Those are Rogers' therapist conditions."
      - text: "Agreement on goals, agreement on tasks, and the bond"
        correct: true
        explanation: "Yes: goals, tasks and bond."
    """
)

OPEN = textwrap.dedent(
    """\
    kind: open
    prompt: "How does empathy help build the alliance?"
    model_answer: |
      It builds the bond.
    """
)


def problems_of(body: str) -> list[tuple[int, str]]:
    with pytest.raises(ReviewQuestionError) as info:
        parse_review_body(body)
    return [(p.line, p.message) for p in info.value.problems]


# ------------------------------------------------------------------------------------------------
# Validation
# ------------------------------------------------------------------------------------------------


def test_valid_choice_question_parses() -> None:
    question = parse_review_body(CHOICE)
    assert question.kind == "choice"
    assert [o.correct for o in question.options] == [False, True]
    assert question.options[1].explanation == "Yes: goals, tasks and bond."


def test_valid_open_question_parses() -> None:
    question = parse_review_body(OPEN)
    assert question.kind == "open"
    assert question.model_answer.strip() == "It builds the bond."


def test_unknown_kind_is_named_with_its_line() -> None:
    [(line, message)] = problems_of(CHOICE.replace("kind: choice", "kind: quiz"))
    assert line == 0
    assert "unknown kind 'quiz'" in message and "choice, open" in message


def test_missing_kind() -> None:
    [(_, message)] = problems_of(CHOICE.replace("kind: choice\n", ""))
    assert "'kind' is missing" in message


def test_no_correct_option() -> None:
    body = CHOICE.replace("correct: true", "correct: false")
    [(line, message)] = problems_of(body)
    assert line == 2  # the 'options:' line
    assert "no option is marked 'correct: true'" in message


def test_two_correct_options() -> None:
    body = CHOICE.replace("correct: false", "correct: true")
    [(_, message)] = problems_of(body)
    assert "2 options are marked correct" in message


def test_missing_explanation_names_the_option_and_line() -> None:
    body = CHOICE.replace('    explanation: "Those are Rogers\' therapist conditions."\n', "")
    [(line, message)] = problems_of(body)
    assert line == 3  # where option 1 starts
    assert message == "option 1 has no 'explanation'"


def test_empty_explanation() -> None:
    body = CHOICE.replace('"Yes: goals, tasks and bond."', '""')
    [(line, message)] = problems_of(body)
    assert line == 8
    assert "option 2: 'explanation' must be non-empty text" in message


def test_correct_must_be_boolean() -> None:
    body = CHOICE.replace("correct: false", "correct: maybe")
    [(line, message)] = problems_of(body)
    assert line == 4
    assert "'correct' must be true or false" in message


def test_unknown_keys_are_reported() -> None:
    body = CHOICE + "hint: try again\n"
    [(line, message)] = problems_of(body)
    assert line == 9
    assert "unknown key 'hint'" in message


def test_open_question_without_model_answer() -> None:
    [(_, message)] = problems_of("kind: open\nprompt: 'Why?'\n")
    assert "has no 'model_answer'" in message


def test_open_question_rejects_options() -> None:
    body = OPEN + "options: []\n"
    assert any("unknown key 'options'" in m for _, m in problems_of(body))


def test_missing_prompt() -> None:
    body = "\n".join(line for line in CHOICE.splitlines() if not line.startswith("prompt"))
    assert any("has no 'prompt'" in m for _, m in problems_of(body))


def test_too_few_options() -> None:
    body = textwrap.dedent(
        """\
        kind: choice
        prompt: "Only one?"
        options:
          - text: "Yes"
            correct: true
            explanation: "Hm."
        """
    )
    assert any("needs 2–6 options, found 1" in m for _, m in problems_of(body))


def test_repeated_option_text() -> None:
    body = CHOICE.replace(
        "Empathy, warmth and genuineness", "Agreement on goals, agreement on tasks, and the bond"
    )
    assert any("repeats the text of option 1" in m for _, m in problems_of(body))


def test_every_problem_is_reported_at_once() -> None:
    body = CHOICE.replace("correct: true", "correct: false").replace(
        '    explanation: "Yes: goals, tasks and bond."\n', ""
    )
    messages = [m for _, m in problems_of(body)]
    assert len(messages) == 2
    assert any("no option is marked" in m for m in messages)
    assert any("option 2 has no 'explanation'" in m for m in messages)


def test_invalid_yaml_gives_its_line() -> None:
    [(line, message)] = problems_of("kind: choice\nprompt: [unclosed\noptions:\n")
    assert "not valid YAML" in message
    assert line >= 1


def test_body_must_be_a_mapping() -> None:
    [(_, message)] = problems_of("- just\n- a list\n")
    assert "must be a YAML mapping" in message


# ------------------------------------------------------------------------------------------------
# A real Sphinx build (MyST, as the book uses): the HTML, and a failing -W build on a bad body
# ------------------------------------------------------------------------------------------------


def _directive(qid: str, body: str) -> str:
    return f"```{{review-question}}\n:id: {qid}\n{body}```\n"


def sphinx_build(tmp_path: Path, pages: dict[str, str]) -> subprocess.CompletedProcess[str]:
    (tmp_path / "conf.py").write_text(
        'extensions = ["myst_parser", "alliance.book.extension"]\nexclude_patterns = ["_build"]\n'
    )
    toctree = "\n".join(name for name in pages if name != "index")
    (tmp_path / "index.md").write_text(
        "# Test\n\n```{toctree}\n" + toctree + "\n```\n\n" + pages.get("index", "")
    )
    for name, text in pages.items():
        if name != "index":
            (tmp_path / f"{name}.md").write_text(f"# {name}\n\n{text}")
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-q",
            "-b",
            "html",
            str(tmp_path),
            str(tmp_path / "_build"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_build_renders_accessible_html(tmp_path: Path) -> None:
    result = sphinx_build(
        tmp_path, {"index": _directive("q-choice", CHOICE) + "\n" + _directive("q-open", OPEN)}
    )
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "_build" / "index.html").read_text()
    assert '<fieldset class="alliance-rq-options">' in html
    assert re.search(r'<legend class="alliance-rq-prompt"[^>]*>Which three components', html)
    radios = re.findall(r'<input type="radio" name="rq-q-choice" id="([^"]+)"', html)
    assert len(radios) == 2
    for radio in radios:  # every radio has its own label
        assert f'<label for="{radio}">' in html
    assert "Check answer</button>" in html
    assert 'aria-live="polite"' in html
    assert 'data-correct="true"' in html and 'data-correct="false"' in html
    assert '<label class="alliance-rq-notes-label" for="rq-q-open-notes">' in html
    assert '<textarea class="alliance-rq-notes" id="rq-q-open-notes"' in html
    assert "<summary>Show model answer</summary>" in html
    assert "review.js" in html and "review.css" in html
    assert (tmp_path / "_build" / "_static" / "review.js").is_file()


@pytest.mark.slow
def test_bad_body_fails_the_build_with_file_and_line(tmp_path: Path) -> None:
    bad = CHOICE.replace("correct: true", "correct: false")
    page = "Intro line.\n\n" + _directive("q-bad", bad)
    result = sphinx_build(tmp_path, {"index": "", "chapter": page})
    assert result.returncode != 0
    # chapter.md: line 1 heading, 2 blank, 3 intro, 4 blank, 5 fence, 6 :id:, 7 kind, 9 options
    assert re.search(
        r"chapter\.md:9: WARNING: review-question: question 'q-bad': no option is "
        r"marked 'correct: true'",
        result.stderr,
    ), result.stderr


@pytest.mark.slow
def test_unknown_kind_and_missing_id_fail_the_build(tmp_path: Path) -> None:
    page = _directive("q-kind", CHOICE.replace("kind: choice", "kind: essay"))
    page += "\n```{review-question}\n" + OPEN + "```\n"
    result = sphinx_build(tmp_path, {"index": "", "chapter": page})
    assert result.returncode != 0
    assert re.search(r"chapter\.md:5: WARNING: .*unknown kind 'essay'", result.stderr), (
        result.stderr
    )
    assert "the question has no :id: option" in result.stderr


@pytest.mark.slow
def test_duplicate_ids_fail_the_build(tmp_path: Path) -> None:
    result = sphinx_build(
        tmp_path,
        {"index": "", "one": _directive("same-id", OPEN), "two": _directive("same-id", OPEN)},
    )
    assert result.returncode != 0
    assert "duplicate id 'same-id'" in result.stderr, result.stderr


# ------------------------------------------------------------------------------------------------
# The real book in headless Chromium
# ------------------------------------------------------------------------------------------------

CHAPTER = "chapters/01-therapeutic-alliance.html"


def _first_choice(page):
    question = page.locator(".alliance-rq-choice").first
    question.scroll_into_view_if_needed()
    return question


def _wrong_and_right(question) -> tuple[int, int]:
    flags = question.locator(".alliance-rq-answer").evaluate_all(
        "items => items.map(li => li.dataset.correct === 'true')"
    )
    return flags.index(False), flags.index(True)


@pytest.mark.browser
def test_choice_feedback_by_mouse(page, book_url: str) -> None:
    page.goto(book_url + CHAPTER)
    question = _first_choice(page)
    feedback = question.locator(".alliance-rq-feedback")
    wrong, right = _wrong_and_right(question)
    button = question.get_by_role("button", name="Check answer")
    assert button.is_visible()

    button.click()  # nothing chosen yet
    assert "Choose an answer first" in feedback.inner_text()

    question.locator(".alliance-rq-option label").nth(wrong).click()
    button.click()
    text = feedback.inner_text()
    assert "Not quite." in text
    expected = question.locator(".alliance-rq-answer .alliance-rq-explanation").nth(wrong)
    assert expected.inner_text().strip()[:40] in text

    question.locator(".alliance-rq-option label").nth(right).click()
    assert feedback.inner_text() == ""  # stale feedback is cleared on a new choice
    button.click()
    text = feedback.inner_text()
    assert "Correct." in text
    expected = question.locator(".alliance-rq-answer .alliance-rq-explanation").nth(right)
    assert expected.inner_text().strip()[:40] in text
    assert page.console_errors == []


def _tab_until(page, predicate_js: str, limit: int = 400) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(predicate_js):
            return
    raise AssertionError(f"Tab never reached an element matching: {predicate_js}")


@pytest.mark.browser
def test_choice_feedback_by_keyboard_alone(page, book_url: str) -> None:
    page.goto(book_url + CHAPTER)
    qid = _first_choice(page).get_attribute("data-qid")
    question = page.locator(f"#rq-{qid}")
    wrong, right = _wrong_and_right(question)
    page.locator("body").focus()
    # Tab through the page until the question's radio group has focus.
    _tab_until(page, f"document.activeElement && document.activeElement.name === 'rq-{qid}'")
    # Tab lands on the first radio of an untouched group; arrows move and select.
    for _ in range(right):
        page.keyboard.press("ArrowDown")
    if right == 0:
        page.keyboard.press("Space")
    assert question.locator("input[type=radio]").nth(right).is_checked()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Check answer"
    page.keyboard.press("Enter")
    feedback = question.locator(".alliance-rq-feedback")
    assert "Correct." in feedback.inner_text()

    # Back to the group, choose a wrong option, check with the space bar.
    page.keyboard.press("Shift+Tab")
    steps = wrong - right
    key = "ArrowDown" if steps > 0 else "ArrowUp"
    for _ in range(abs(steps)):
        page.keyboard.press(key)
    assert question.locator("input[type=radio]").nth(wrong).is_checked()
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    assert "Not quite." in feedback.inner_text()
    assert page.console_errors == []


@pytest.mark.browser
def test_open_question_model_answer_by_keyboard(page, book_url: str) -> None:
    page.goto(book_url + CHAPTER)
    question = page.locator(".alliance-rq-open").first
    qid = question.get_attribute("data-qid")
    model = question.locator(".alliance-rq-model-body")
    assert not model.is_visible()
    notes = page.get_by_label(re.compile("Your answer")).and_(page.locator(f"#rq-{qid}-notes"))
    notes.focus()
    page.keyboard.type("The bond grows when the client feels understood.")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    page.keyboard.press("Enter")
    assert model.is_visible()
    from playwright.sync_api import expect

    expect(question.locator("summary")).to_have_text("Hide model answer")  # set on 'toggle'
    assert notes.input_value().startswith("The bond grows")


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_review_questions_pass_axe_in_both_themes(page, book_url: str, axe_violations, theme):
    page.goto(book_url + CHAPTER)
    page.evaluate(f"document.documentElement.dataset.theme = '{theme}'")
    question = _first_choice(page)
    wrong, right = _wrong_and_right(question)
    # Show a wrong answer's feedback in the first question, a right one in the second if any.
    question.locator(".alliance-rq-option label").nth(wrong).click()
    question.get_by_role("button", name="Check answer").click()
    questions = page.locator(".alliance-rq-choice")
    if questions.count() > 1:
        second = questions.nth(1)
        _, right2 = _wrong_and_right(second)
        second.locator(".alliance-rq-option label").nth(right2).click()
        second.get_by_role("button", name="Check answer").click()
    for details in page.locator(".alliance-rq details").all():
        details.evaluate("d => d.open = true")
    inside = "s => !!(document.querySelector(s) || {closest: () => null}).closest('.alliance-rq')"
    ours = [
        f"{v['id']}: {v['help']} -> {node['target']}"
        for v in axe_violations(page)
        for node in v["nodes"]
        if isinstance(node["target"][0], str) and page.evaluate(inside, node["target"][0])
    ]
    assert ours == [], "\n".join(ours)


@pytest.mark.browser
def test_choices_checks_and_notes_survive_a_reload(page, book_url: str) -> None:
    """Kept in the reader's practice record (localStorage): nothing typed or chosen is lost."""
    page.goto(book_url + CHAPTER)
    questions = page.locator(".alliance-rq-choice")
    first, second = questions.nth(0), questions.nth(1)
    wrong, _ = _wrong_and_right(first)
    first.locator(".alliance-rq-option label").nth(wrong).click()
    first.get_by_role("button", name="Check answer").click()
    _, right2 = _wrong_and_right(second)
    second.locator(".alliance-rq-option label").nth(right2).click()  # chosen, not checked
    open_question = page.locator(".alliance-rq-open").first
    notes = open_question.locator("textarea")
    notes.fill("First line of my notes.\nSecond line.")
    label = open_question.locator(".alliance-rq-notes-label").inner_text()
    assert "kept in this browser only" in label and "never sent anywhere" in label

    page.reload()
    first = page.locator(".alliance-rq-choice").nth(0)
    second = page.locator(".alliance-rq-choice").nth(1)
    assert first.locator("input[type=radio]").nth(wrong).is_checked()
    assert "Not quite." in first.locator(".alliance-rq-feedback").inner_text()
    assert second.locator("input[type=radio]").nth(right2).is_checked()
    assert second.locator(".alliance-rq-feedback").inner_text() == ""  # it was never checked
    notes = page.locator(".alliance-rq-open").first.locator("textarea")
    assert notes.input_value() == "First line of my notes.\nSecond line."

    first.locator(".alliance-rq-option label").nth(_wrong_and_right(first)[1]).click()
    page.reload()  # a new choice replaces the checked one, unchecked
    first = page.locator(".alliance-rq-choice").nth(0)
    assert first.locator(".alliance-rq-feedback").inner_text() == ""
    record = page.evaluate("JSON.parse(localStorage.getItem('alliance-practice')).questions")
    assert record[first.get_attribute("data-qid")]["checked"] is False
    assert page.console_errors == []
