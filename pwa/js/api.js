// The one way the app talks to the server: JSON under /api/v1, the session cookie, and the
// CSRF token (from the login or GET /me answer) on every write.
import { getLanguage, t } from "./i18n.js";

const BASE = "/api/v1";
const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

let csrfToken = null;
let onUnauthorized = () => {};

export function setCsrfToken(token) {
  csrfToken = token || null;
}

/** Called with the failed request's path whenever the server answers 401. */
export function setUnauthorizedHandler(handler) {
  onUnauthorized = handler;
}

/** What a refused or failed request becomes: the server's message, its field errors, rows. */
export class ApiError extends Error {
  constructor(status, code, message, fields = {}, extra = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.fields = fields || {};
    this.extra = extra || {};
    this.rows = Array.isArray(extra.rows) ? extra.rows : [];
  }

  /** True when the request never got an answer (offline, server down, timeout). */
  get isNetwork() {
    return this.status === 0;
  }
}

function buildUrl(path, query) {
  const url = new URL(BASE + path, location.origin);
  if (query) {
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, value);
    }
  }
  return url.pathname + url.search;
}

async function readError(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const error = body && body.error ? body.error : {};
  const { code, message, fields, ...extra } = error;
  const fallback = t(`error.status.${response.status}`, {}, "") || t("error.unknown", { status: response.status });
  // The server speaks Chinese; in English, known refusals are translated, the rest shown as sent.
  const translated = getLanguage() === "en"
    ? t(`error.code.${code}`, {}, "") || t(`error.status.${response.status}`, {}, "")
    : "";
  return new ApiError(response.status, code || `http_${response.status}`, translated || message || fallback,
    fields || {}, extra);
}

/**
 * request("POST", "/points", {body: {...}}) → the parsed JSON answer (or null for 204).
 * Options: query (object), body (JSON), form (FormData), noAuthRedirect (don't go to the login
 * screen on 401, for the login call itself).
 */
export async function request(method, path, options = {}) {
  const headers = { Accept: "application/json" };
  let body;
  if (options.form) {
    body = options.form;
  } else if (options.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.body);
  }
  if (!SAFE.has(method) && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  let response;
  try {
    response = await fetch(buildUrl(path, options.query), {
      method,
      headers,
      body,
      credentials: "same-origin",
      cache: "no-store",
    });
  } catch {
    throw new ApiError(0, "network", t(navigator.onLine ? "error.network" : "error.offline"));
  }
  if (response.status === 401 && !options.noAuthRedirect) {
    const error = await readError(response);
    setCsrfToken(null);
    onUnauthorized(path);
    throw error;
  }
  if (!response.ok) throw await readError(response);
  if (response.status === 204) return null;
  const type = response.headers.get("Content-Type") || "";
  return type.includes("json") ? response.json() : response.text();
}

export const api = {
  get: (path, query, options = {}) => request("GET", path, { ...options, query }),
  post: (path, body, options = {}) => request("POST", path, { ...options, body }),
  patch: (path, body, options = {}) => request("PATCH", path, { ...options, body }),
  del: (path, options = {}) => request("DELETE", path, options),
  upload: (path, form, options = {}) => request("POST", path, { ...options, form }),
};

/** Every item of a list endpoint, page by page (200 a page, at most `maxPages` pages). */
export async function fetchAll(path, query = {}, maxPages = 25) {
  const items = [];
  for (let page = 1; page <= maxPages; page += 1) {
    const answer = await api.get(path, { ...query, page, per_page: 200 });
    items.push(...answer.items);
    if (items.length >= answer.total || answer.items.length === 0) break;
  }
  return items;
}
