// The Working Alliance: review questions answered in the page, with no kernel.
//
// Why progressive enhancement: the HTML from the {review-question} directive already works without
// JavaScript (radio buttons, and every explanation inside a native <details>). This script reveals
// the "Check answer" button and writes feedback for the chosen option into a polite live region,
// in words ("Correct" / "Not quite"), never by colour alone. The reader's choice (and whether they
// checked it) and their notes are kept in their practice record (practice.js, this browser only),
// so they are still there after a reload.
(function () {
  "use strict";

  var store = window.alliancePractice || null;

  function saved(question) {
    return store ? store.get("questions", question.dataset.qid) : null;
  }

  function keep(question, fields) {
    if (store) { store.update("questions", question.dataset.qid, fields, question); }
  }

  function clearFeedback(question, feedback) {
    feedback.replaceChildren();
    delete feedback.dataset.state;
    question.querySelectorAll(".alliance-rq-option").forEach(function (option) {
      delete option.dataset.result;
    });
  }

  function copyWithoutIds(element) {
    var copy = element.cloneNode(true);
    copy.removeAttribute("id");
    copy.querySelectorAll("[id]").forEach(function (el) { el.removeAttribute("id"); });
    return copy;
  }

  function check(question, feedback, restoring) {
    clearFeedback(question, feedback);
    var chosen = question.querySelector('input[type="radio"]:checked');
    var result = document.createElement("p");
    result.className = "alliance-rq-result";
    if (!chosen) {
      feedback.dataset.state = "empty";
      result.textContent = "Choose an answer first, then select Check answer.";
      feedback.appendChild(result);
      return;
    }
    var answer = question.querySelector('.alliance-rq-answer[data-option="' + chosen.value + '"]');
    if (!answer) { return; }
    var correct = answer.dataset.correct === "true";
    if (!restoring) { keep(question, { choice: Number(chosen.value), checked: true, correct: correct }); }
    feedback.dataset.state = correct ? "correct" : "incorrect";
    chosen.closest(".alliance-rq-option").dataset.result = correct ? "correct" : "incorrect";

    var icon = document.createElement("span");
    icon.className = "alliance-rq-icon";
    icon.setAttribute("aria-hidden", "true");
    icon.textContent = correct ? "\u2713" : "\u2717";
    var verdict = document.createElement("strong");
    verdict.textContent = correct ? "Correct." : "Not quite.";
    var label = question.querySelector('label[for="' + chosen.id + '"]');
    result.append(icon, " ", verdict);
    feedback.appendChild(result);
    var yours = document.createElement("p");
    yours.className = "alliance-rq-yours";
    yours.textContent = "Your answer: " + (label ? label.textContent.trim() : "");
    feedback.appendChild(yours);
    var explanation = answer.querySelector(".alliance-rq-explanation");
    if (explanation) { feedback.appendChild(copyWithoutIds(explanation)); }
    if (!correct) {
      var hint = document.createElement("p");
      hint.className = "alliance-rq-hint";
      hint.textContent = "Try another option, or open \u201cShow every answer with its explanation\u201d below.";
      feedback.appendChild(hint);
    }
  }

  function enhanceChoice(question) {
    var button = question.querySelector(".alliance-rq-check");
    var feedback = question.querySelector(".alliance-rq-feedback");
    if (!button || !feedback || question.dataset.enhanced) { return; }
    question.dataset.enhanced = "true";
    button.hidden = false;
    button.addEventListener("click", function () { check(question, feedback, false); });
    question.addEventListener("change", function (event) {
      if (event.target.matches('input[type="radio"]')) {
        clearFeedback(question, feedback);
        keep(question, { choice: Number(event.target.value), checked: false, correct: null });
      }
    });
    var previous = saved(question);
    if (store) { store.notice(question); }
    var radio = previous && typeof previous.choice === "number"
      ? question.querySelector('input[type="radio"][value="' + previous.choice + '"]')
      : null;
    if (radio) {
      radio.checked = true;
      if (previous.checked) { check(question, feedback, true); }
    }
  }

  function enhanceOpen(question) {
    var details = question.querySelector(".alliance-rq-model");
    var summary = details && details.querySelector("summary");
    if (!summary || question.dataset.enhanced) { return; }
    question.dataset.enhanced = "true";
    details.addEventListener("toggle", function () {
      summary.textContent = details.open ? "Hide model answer" : "Show model answer";
    });
    var notes = question.querySelector(".alliance-rq-notes");
    if (!notes) { return; }
    var previous = saved(question);
    if (store) { store.notice(question); }
    if (previous && typeof previous.notes === "string" && !notes.value) { notes.value = previous.notes; }
    notes.addEventListener("input", function () { keep(question, { notes: notes.value }); });
  }

  function init() {
    document.querySelectorAll(".alliance-rq-choice").forEach(enhanceChoice);
    document.querySelectorAll(".alliance-rq-open").forEach(enhanceOpen);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
