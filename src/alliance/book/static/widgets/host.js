// The Working Alliance: a static anywidget host for the built book (no kernel, no widget manager).
//
// Why: a page only needs to run each widget's ES module with its saved state. The build
// (alliance/book/widgets.py) leaves in the page the widget state (application/vnd.jupyter.widget-
// state+json, module sources moved to files next to this one) and, for each widget output, a
// <div data-anywidget-view data-model-id> holding a server-rendered view. This module imports
// each widget's module and calls its render({model, el}) exactly as anywidget does in Jupyter,
// with a model that has anywidget's API: get, set, on, off, save_changes, send, widget_manager.
// There is no kernel: save_changes keeps the change in the page, send is a quiet no-op.
// The host knows nothing about any particular widget.

const STATE_TYPE = "application/vnd.jupyter.widget-state+json";
const modules = new Map(); // url or source -> Promise<widget definition>
const models = new Map(); // model id -> Promise<Model>
const inlineStyles = new Set();
let savedState = null;

function same(a, b) {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/** The model a widget's render() receives: anywidget's model API over the saved state. */
class Model {
  #state;
  #listeners = new Map(); // event name -> [{callback, context}]

  constructor(state) {
    this.#state = { ...state };
  }

  get(name) {
    return this.#state[name];
  }

  set(name, value) {
    if (same(this.#state[name], value)) return;
    this.#state[name] = value;
    this.#emit(`change:${name}`, this, value);
    this.#emit("change", this);
  }

  on(names, callback, context) {
    for (const name of String(names).split(/\s+/).filter(Boolean)) {
      if (!this.#listeners.has(name)) this.#listeners.set(name, []);
      this.#listeners.get(name).push({ callback, context });
    }
  }

  off(names, callback) {
    const keys = names ? String(names).split(/\s+/).filter(Boolean) : [...this.#listeners.keys()];
    for (const name of keys) {
      const kept = callback ? (this.#listeners.get(name) || []).filter((l) => l.callback !== callback) : [];
      if (kept.length) this.#listeners.set(name, kept);
      else this.#listeners.delete(name);
    }
  }

  /** Nothing to sync with: the change already lives in this page's model. */
  save_changes() {}

  /** No kernel receives custom messages in a static page; dropped without a sound. */
  send(content, callbacks, buffers) {}

  get widget_manager() {
    return { get_model: (id) => modelFor(id) };
  }

  #emit(name, ...args) {
    for (const { callback, context } of [...(this.#listeners.get(name) || [])]) {
      callback.apply(context, args);
    }
  }
}

function readState() {
  if (savedState === null) {
    const script = document.querySelector(`script[type="${STATE_TYPE}"]`);
    savedState = script ? JSON.parse(script.textContent).state || {} : {};
  }
  return savedState;
}

function modelFor(id) {
  if (!models.has(id)) {
    const saved = readState()[id];
    models.set(
      id,
      saved ? Promise.resolve(new Model(saved.state || {})) : Promise.reject(new Error(`no saved state for model ${id}`)),
    );
  }
  return models.get(id);
}

function addStylesheet(state) {
  if (state._css_file) {
    const href = new URL(state._css_file, import.meta.url).href;
    if (![...document.styleSheets].some((sheet) => sheet.href === href)) {
      document.head.append(Object.assign(document.createElement("link"), { rel: "stylesheet", href }));
    }
  } else if (state._css && !inlineStyles.has(state._css)) {
    inlineStyles.add(state._css);
    document.head.append(Object.assign(document.createElement("style"), { textContent: state._css }));
  }
}

/** The widget definition ({initialize?, render?}) exported by the model's module. */
function definitionFor(state) {
  let url;
  if (state._esm_file) url = new URL(state._esm_file, import.meta.url).href;
  else if (typeof state._esm === "string" && /^https?:\/\//.test(state._esm)) url = state._esm;
  else if (typeof state._esm === "string") url = URL.createObjectURL(new Blob([state._esm], { type: "text/javascript" }));
  else return Promise.reject(new Error("the model has no ES module"));
  const key = state._esm_file || state._esm;
  if (!modules.has(key)) {
    modules.set(
      key,
      import(url).then(async (mod) => {
        let definition = mod.default ?? mod;
        if (typeof definition === "function") definition = await definition();
        return definition;
      }),
    );
  }
  return modules.get(key);
}

const initialised = new WeakSet();
const experimental = { invoke: () => Promise.reject(new Error("no kernel in a static page")) };

async function renderView(container) {
  container.dataset.anywidgetView = "loading";
  const model = await modelFor(container.dataset.modelId);
  const state = { _esm: model.get("_esm"), _esm_file: model.get("_esm_file"), _css: model.get("_css"), _css_file: model.get("_css_file") };
  addStylesheet(state);
  const definition = await definitionFor(state);
  if (!initialised.has(model)) {
    initialised.add(model);
    if (definition.initialize) await definition.initialize({ model, experimental });
  }
  if (!definition.render) throw new Error("the module exports no render()");
  const el = document.createElement("div");
  el.className = "anywidget-live";
  for (const cls of model.get("_dom_classes") || []) el.classList.add(cls);
  container.append(el);
  // Rendered synchronously into the same frame as hiding the static view: no flash, no jump.
  const rendering = definition.render({ model, el, experimental });
  container.dataset.anywidgetView = "rendered";
  await rendering; // render() may be async; its returned clean-up is not needed in a static page
}

function renderAll() {
  for (const container of document.querySelectorAll('[data-anywidget-view=""]')) {
    renderView(container).catch((error) => {
      container.dataset.anywidgetView = "failed";
      const note = document.createElement("p");
      note.className = "anywidget-error";
      note.setAttribute("role", "status");
      note.textContent = "This interactive widget could not start; its static view is shown instead.";
      container.append(note);
      console.error("anywidget host:", error);
    });
  }
}

renderAll();
if (document.readyState === "loading") {
  document.addEventListener("readystatechange", renderAll, { once: true });
}

export { Model, renderAll };
