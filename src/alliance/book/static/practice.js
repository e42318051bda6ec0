// The Working Alliance: the reader's practice record, kept in this browser's localStorage only.
//
// Why one small store for the whole book: vignettes (widget.js), review questions (review.js) and
// the "Your practice" page read and write the same record, and all of them must keep working when
// storage is turned off, full or holds something unreadable. Nothing here is ever sent anywhere.
// When the record cannot be saved, the page says so once, next to the first thing that would
// have been saved, and everything else works as before (progress then lasts until the page closes).
//
// Record: {version: 1, vignettes: {id: {path, endings, updated}}, questions: {qid: {...}}}.
(function () {
  "use strict";

  var KEY = "alliance-practice";
  var VERSION = 1;
  var KINDS = ["vignettes", "questions"];
  var REASONS = {
    disabled: "this browser does not allow this site to store data",
    full: "this browser's storage for this site is full",
    corrupt: "the practice already saved in this browser could not be read (you can reset it on the \u201cYour practice\u201d page)",
  };
  var status = "ok";
  var record = empty();
  var noticeShown = false;
  var storage = null;

  function empty() {
    return { version: VERSION, vignettes: {}, questions: {} };
  }

  function isPlainObject(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  }

  function valid(data) {
    return isPlainObject(data) && data.version === VERSION && KINDS.every(function (k) { return isPlainObject(data[k]); });
  }

  function isQuota(err) {
    return !!err && (err.name === "QuotaExceededError" || err.code === 22);
  }

  /** Read the record (a full storage can still be read), then check that it can be written. */
  function open() {
    var text = null;
    try {
      storage = window.localStorage;
      text = storage.getItem(KEY);
    } catch (err) {
      storage = null;
      status = "disabled";
      return;
    }
    if (text !== null) {
      try {
        var data = JSON.parse(text);
        if (valid(data)) record = data;
        else status = "corrupt";
      } catch (err) {
        status = "corrupt";
      }
    }
    if (status !== "ok") return;
    try {
      var probe = KEY + "-probe";
      storage.setItem(probe, "1");
      storage.removeItem(probe);
    } catch (err) {
      status = isQuota(err) ? "full" : "disabled";
    }
  }

  function write() {
    if (status !== "ok") return false;
    try {
      storage.setItem(KEY, JSON.stringify(record));
      return true;
    } catch (err) {
      status = isQuota(err) ? "full" : "disabled";
      return false;
    }
  }

  /** Say once per page, just before `near`, that progress will not be saved (if it will not). */
  function notice(near) {
    if (status === "ok" || noticeShown || !near || !near.parentNode) return;
    noticeShown = true;
    var p = document.createElement("p");
    p.className = "alliance-practice-notice";
    p.setAttribute("role", "status");
    p.textContent =
      "Your practice on this page won\u2019t be saved: " + REASONS[status] +
      ". Everything still works; your progress lasts until you leave the page.";
    near.parentNode.insertBefore(p, near);
  }

  function entry(kind, id) {
    var value = record[kind] && record[kind][id];
    return isPlainObject(value) ? value : null;
  }

  /** Merge `fields` into the entry; returns true when saved (false: kept in this page only). */
  function update(kind, id, fields, near) {
    var next = Object.assign({}, entry(kind, id) || {}, fields, { updated: new Date().toISOString() });
    record[kind][id] = next;
    var saved = write();
    if (!saved) notice(near);
    return saved;
  }

  function reset(kind, id) {
    if (kind && id) delete record[kind][id];
    else record = empty();
    if (status === "corrupt" && !kind && storage) {
      status = "ok"; // resetting everything replaces the unreadable record
    }
    return write();
  }

  open();
  window.alliancePractice = {
    get status() { return status; },
    get: entry,
    update: update,
    reset: reset,
    notice: notice,
    all: function () { return JSON.parse(JSON.stringify(record)); },
  };
})();
