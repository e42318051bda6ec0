// The Working Alliance: a role-play vignette player (anywidget ES module).
//
// All play logic lives here because the static book has no kernel: the whole vignette arrives as
// data in the `vignette` trait, and the reader's path goes back to Python in the `path` trait.
// Scoring follows exactly the rules of alliance/vignettes/scoring.py and engine.py (clamp to the
// scale after each choice; each response type counts as its MITI 4 code from miti4_codes.yaml;
// reflections = SR + CR; questions = Q; ratio = reflections / questions, none without questions;
// %CR = CR / reflections, none without reflections; MITI 4 rating: >= good, >= fair, else below
// fair; an error is a choice that lowers a meter, repaired by a later repair choice).
// Every piece of vignette text is inserted with textContent (via `h`), never as HTML.

let instances = 0;
const SVG_NS = "http://www.w3.org/2000/svg";

/** Create an element; string children become text nodes, never markup. */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

function s(tag, attrs) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "text") el.textContent = value;
    else el.setAttribute(key, String(value));
  }
  return el;
}

// ---- The engine (mirrors alliance/vignettes/engine.py and scoring.py) --------------------------

/** Play a path (0-based choices); stops at the first step that cannot be played. */
export function play(vignette, vocab, path) {
  const [lo, hi] = vocab.scale;
  const clamp = (x) => Math.max(lo, Math.min(hi, x));
  const trajectory = {};
  for (const dim of vocab.dimensions) trajectory[dim] = [clamp(vignette.baseline[dim])];
  const tally = {};
  const steps = [];
  let errors = [];
  let nodeId = vignette.start;
  for (const choice of path) {
    const node = vignette.nodes[nodeId];
    if (node.ending || !Number.isInteger(choice) || choice < 0 || choice >= node.choices.length) {
      break;
    }
    const picked = node.choices[choice];
    for (const dim of vocab.dimensions) {
      const values = trajectory[dim];
      values.push(clamp(values[values.length - 1] + (picked.effect[dim] || 0)));
    }
    tally[picked.type] = (tally[picked.type] || 0) + 1;
    steps.push({ nodeId, choice, picked });
    if (picked.repair) errors = errors.map((e) => ({ ...e, repaired: true }));
    if (vocab.dimensions.some((dim) => (picked.effect[dim] || 0) < 0)) {
      errors.push({ step: steps.length, nodeId, choice, repaired: false });
    }
    nodeId = picked.next;
  }
  const node = vignette.nodes[nodeId];
  return {
    steps,
    path: steps.map((step) => step.choice),
    nodeId,
    node,
    trajectory,
    tally,
    errors,
    notes: node.ending ? endingNotes(vignette, steps, nodeId) : [],
    ending: node.ending ? nodeId : null,
    outcome: node.ending ? node.ending.outcome : null,
  };
}

/** The ending's notes whose condition the path meets (see engine.ending_notes). */
export function endingNotes(vignette, steps, nodeId) {
  const chosen = new Set(steps.map((s) => s.picked.id).filter((id) => id));
  const visited = new Set([...steps.map((s) => s.nodeId), nodeId]);
  return (vignette.nodes[nodeId].ending.notes || [])
    .filter((n) => (n.when === "chose" ? chosen.has(n.target) : visited.has(n.target)))
    .map((n) => n.text);
}

/** The response-type tally counted as MITI 4 codes (types with no code are left out). */
export function mitiTally(tally, vocab) {
  const out = {};
  for (const [type, n] of Object.entries(tally)) {
    const code = vocab.mitiCodes.byType[type];
    if (code) out[code] = (out[code] || 0) + n;
  }
  return out;
}

export function summarise(tally, vocab) {
  const codes = mitiTally(tally, vocab);
  const map = vocab.mitiCodes;
  const count = (list) => list.reduce((sum, c) => sum + (codes[c] || 0), 0);
  const reflections = count(map.reflections);
  const questions = count(map.questions);
  const ratio = questions ? reflections / questions : null;
  const share = reflections ? (codes[map.complex] || 0) / reflections : null;
  const reasons = {};
  if (ratio === null) reasons.ratio = vocab.miti4.reflection_question_ratio.absent;
  if (share === null) reasons.share = vocab.miti4.complex_reflection_share.absent;
  return {
    codes,
    reflections,
    questions,
    ratio,
    share,
    reasons,
    ratioRating: rate(vocab.miti4.reflection_question_ratio, ratio),
    shareRating: rate(vocab.miti4.complex_reflection_share, share),
  };
}

export function rate(thresholds, value) {
  if (value === null || value === undefined) return null;
  if (value >= thresholds.good) return "good";
  if (value >= thresholds.fair) return "fair";
  return "below fair";
}

export function encodePath(id, path) {
  return `${id}:${path.map((c) => c + 1).join("-")}`;
}

// ---- Path codes (mirror decode_path and replay's checks in alliance/vignettes/engine.py) -------

/** A path code that cannot be replayed; `step` (1-based) names the step at fault, if one is. */
export class PathCodeError extends Error {
  constructor(message, step = null) {
    super(message);
    this.name = "PathCodeError";
    this.step = step;
  }
}

// Python's str.strip() whitespace and schema.ID_PATTERN, so both languages accept the same codes.
const PY_SPACE = "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const EDGES = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, "g");
const QUOTES = /^['"`]+|['"`]+$/g;
const CODE_RE = new RegExp(`^([^:${PY_SPACE}]+):([^\\n]*)$`);
const ID_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** `<vignette-id>:<1-based choices joined by '-'>` -> {id, choices (0-based)}; else PathCodeError. */
export function decodePath(code) {
  if (typeof code !== "string") throw new PathCodeError("A path code is text, like \u201cvignette-id:2-1-3\u201d.");
  const text = code.replace(EDGES, "").replace(QUOTES, "").replace(EDGES, "");
  const match = CODE_RE.exec(text);
  if (!match) {
    throw new PathCodeError("That is not a path code: it should look like \u201cvignette-id:2-1-3\u201d (the vignette\u2019s id, a colon, then the choice numbers).");
  }
  const [, id, steps] = match;
  if (!ID_RE.test(id)) throw new PathCodeError(`That is not a path code: \u201c${id}\u201d is not a vignette id.`);
  if (steps === "") return { id, choices: [] };
  const choices = steps.split("-").map((part, i) => {
    if (!/^[0-9]+$/.test(part) || Number(part) < 1) {
      throw new PathCodeError(`Step ${i + 1} of that code is \u201c${part}\u201d: each step must be a choice number from 1.`, i + 1);
    }
    return Number(part) - 1;
  });
  return { id, choices };
}

/** Why 0-based `choices` cannot be played through `vignette` ({step, message}), or null. */
export function pathProblem(vignette, choices) {
  let node = vignette.nodes[vignette.start];
  for (let i = 0; i < choices.length; i++) {
    const step = i + 1;
    const choice = choices[i];
    if (!Number.isInteger(choice)) return { step, message: `Step ${step} is not a choice number.` };
    if (node.ending) {
      const extra = choices.length - i;
      return {
        step,
        message: `Step ${step} goes past the end: the conversation ends after step ${i}, but the code has ${extra} more choice${extra === 1 ? "" : "s"}.`,
      };
    }
    const n = node.choices.length;
    if (choice < 0 || choice >= n) {
      return { step, message: `Step ${step} asks for choice ${choice + 1}, but there ${n === 1 ? "is" : "are"} only ${n} choice${n === 1 ? "" : "s"} at that point (1\u2013${n}).` };
    }
    node = vignette.nodes[node.choices[choice].next];
  }
  return null;
}

// ---- Drawing --------------------------------------------------------------------------------

function signed(n) {
  return n > 0 ? `+${n}` : n < 0 ? `\u2212${-n}` : "\u00b10";
}

function cap(word) {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

function meter(state, vocab, effect) {
  const [lo, hi] = vocab.scale;
  const rows = vocab.dimensions.map((dim) => {
    const values = state.trajectory[dim];
    const value = values[values.length - 1];
    const change = effect ? effect[dim] || 0 : null;
    const pct = ((value - lo) / (hi - lo)) * 100;
    const fill = h("span", { class: `av-fill av-dim-${dim}` });
    fill.style.width = `${pct}%`;
    return h(
      "li",
      { class: "av-meter-row", "data-dim": dim, "data-value": value },
      h("span", { class: "av-meter-label" }, cap(dim)),
      h("span", { class: "av-bar", "aria-hidden": "true" }, fill),
      h(
        "span",
        { class: "av-meter-num" },
        `${value} of ${hi}`,
        change === null ? null : h("span", { class: "av-change" }, ` (${signed(change)})`),
      ),
    );
  });
  return h("ul", { class: "av-meter", "aria-label": "Alliance now (0 to 10)" }, rows);
}

function trajectorySvg(state, vocab, titleId) {
  const dims = vocab.dimensions;
  const [lo, hi] = vocab.scale;
  const n = state.steps.length;
  const W = 340, H = 190, L = 34, R = 12, T = 12, B = 34;
  const x = (i) => L + (n === 0 ? 0 : (i / n) * (W - L - R));
  const y = (v) => T + ((hi - v) / (hi - lo)) * (H - T - B);
  const svg = s("svg", {
    class: "av-trajectory",
    viewBox: `0 0 ${W} ${H}`,
    width: W,
    height: H,
    role: "img",
    "aria-labelledby": titleId,
  });
  const summary = dims
    .map((d) => `${d} ${state.trajectory[d][0]} to ${state.trajectory[d][n]}`)
    .join(", ");
  svg.append(s("title", { id: titleId, text: `Alliance over ${n} choices: ${summary}.` }));
  for (const v of [lo, (lo + hi) / 2, hi]) {
    svg.append(s("line", { class: "av-grid", x1: L, x2: W - R, y1: y(v), y2: y(v) }));
    svg.append(s("text", { class: "av-axis-text", x: L - 6, y: y(v) + 4, "text-anchor": "end", text: String(v) }));
  }
  for (let i = 0; i <= n; i++) {
    svg.append(s("text", { class: "av-axis-text", x: x(i), y: H - B + 16, "text-anchor": "middle", text: String(i) }));
  }
  svg.append(s("text", { class: "av-axis-text", x: (L + W - R) / 2, y: H - 4, "text-anchor": "middle", text: "choice" }));
  const dashes = ["", "6 4", "2 3"];
  dims.forEach((dim, k) => {
    const points = state.trajectory[dim].map((v, i) => `${x(i)},${y(v)}`).join(" ");
    const line = s("polyline", { class: `av-line av-dim-${dim}`, points, fill: "none" });
    if (dashes[k]) line.setAttribute("stroke-dasharray", dashes[k]);
    svg.append(line);
    state.trajectory[dim].forEach((v, i) => svg.append(marker(k, x(i), y(v), dim)));
  });
  return svg;
}

function marker(k, cx, cy, dim) {
  const cls = `av-marker av-dim-${dim}`;
  if (k === 0) return s("circle", { class: cls, cx, cy, r: 3.5 });
  if (k === 1) return s("rect", { class: cls, x: cx - 3.5, y: cy - 3.5, width: 7, height: 7 });
  return s("path", { class: cls, d: `M${cx},${cy - 4.5}L${cx + 4.5},${cy + 3.5}L${cx - 4.5},${cy + 3.5}Z` });
}

function legend(vocab) {
  const styles = ["solid line, circles", "dashed line, squares", "dotted line, triangles"];
  return h(
    "ul",
    { class: "av-legend" },
    vocab.dimensions.map((dim, k) => {
      const sample = s("svg", { width: 26, height: 12, "aria-hidden": "true", focusable: "false" });
      const line = s("line", { class: `av-line av-dim-${dim}`, x1: 1, x2: 25, y1: 6, y2: 6 });
      if (k === 1) line.setAttribute("stroke-dasharray", "6 4");
      if (k === 2) line.setAttribute("stroke-dasharray", "2 3");
      sample.append(line, marker(k, 13, 6, dim));
      return h("li", {}, sample, ` ${cap(dim)} (${styles[k] || "line"})`);
    }),
  );
}

function ratingBadge(rating, reason) {
  // Nothing is rated that cannot be rated: say why instead of showing a badge.
  if (!rating) return h("span", { class: "av-rating-absent" }, reason || "");
  return h("span", { class: `av-rating av-rating-${rating.replace(" ", "-")}` }, rating);
}

function fmtRatio(x) {
  return `${x.toFixed(2)} : 1`;
}

function fmtShare(x) {
  return `${(x * 100).toFixed(0)}%`;
}

function scores(state, vocab) {
  const sum = summarise(state.tally, vocab);
  const miti = vocab.miti4;
  const map = vocab.mitiCodes;
  const order = Object.keys(vocab.responseTypes).filter((t) => state.tally[t]);
  const table = h(
    "table",
    { class: "av-tally" },
    h("caption", {}, "Your responses by type"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Response type"), h("th", { scope: "col" }, "Count"))),
    h(
      "tbody",
      {},
      order.map((t) =>
        h("tr", { "data-type": t }, h("th", { scope: "row" }, vocab.responseTypes[t]), h("td", {}, String(state.tally[t]))),
      ),
    ),
  );
  const uncoded = order.filter((t) => !map.byType[t]).reduce((n, t) => n + state.tally[t], 0);
  const codeRows = Object.keys(map.labels)
    .filter((c) => sum.codes[c])
    .map((c) => h("tr", { "data-code": c }, h("th", { scope: "row" }, map.labels[c]), h("td", {}, String(sum.codes[c]))));
  if (uncoded) {
    codeRows.push(h("tr", { "data-code": "" }, h("th", { scope: "row" }, "Not coded in MITI 4"), h("td", {}, String(uncoded))));
  }
  const codeTable = h(
    "table",
    { class: "av-miti-tally" },
    h("caption", {}, "The same responses as MITI 4 codes (MITI 4 has one code for all questions)"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "MITI 4 code"), h("th", { scope: "col" }, "Count"))),
    h("tbody", {}, codeRows),
  );
  const rq = miti.reflection_question_ratio;
  const cr = miti.complex_reflection_share;
  const list = h(
    "dl",
    { class: "av-miti" },
    h("dt", {}, `${rq.label} (${sum.reflections} reflections, ${sum.questions} questions)`),
    h(
      "dd",
      { "data-av": "ratio", "data-value": sum.ratio === null ? "" : String(sum.ratio), "data-rating": sum.ratioRating || "" },
      sum.ratio !== null ? `${fmtRatio(sum.ratio)} ` : null,
      ratingBadge(sum.ratioRating, sum.reasons.ratio),
      h("span", { class: "av-threshold" }, ` MITI 4: fair from ${rq.fair}:1, good from ${rq.good}:1.`),
    ),
    h("dt", {}, cr.label),
    h(
      "dd",
      { "data-av": "share", "data-value": sum.share === null ? "" : String(sum.share), "data-rating": sum.shareRating || "" },
      sum.share !== null ? `${fmtShare(sum.share)} ` : null,
      ratingBadge(sum.shareRating, sum.reasons.share),
      h("span", { class: "av-threshold" }, ` MITI 4: fair from ${cr.fair * 100}%, good from ${cr.good * 100}%. ${cr.caveat || ""}`),
    ),
  );
  return h("div", { class: "av-scores" }, table, codeTable, list);
}

/** The ending's path-aware part: notes for this path, and each choice that cost the alliance. */
function debriefForPath(state, vignette) {
  const parts = [];
  if (state.notes.length) {
    parts.push(h("ul", { class: "av-notes" }, state.notes.map((n) => h("li", {}, n))));
  }
  if (state.errors.length) {
    parts.push(
      h("p", { class: "av-label" }, "On your path, these choices cost the alliance"),
      h(
        "ol",
        { class: "av-errors" },
        state.errors.map((e) => {
          const choice = vignette.nodes[e.nodeId].choices[e.choice];
          return h(
            "li",
            { "data-step": e.step, "data-repaired": e.repaired ? "true" : "false" },
            `Choice ${e.step}: \u201c${choice.therapist}\u201d `,
            h("span", { class: "av-error-status" }, e.repaired ? "(repaired later on your path)" : "(not repaired)"),
          );
        }),
      ),
    );
  }
  return parts;
}

function trajectoryTable(state, vocab) {
  const n = state.steps.length;
  const rows = [];
  for (let i = 0; i <= n; i++) {
    rows.push(
      h(
        "tr",
        {},
        h("th", { scope: "row" }, i === 0 ? "Start" : `After choice ${i}`),
        vocab.dimensions.map((d) => h("td", {}, String(state.trajectory[d][i]))),
      ),
    );
  }
  return h(
    "details",
    { class: "av-details" },
    h("summary", {}, "Trajectory as a table"),
    h(
      "table",
      { class: "av-traj-table" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Point"), vocab.dimensions.map((d) => h("th", { scope: "col" }, cap(d))))),
      h("tbody", {}, rows),
    ),
  );
}

// ---- Practice kept in the reader's browser, and replaying a code ------------------------------

/**
 * The book's practice record (static/practice.js in the book; absent in Jupyter, where the
 * notebook keeps the path). Graded vignettes never resume: the answer is what the student plays.
 */
function practiceStore(model) {
  const store = globalThis.alliancePractice;
  return store && !model.get("graded") ? store : null;
}

function endingIds(vignette) {
  return Object.keys(vignette.nodes).filter((id) => vignette.nodes[id].ending);
}

/** The path code in the page address (#<id>:1-3-2) when it is for this vignette. */
function codeInAddress(id) {
  let hash = "";
  try {
    hash = decodeURIComponent(globalThis.location ? location.hash.slice(1) : "");
  } catch (err) {
    return null;
  }
  return hash.startsWith(`${id}:`) ? hash : null;
}

function replayBox(uid, id, onReplay) {
  const input = h("input", {
    type: "text",
    class: "av-paste-input",
    id: `${uid}-paste`,
    spellcheck: "false",
    autocomplete: "off",
  });
  const message = h("p", { class: "av-replay-message", role: "status" });
  const replay = () => onReplay(input.value, false);
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      replay();
    }
  });
  const box = h(
    "details",
    { class: "av-details av-replay" },
    h("summary", {}, "Replay a path code"),
    h("label", { for: `${uid}-paste`, class: "av-label" }, `Paste a path code for this vignette (it starts \u201c${id}:\u201d)`),
    h("div", { class: "av-code-row" }, input, h("button", { type: "button", class: "av-button av-replay-button", onclick: replay }, "Replay")),
    message,
  );
  return { box, input, message };
}

// ---- The widget -------------------------------------------------------------------------------

function render({ model, el }) {
  const uid = `av-${++instances}-${Math.random().toString(36).slice(2, 7)}`;
  const root = h("section", { class: "alliance-vignette", "aria-labelledby": `${uid}-title` });
  const live = h("div", { class: "av-sr-only", "aria-live": "polite", "aria-atomic": "true" });
  const body = h("div", { class: "av-body" });
  const store = practiceStore(model);
  const first = model.get("vignette");
  const replay = replayBox(uid, first.id, replayCode);
  root.append(body, replay.box, live);
  el.append(root);

  let focusTarget = null;
  const found = new Set(); // ending node ids this reader has reached
  const saved = store ? store.get("vignettes", first.id) : null;
  for (const id of (saved && Array.isArray(saved.endings) && saved.endings) || []) {
    if (first.nodes[id] && first.nodes[id].ending) found.add(id);
  }
  if (store) store.notice(el.firstChild);
  const resumable = saved && Array.isArray(saved.path) && pathProblem(first, saved.path) === null;
  if (resumable && !(model.get("path") || []).length && !codeInAddress(first.id)) {
    model.set("path", saved.path);
    model.save_changes();
  }

  /** Note the ending the current path reaches; returns the played path. */
  function noteEnding() {
    const state = play(model.get("vignette"), model.get("vocabulary"), model.get("path") || []);
    if (state.ending) found.add(state.ending);
    return state.path;
  }

  /** Keep the reader's path and the endings found (in the book's practice record, if any). */
  function remember() {
    const path = noteEnding();
    if (store) store.update("vignettes", model.get("vignette").id, { path, endings: [...found] }, root);
  }

  function replayCode(code, fromAddress) {
    const vignette = model.get("vignette");
    let problem = null;
    let choices = [];
    try {
      const decoded = decodePath(code);
      choices = decoded.choices;
      if (decoded.id !== vignette.id) {
        problem = `That code is for the vignette \u201c${decoded.id}\u201d; this one is \u201c${vignette.id}\u201d.`;
      } else {
        problem = (pathProblem(vignette, choices) || {}).message || null;
      }
    } catch (err) {
      if (!(err instanceof PathCodeError)) throw err;
      problem = err.message;
    }
    replay.message.dataset.state = problem ? "error" : "ok";
    if (fromAddress) replay.box.open = true;
    if (problem) {
      replay.message.textContent = problem;
      if (!fromAddress) replay.input.focus();
    } else {
      const code = encodePath(vignette.id, choices);
      replay.message.textContent = `Replayed ${code} (${choices.length} choice${choices.length === 1 ? "" : "s"}).`;
      setPath(choices, "current", `Replayed the conversation to choice ${choices.length}.`);
    }
    if (fromAddress) root.scrollIntoView({ block: "start" });
  }

  function announce(text) {
    live.textContent = "";
    // A fresh text node after a tick makes screen readers announce repeated text too.
    setTimeout(() => {
      live.textContent = text;
    }, 50);
  }

  function setPath(path, focus, message) {
    focusTarget = focus;
    model.set("path", path);
    model.save_changes();
    if (focusTarget !== null) draw(); // the change:path handler has not drawn it yet
    if (message) announce(message);
  }

  function draw() {
    const vignette = model.get("vignette");
    const vocab = model.get("vocabulary");
    const graded = model.get("graded");
    const state = play(vignette, vocab, model.get("path") || []);
    const code = encodePath(vignette.id, state.path);
    const name = vignette.client.name;
    body.replaceChildren();

    body.append(
      h(
        "div",
        { class: "av-header" },
        h("p", { class: "av-kicker" }, "Role-play"),
        h("p", { class: "av-title", id: `${uid}-title` }, vignette.title),
        h("p", { class: "av-progress" }, `${found.size} of ${endingIds(vignette).length} endings found`),
      ),
      h(
        "details",
        { class: "av-details av-about" },
        h("summary", {}, `About ${name} and what to practise`),
        h("p", {}, vignette.client.background),
        h("p", { class: "av-label" }, "You will practise:"),
        h("ul", {}, vignette.objectives.map((o) => h("li", {}, o))),
      ),
    );

    // The conversation so far (every line before the current client line).
    const log = h("ol", { class: "av-log", "aria-label": "Conversation so far" });
    state.steps.forEach((step) => {
      const node = vignette.nodes[step.nodeId];
      if (node.client) log.append(h("li", { class: "av-turn av-turn-client" }, h("span", { class: "av-speaker" }, `${name}: `), node.client));
      log.append(
        h(
          "li",
          { class: "av-turn av-turn-therapist" },
          h("span", { class: "av-speaker" }, `You (${vocab.responseTypes[step.picked.type]}): `),
          step.picked.therapist,
        ),
      );
    });
    if (state.steps.length) body.append(log);

    // Feedback on the last choice, with the meter.
    const last = state.steps[state.steps.length - 1];
    let feedbackPanel = null;
    if (last) {
      const from = vignette.nodes[last.nodeId];
      feedbackPanel = h(
        "div",
        { class: "av-panel av-feedback", tabindex: "-1", "aria-labelledby": `${uid}-fb` },
        h("p", { class: "av-label", id: `${uid}-fb` }, `Feedback on your ${vocab.responseTypes[last.picked.type].toLowerCase()}`),
        h("p", { class: "av-feedback-text" }, last.picked.feedback),
        from.rupture ? h("p", { class: "av-rupture" }, `${cap(from.rupture)} rupture marker in ${name}'s last line.`) : null,
        meter(state, vocab, last.picked.effect),
      );
      body.append(feedbackPanel);
    } else {
      body.append(h("div", { class: "av-panel av-start-meter" }, h("p", { class: "av-label" }, "Alliance at the start"), meter(state, vocab, null)));
    }

    // The current client line, then the choices or the ending.
    const node = state.node;
    const current = h("div", { class: "av-current", tabindex: "-1" });
    if (node.client) {
      current.append(h("p", { class: "av-client-line" }, h("span", { class: "av-speaker" }, `${name}: `), node.client));
    }
    if (node.cue) current.append(h("p", { class: "av-cue" }, h("span", { class: "av-cue-label" }, "Cue: "), node.cue));
    body.append(current);

    let endingPanel = null;
    if (!node.ending) {
      const prompt = h("p", { class: "av-label", id: `${uid}-prompt` }, "How do you respond?");
      const group = h("div", { class: "av-choices", role: "group", "aria-labelledby": `${uid}-prompt` });
      node.choices.forEach((choice, i) => {
        group.append(
          h(
            "button",
            {
              type: "button",
              class: "av-choice",
              "data-choice": i,
              onclick: () => {
                const next = vignette.nodes[choice.next];
                const said = next.client ? ` ${name} says: ${next.client}` : "";
                const end = next.ending ? ` Ending: ${vocab.outcomes[next.ending.outcome]}.` : "";
                setPath([...state.path, i], "feedback", `Feedback: ${choice.feedback}${said}${end}`);
              },
            },
            h("span", { class: "av-choice-num" }, `${i + 1}.`),
            " ",
            choice.therapist,
          ),
        );
      });
      body.append(prompt, group);
    } else {
      endingPanel = h(
        "div",
        { class: "av-panel av-ending", "data-outcome": node.ending.outcome },
        h("p", { class: "av-label" }, "Ending: ", h("span", { class: "av-outcome" }, vocab.outcomes[node.ending.outcome])),
        h("p", { class: "av-debrief" }, node.ending.debrief),
        debriefForPath(state, vignette),
        scores(state, vocab),
        h("p", { class: "av-label" }, "The alliance over the conversation"),
        trajectorySvg(state, vocab, `${uid}-traj`),
        legend(vocab),
        trajectoryTable(state, vocab),
      );
      body.append(endingPanel);
    }

    // Controls and the path code.
    const atStart = state.path.length === 0;
    body.append(
      h(
        "div",
        { class: "av-controls" },
        h(
          "button",
          {
            type: "button",
            class: "av-button av-back",
            disabled: atStart,
            onclick: () => setPath(state.path.slice(0, -1), "current", `Stepped back. ${name} says: ${vignette.nodes[state.steps[state.steps.length - 1].nodeId].client || ""}`),
          },
          "Step back",
        ),
        h(
          "button",
          {
            type: "button",
            class: "av-button av-restart",
            disabled: atStart,
            onclick: () => setPath([], "current", `Restarted. ${name} says: ${vignette.nodes[vignette.start].client || ""}`),
          },
          "Restart",
        ),
      ),
    );
    const status = h("span", { class: "av-copy-status", "aria-live": "polite" });
    const input = h("input", {
      type: "text",
      class: "av-code-input",
      id: `${uid}-code`,
      readonly: true,
      value: code,
      spellcheck: "false",
      "aria-describedby": graded ? `${uid}-code-help` : null,
    });
    input.value = code;
    const copy = h(
      "button",
      {
        type: "button",
        class: "av-button av-copy",
        onclick: async () => {
          try {
            await navigator.clipboard.writeText(code);
            status.textContent = "Copied.";
          } catch (err) {
            input.focus();
            input.select();
            status.textContent = "Selected: press Ctrl+C (Cmd+C on a Mac) to copy.";
          }
        },
      },
      "Copy code",
    );
    body.append(
      h(
        "div",
        { class: graded ? "av-code av-code-graded" : "av-code" },
        h("label", { for: `${uid}-code`, class: "av-label" }, graded ? "Your answer code" : "Path code (replays this conversation)"),
        graded
          ? h(
              "p",
              { class: "av-code-help", id: `${uid}-code-help` },
              "Play to an ending, then paste this code into the answer cell below. Your clicks are not saved when the notebook is graded; the code is.",
            )
          : null,
        h("div", { class: "av-code-row" }, input, copy, status),
      ),
    );

    if (focusTarget === "feedback" && feedbackPanel) feedbackPanel.focus();
    else if (focusTarget === "current") current.focus();
    focusTarget = null;
  }

  noteEnding();
  draw();
  const redraw = () => draw();
  const onPath = () => {
    remember();
    draw();
  };
  const onAddress = () => {
    const code = codeInAddress(model.get("vignette").id);
    if (code) replayCode(code, true);
  };
  model.on("change:path", onPath);
  model.on("change:vignette", redraw);
  model.on("change:graded", redraw);
  globalThis.addEventListener?.("hashchange", onAddress);
  onAddress();
  return () => {
    model.off("change:path", onPath);
    model.off("change:vignette", redraw);
    model.off("change:graded", redraw);
    globalThis.removeEventListener?.("hashchange", onAddress);
  };
}

export default { render };
