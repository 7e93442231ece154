// Small DOM helpers shared by the views. Everything is built with elements and textContent:
// no HTML strings, so nothing the server or a user typed can become markup.
import { t } from "./i18n.js";

/** h("button", {class: "btn", onclick: fn, type: "button"}, "text", child…) */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "value" && "value" in el) el.value = value;
    else if (key === "checked" || key === "selected" || key === "disabled" || key === "hidden" || key === "multiple") {
      el[key] = Boolean(value);
    } else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

let fieldSeq = 0;

/**
 * A labelled form control with a slot for its error underneath.
 * spec: {name, label, type ("text", "password", "select", "textarea", "file", "search"…),
 *        value, options: [[value, label]…], required, hint, placeholder, autocomplete, inputmode, accept}
 */
export function field(spec) {
  fieldSeq += 1;
  const id = `f-${spec.name}-${fieldSeq}`;
  const errorId = `${id}-error`;
  const hintId = spec.hint ? `${id}-hint` : null;
  let control;
  const common = {
    id,
    name: spec.name,
    required: spec.required,
    "aria-describedby": [hintId, errorId].filter(Boolean).join(" "),
    autocomplete: spec.autocomplete,
    disabled: spec.disabled,
  };
  if (spec.type === "select") {
    control = h("select", common, optionsFor(spec.options || [], spec.value, spec.placeholder));
  } else if (spec.type === "textarea") {
    control = h("textarea", { ...common, rows: spec.rows || 3, placeholder: spec.placeholder });
    control.value = spec.value ?? "";
  } else {
    control = h("input", {
      ...common,
      type: spec.type || "text",
      placeholder: spec.placeholder,
      inputmode: spec.inputmode,
      accept: spec.accept,
      maxlength: spec.maxlength,
      minlength: spec.minlength,
      enterkeyhint: spec.enterkeyhint,
    });
    if (spec.type !== "file") control.value = spec.value ?? "";
  }
  const wrapper = h(
    "div",
    { class: "field", dataset: { field: spec.name } },
    h("label", { for: id, class: spec.labelHidden ? "sr-only" : null }, spec.label,
      spec.required ? h("span", { class: "req", "aria-hidden": "true" }, " *") : null),
    control,
    spec.hint ? h("p", { class: "hint", id: hintId }, spec.hint) : null,
    h("p", { class: "field-error", id: errorId, hidden: true }),
  );
  wrapper.control = control;
  return wrapper;
}

/** <option>s from [[value, label], …], with an optional first empty choice. */
export function optionsFor(options, selected, placeholder) {
  const list = [];
  if (placeholder !== undefined) list.push(h("option", { value: "" }, placeholder));
  for (const [value, label] of options) {
    list.push(h("option", { value: String(value), selected: String(value) === String(selected ?? "") }, label));
  }
  return list;
}

export function setOptions(select, options, selected, placeholder) {
  clear(select);
  append(select, optionsFor(options, selected, placeholder));
  if (selected !== undefined && selected !== null) select.value = String(selected);
}

function messageOf(value) {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.map(messageOf).join("；");
  if (typeof value === "object") return Object.values(value).map(messageOf).join("；");
  return String(value);
}

/** The form-level alert box of a form (made on first use, at the top of the form). */
function alertBox(form) {
  let box = form.querySelector(":scope > .form-alert");
  if (!box) {
    box = h("div", { class: "form-alert", role: "alert", tabindex: "-1", hidden: true });
    form.prepend(box);
  }
  return box;
}

export function clearErrors(form) {
  for (const slot of form.querySelectorAll(".field-error")) {
    slot.hidden = true;
    slot.textContent = "";
  }
  for (const control of form.querySelectorAll("[aria-invalid]")) control.removeAttribute("aria-invalid");
  const box = alertBox(form);
  box.hidden = true;
  clear(box);
}

/**
 * Show an ApiError on a form: each field's message under its field, the rest (and the overall
 * message) in the alert at the top. Nothing the user typed is touched.
 */
export function showErrors(form, error, extraItems = []) {
  clearErrors(form);
  const leftovers = [];
  for (const [name, value] of Object.entries(error.fields || {})) {
    const wrapper = form.querySelector(`.field[data-field="${CSS.escape(name)}"]`);
    if (wrapper) {
      const slot = wrapper.querySelector(".field-error");
      slot.textContent = messageOf(value);
      slot.hidden = false;
      wrapper.control?.setAttribute("aria-invalid", "true");
    } else {
      leftovers.push(messageOf(value));
    }
  }
  const box = alertBox(form);
  append(box, [h("p", { class: "form-alert-title" }, error.message || t("error.generic"))]);
  const items = [...leftovers.filter(Boolean), ...extraItems];
  if (items.length) box.append(h("ul", { class: "error-list" }, items.map((item) => h("li", {}, item))));
  box.hidden = false;
  const firstInvalid = form.querySelector("[aria-invalid='true']");
  (firstInvalid || box).focus({ preventScroll: false });
}

/**
 * Wire a form: on submit, clear errors, run `action(values, form)`; on failure show the errors
 * and keep every value. The submit buttons are disabled while the request runs.
 */
export function onSubmit(form, action) {
  form.noValidate = true;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (form.dataset.busy === "1") return;
    clearErrors(form);
    const invalid = localValidation(form);
    if (invalid) return;
    form.dataset.busy = "1";
    const buttons = [...form.querySelectorAll("button[type=submit]"), ...submitButtonsOutside(form)];
    buttons.forEach((b) => { b.disabled = true; });
    try {
      await action(values(form), form);
    } catch (error) {
      if (error && error.name === "ApiError") showErrors(form, error, rowItems(error));
      else {
        showErrors(form, { message: t("error.generic"), fields: {} });
        console.error(error);
      }
    } finally {
      form.dataset.busy = "";
      buttons.forEach((b) => { b.disabled = false; });
    }
  });
}

function submitButtonsOutside(form) {
  return form.id ? [...document.querySelectorAll(`button[type=submit][form="${CSS.escape(form.id)}"]`)] : [];
}

function rowItems(error) {
  return (error.rows || []).map((row) => t("import.row", { row: row.row, message: row.message }));
}

/** Required fields checked before sending, with the same look as the server's field errors. */
function localValidation(form) {
  const fields = {};
  for (const control of form.querySelectorAll("[required]")) {
    if (control.matches(":disabled")) continue;
    const empty = control.type === "file" ? control.files.length === 0 : !String(control.value).trim();
    if (empty) fields[control.name] = t("form.required");
  }
  if (Object.keys(fields).length) {
    showErrors(form, { message: t("form.fix"), fields });
    return true;
  }
  return false;
}

/** The form's values by name: strings, trimmed; files as File; checkboxes grouped by name. */
export function values(form) {
  const out = {};
  for (const control of form.elements) {
    if (!control.name || control.matches(":disabled")) continue;
    if (control.type === "file") out[control.name] = control.files[0] || null;
    else if (control.type === "checkbox") {
      out[control.name] = out[control.name] || [];
      if (control.checked) out[control.name].push(control.value);
    } else out[control.name] = control.value.trim();
  }
  return out;
}

/** "" → null, digits → number: for optional id selects. */
export function idOrNull(value) {
  return value === "" || value === undefined || value === null ? null : Number(value);
}

export function orNull(value) {
  return value === "" || value === undefined ? null : value;
}

export function button(label, props = {}) {
  return h("button", { type: "button", class: "btn", ...props }, label);
}

export function link(label, href, props = {}) {
  return h("a", { href, ...props }, label);
}

/** A bar stuck to the bottom of the screen, above the tab bar: where primary actions go. */
export function actionBar(...children) {
  return h("div", { class: "actionbar" }, children);
}

export function loading() {
  return h("p", { class: "loading", role: "status" }, t("common.loading"));
}

export function emptyState(text) {
  return h("p", { class: "empty" }, text);
}

/** A failed load: the message and a retry button. */
export function errorBlock(error, retry) {
  return h(
    "div",
    { class: "error-block", role: "alert" },
    h("p", {}, error?.message || t("error.generic")),
    retry ? button(t("common.retry"), { onclick: retry }) : null,
  );
}

export function badge(text, kind = "") {
  return h("span", { class: `badge ${kind}`.trim() }, text);
}

/** Previous / next with "第 2 / 5 页". onGo(page). */
export function pager({ page, per_page: perPage, total }, onGo) {
  const pages = Math.max(1, Math.ceil(total / perPage));
  if (pages <= 1) return h("p", { class: "pager-total" }, t("pager.total", { total }));
  return h(
    "nav",
    { class: "pager", "aria-label": t("pager.label") },
    button(t("pager.prev"), { disabled: page <= 1, onclick: () => onGo(page - 1) }),
    h("span", { class: "pager-status" }, t("pager.status", { page, pages, total })),
    button(t("pager.next"), { disabled: page >= pages, onclick: () => onGo(page + 1) }),
  );
}

let toastTimer = null;

export function toast(message) {
  const el = document.getElementById("toast");
  if (!el) return;
  el.textContent = message;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.hidden = true; }, 3500);
}

/** A modal yes/no question; resolves true when confirmed. */
export function confirmDialog(message, { ok = t("common.ok"), cancel = t("common.cancel"), danger = false } = {}) {
  return new Promise((resolve) => {
    const okButton = h("button", { type: "button", class: danger ? "btn danger" : "btn primary", value: "ok" }, ok);
    const cancelButton = h("button", { type: "button", class: "btn", value: "cancel" }, cancel);
    const dialog = h(
      "dialog",
      { class: "dialog", "aria-labelledby": "dialog-message" },
      h("p", { id: "dialog-message", class: "dialog-message" }, message),
      h("div", { class: "dialog-actions" }, cancelButton, okButton),
    );
    const finish = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    okButton.addEventListener("click", () => finish(true));
    cancelButton.addEventListener("click", () => finish(false));
    dialog.addEventListener("cancel", (event) => { event.preventDefault(); finish(false); });
    document.body.append(dialog);
    dialog.showModal();
    cancelButton.focus();
  });
}

/**
 * A screen heading with an optional short intro line. When the heading says what the app bar
 * already says, it is kept for screen readers only, so small screens do not show it twice.
 */
export function heading(text, intro) {
  const same = document.getElementById("app-title")?.textContent === text;
  const title = h("h2", { class: same ? "view-title sr-only" : "view-title", tabindex: "-1" }, text);
  return intro ? [title, h("p", { class: "intro" }, intro)] : [title];
}

/**
 * The filter bar of a list: a search box with its button, then selects that apply at once.
 * onApply(values) gets the form's values whenever the search is sent or a select changes.
 */
export function filterBar(searchSpec, selectSpecs, onApply) {
  const search = searchSpec ? field({ type: "search", enterkeyhint: "search", labelHidden: true, ...searchSpec }) : null;
  const selects = selectSpecs.map((spec) => field({ type: "select", labelHidden: true, ...spec }));
  const form = h("form", { class: "filters", role: "search" },
    search ? h("div", { class: "search-row" }, search, h("button", { type: "submit", class: "btn" }, t("common.search"))) : null,
    selects.length ? h("div", { class: `filter-row cols-${Math.min(selects.length, 3)}` }, selects) : null);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    onApply(values(form));
  });
  for (const select of selects) select.control.addEventListener("change", () => onApply(values(form)));
  return form;
}

/** Keep a hash query in step with a filter form: "#/points?type=window&page=2". */
export function hashWith(path, query) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(key, value);
  }
  const text = params.toString();
  return `#${path}${text ? `?${text}` : ""}`;
}

/** Go to a screen; going to the current one renders it again. */
export function navigate(hash) {
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = hash;
}

const lastLists = new Map();

/** A list screen notes where it is (filters, page) so its detail screens can return there. */
export function rememberList(key) {
  lastLists.set(key, location.hash);
}

export function lastList(key, fallback) {
  return lastLists.get(key) || fallback;
}
