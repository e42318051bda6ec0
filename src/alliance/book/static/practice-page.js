// The Working Alliance: the "Your practice" page. Fills in each vignette's and question's status
// from the reader's practice record (practice.js: this browser's localStorage, nothing sent), and
// offers a reset for each item, a reset for everything and a download of the record as JSON.
// The tables themselves (every vignette and question of the course) are written at build time by
// alliance/book/practice.py; without JavaScript the page says the record needs it.
(function () {
  "use strict";

  var store = window.alliancePractice;

  function plural(n, word) {
    return n + " " + word + (n === 1 ? "" : "s");
  }

  function vignetteStatus(row, entry) {
    if (!entry) { return "Not started"; }
    var endings = JSON.parse(row.dataset.endings || "{}");
    var total = Object.keys(endings).length;
    var found = (Array.isArray(entry.endings) ? entry.endings : []).filter(function (id) { return id in endings; });
    var parts = [found.length + " of " + total + " endings found"];
    if (found.length) {
      parts[0] += " (" + found.map(function (id) { return endings[id]; }).join(", ") + ")";
    }
    var steps = Array.isArray(entry.path) ? entry.path.length : 0;
    if (steps) { parts.push("your conversation is at " + plural(steps, "choice")); }
    return parts.join("; ") + ".";
  }

  function questionStatus(row, entry) {
    if (row.dataset.questionKind === "open") {
      var words = entry && typeof entry.notes === "string" ? entry.notes.trim().split(/\s+/).filter(Boolean).length : 0;
      return words ? "Notes written (" + plural(words, "word") + ")." : "No notes yet.";
    }
    if (!entry || typeof entry.choice !== "number") { return "Not answered."; }
    var option = "option " + (entry.choice + 1);
    if (!entry.checked) { return "Chose " + option + ", not checked yet."; }
    return entry.correct ? "Answered correctly (" + option + ")." : "Answered, not correct yet (" + option + ").";
  }

  function refresh(row) {
    var entry = store.get(row.dataset.kind, row.dataset.id);
    var status = row.dataset.kind === "vignettes" ? vignetteStatus(row, entry) : questionStatus(row, entry);
    row.querySelector(".alliance-practice-state").textContent = status;
    row.querySelector(".alliance-practice-reset").disabled = !entry;
  }

  function codeOf(id, path) {
    return id + ":" + path.map(function (c) { return c + 1; }).join("-");
  }

  function download(rows) {
    var record = store.all();
    var items = rows.map(function (row) {
      var entry = record[row.dataset.kind][row.dataset.id] || null;
      var item = { kind: row.dataset.kind === "vignettes" ? "vignette" : "question", id: row.dataset.id, title: row.dataset.title, page: row.dataset.href, status: row.querySelector(".alliance-practice-state").textContent, saved: entry };
      if (entry && Array.isArray(entry.path)) { item.path_code = codeOf(row.dataset.id, entry.path); }
      return item;
    });
    var data = { book: document.title.split(" \u2014 ").pop(), exported: new Date().toISOString(), items: items, record: record };
    var url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2) + "\n"], { type: "application/json" }));
    var link = document.createElement("a");
    link.href = url;
    link.download = "working-alliance-practice.json";
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }

  function button(text, className, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = className;
    b.textContent = text;
    b.addEventListener("click", onClick);
    return b;
  }

  function init() {
    var tables = document.querySelectorAll("[data-practice-record]");
    if (!store || !tables.length) { return; }
    var rows = Array.prototype.slice.call(document.querySelectorAll("[data-practice-record] tbody tr"));
    var said = document.createElement("p");
    said.className = "alliance-practice-said";
    said.setAttribute("role", "status");
    rows.forEach(function (row) {
      var name = row.dataset.title;
      row.querySelector(".alliance-practice-reset-cell").appendChild(
        button("Reset", "alliance-practice-reset", function () {
          store.reset(row.dataset.kind, row.dataset.id);
          refresh(row);
          said.textContent = "Reset: " + name;
        }),
      );
      row.querySelector(".alliance-practice-reset").setAttribute("aria-label", "Reset: " + name);
      refresh(row);
    });
    var actions = document.querySelector("[data-practice-actions]");
    if (!actions) {
      actions = document.createElement("div");
      actions.className = "alliance-practice alliance-practice-actions";
      tables[0].parentNode.insertBefore(actions, tables[0]);
    }
    actions.append(
      button("Download your record (JSON)", "alliance-practice-download", function () { download(rows); }),
      button("Reset everything", "alliance-practice-reset-all", function () {
        if (!window.confirm("Erase all your practice in this browser: every vignette and every answer?")) { return; }
        store.reset();
        rows.forEach(refresh);
        said.textContent = "All your practice in this browser was reset.";
      }),
      said,
    );
    store.notice(actions);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
