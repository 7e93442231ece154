// The sync engine. Replays the outbox on app start, when the app becomes visible, on `online`, on a
// backoff timer and from the 立即同步 button (the Background Sync API is missing on iOS and
// `online` does not always fire). Only one tab syncs at a time (Web Locks). Network errors, 408,
// 423, 429 and 5xx are retried with backoff; any other refusal goes to "needs attention".
// A session that expired offline: the queue waits for the next login and is sent only under the
// same user.
import { clearStore, getMeta, put, record, records, saveRecords, setMeta, update } from "./db.js";
import { changed, items, photo as storedPhoto, setState } from "./outbox.js";

const BASE = "/api/v1";
const CHUNK = 1024 * 1024; // the server keeps every byte that arrives, so a cut chunk is not lost
const BATCH = 100;
const RETRY_STATUSES = new Set([408, 423, 429]);
const MIN_BACKOFF = 5_000;
const MAX_BACKOFF = 5 * 60_000;

const listeners = new Set();
export const status = { running: false, phase: "idle", done: 0, total: 0, message: "", needsLogin: false,
  lastSync: null, error: null };

export function onSyncStatus(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function report(patch) {
  Object.assign(status, patch);
  listeners.forEach((fn) => { try { fn(status); } catch (error) { console.error(error); } });
}

class HttpError extends Error {
  constructor(status, body) {
    super((body && body.error && body.error.message) || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }

  get retryable() {
    return this.status === 0 || RETRY_STATUSES.has(this.status) || this.status >= 500;
  }
}

async function call(method, path, { json, body, headers = {}, csrf } = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers }, credentials: "same-origin", cache: "no-store" };
  if (json !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(json);
  } else if (body !== undefined) init.body = body;
  if (csrf && method !== "GET" && method !== "HEAD") init.headers["X-CSRF-Token"] = csrf;
  let response;
  try {
    response = await fetch(BASE + path, init);
  } catch {
    throw new HttpError(0, null);
  }
  let data = null;
  if (method !== "HEAD") {
    try { data = await response.json(); } catch { data = null; }
  }
  if (!response.ok) throw new HttpError(response.status, data);
  return { data, response };
}

// --- who is asking ------------------------------------------------------------------------

async function whoAmI() {
  const { data } = await call("GET", "/me");
  if (!data || !data.csrf_token) throw new HttpError(401, null);
  return data;
}

// --- photos -------------------------------------------------------------------------------

async function uploadPhoto(uuidValue, csrf) {
  const photo = await storedPhoto(uuidValue);
  if (!photo) return "missing";
  if (photo.received >= photo.size && photo.done) return "done";
  let offset = 0;
  if (photo.tried) { // a try before may have been cut: ask how much the server holds
    try {
      const { response } = await call("HEAD", `/uploads/${uuidValue}`);
      offset = Number(response.headers.get("Upload-Offset") || 0);
    } catch (error) {
      if (error.status !== 404) throw error;
    }
  } else {
    await update("photos", uuidValue, (row) => row && { ...row, tried: true });
  }
  while (offset < photo.size) {
    const end = Math.min(offset + CHUNK, photo.size);
    try {
      const { data } = await call("PUT", `/uploads/${uuidValue}`, {
        body: photo.blob.slice(offset, end), csrf,
        headers: { "Content-Range": `bytes ${offset}-${end - 1}/${photo.size}`, "Content-Type": "application/octet-stream" },
      });
      offset = data.received;
      if (data.state === "rejected") break;
    } catch (error) {
      if (error.status === 409 && error.body && typeof error.body.received === "number") {
        offset = error.body.received; // the server holds this much: go on from there
        continue;
      }
      throw error;
    }
  }
  await update("photos", uuidValue, (row) => row && { ...row, received: offset, done: offset >= photo.size });
  return "done";
}

// --- push ---------------------------------------------------------------------------------

function backoff(tries) {
  return Math.min(MAX_BACKOFF, MIN_BACKOFF * 2 ** Math.min(tries, 6));
}

async function pushBatch(batch, csrf) {
  const { data } = await call("POST", "/sync/push", {
    csrf, json: { device: deviceId(), writes: batch.map((item) => ({ id: item.id, op: item.op, body: item.body })) },
  });
  const now = Date.now();
  for (const answer of data.results) {
    const item = batch.find((row) => row.id === answer.id);
    if (!item) continue;
    if (answer.status === "applied" || answer.status === "duplicate") {
      await setState(item.id, "sent", { result: answer.result, sentAt: new Date().toISOString(), reason: null });
      await remember(item, answer.result);
    } else if (answer.status === "conflict") {
      await setState(item.id, "attention", { code: answer.code, reason: answer.message, current: answer.current || null });
    } else if (answer.retryable) {
      if (answer.code === "photo_missing") await uploadAgain(answer.photos || []);
      await setState(item.id, "waiting", { code: answer.code, reason: answer.message, tries: item.tries + 1,
        nextAt: now + backoff(item.tries) });
    } else {
      const fields = answer.fields ? Object.values(answer.fields).join("；") : "";
      await setState(item.id, "attention", { code: answer.code, reason: [answer.message, fields].filter(Boolean).join("：") });
    }
  }
}

/** Photos the server no longer holds (an upload left unused was cleaned up): sent again, from byte 0. */
async function uploadAgain(uuids) {
  for (const uuidValue of uuids) {
    await update("photos", uuidValue, (row) => row && { ...row, received: 0, done: false, tried: true });
  }
}

/** What the server made, kept beside the local record (a visit made offline learns its id). */
async function remember(item, result) {
  if (item.op === "visit.create" && result && result.visit_id) {
    await update("records", `visit:u:${item.id}`, (row) => row && { ...row, data: { ...row.data, id: result.visit_id, synced: true } });
  }
}

function deviceId() {
  let id = localStorage.getItem("jiandu.device");
  if (!id) {
    id = (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2));
    localStorage.setItem("jiandu.device", id);
  }
  return id;
}

async function sendOutbox(me) {
  const now = Date.now();
  const all = await items();
  // Only this user's writes; anything left "sending" by a closed tab goes again (the server dedupes).
  const due = all.filter((row) => row.userId === me.id && (row.state === "waiting" || row.state === "sending")
    && (row.nextAt || 0) <= now);
  const total = due.length;
  report({ phase: "sending", done: 0, total });
  let doneCount = 0;
  for (let start = 0; start < due.length;) {
    const batch = [];
    let next = start;
    for (const item of due.slice(start, start + BATCH)) {
      let ready = true;
      try {
        for (const uuidValue of item.photos || []) {
          await setState(item.id, "sending");
          const state = await uploadPhoto(uuidValue, me.csrf_token);
          if (state === "missing") ready = false;
        }
      } catch (error) {
        // The server holds as many of our unfinished photos as it allows: sending the writes that use
        // them frees room, then this item goes on from where it stopped.
        if (!uploadQuotaFull(error) || !batch.length) throw error;
        break;
      }
      next += 1;
      if (ready) batch.push({ ...item, state: "sending" });
      else await setState(item.id, "attention", { code: "photo_lost", reason: "照片在本机已丢失" });
    }
    for (const item of batch) await setState(item.id, "sending");
    if (batch.length) {
      try {
        await pushBatch(batch, me.csrf_token);
      } catch (error) {
        if (error.status === 401) throw error;
        if (error.retryable) {
          for (const item of batch) {
            await setState(item.id, "waiting", { tries: item.tries + 1, nextAt: Date.now() + backoff(item.tries),
              reason: "网络不通或服务器忙，稍后自动重试" });
          }
          throw error;
        }
        const message = (error.body && error.body.error && error.body.error.message) || error.message;
        for (const item of batch) await setState(item.id, "attention", { code: `http_${error.status}`, reason: message });
      }
    }
    doneCount += batch.length;
    report({ done: doneCount });
    start = next;
  }
}

function uploadQuotaFull(error) {
  const code = error.body && error.body.error && error.body.error.code;
  return error.status === 429 && typeof code === "string" && code.startsWith("upload_quota");
}

// --- pull -----------------------------------------------------------------------------------

async function storeSnapshot(data) {
  await saveRecords("visit", data.visits);
  await saveRecords("template", data.templates);
  await saveRecords("task", data.tasks);
  await saveRecords("point", data.points);
  await saveRecords("project", data.projects);
  await saveRecords("case", data.cases);
  await saveRecords("kind", data.visit_kinds, (kind) => kind.code);
  await setMeta("cursor", data.cursor);
}

export async function pull({ full = false } = {}) {
  const since = full ? null : await getMeta("cursor");
  const { data } = await call("GET", since ? `/sync/pull?since=${encodeURIComponent(since)}` : "/sync/pull");
  await storeSnapshot(data);
  return data;
}

/** 离线下载: the user's visits, checklists, points, projects and open cases into IndexedDB. */
export async function takeOffline(me) {
  const owner = await getMeta("owner");
  if (owner && owner !== me.id) {
    for (const store of ["records"]) await clearStore(store); // another user's data never stays
    await setMeta("cursor", null);
  }
  await setMeta("owner", me.id);
  const data = await pull({ full: true });
  await setMeta("offlineAt", new Date().toISOString());
  const persisted = await askPersist();
  return { data, persisted, usage: await usage() };
}

export async function askPersist() {
  try {
    if (navigator.storage && navigator.storage.persist) {
      if (navigator.storage.persisted && await navigator.storage.persisted()) return true;
      return await navigator.storage.persist();
    }
  } catch {
    /* refused */
  }
  return false;
}

export async function usage() {
  try {
    if (navigator.storage && navigator.storage.estimate) return await navigator.storage.estimate();
  } catch {
    /* unknown */
  }
  return { usage: null, quota: null };
}

// --- the loop -------------------------------------------------------------------------------

let timer = null;
let tries = 0;

async function runLocked() {
  report({ running: true, phase: "checking", error: null, message: "" });
  let me;
  try {
    me = await whoAmI();
  } catch (error) {
    if (error.status === 401) {
      report({ running: false, phase: "idle", needsLogin: true });
      return "login";
    }
    report({ running: false, phase: "idle", error: "offline" });
    return "offline";
  }
  report({ needsLogin: false });
  try {
    await sendOutbox(me);
    if (await getMeta("owner") === me.id) {
      report({ phase: "pulling" });
      await pull();
    }
    tries = 0;
    const at = new Date().toISOString();
    await setMeta("lastSync", at);
    report({ running: false, phase: "idle", lastSync: at });
    return "ok";
  } catch (error) {
    report({ running: false, phase: "idle", error: error.status === 401 ? "login" : "offline",
      needsLogin: error.status === 401 });
    return error.status === 401 ? "login" : "offline";
  }
}

/** One sync now, unless another tab is syncing (then that tab's sync covers it). */
export async function syncNow() {
  if (status.running) return "busy";
  let outcome = "busy";
  if (navigator.locks && navigator.locks.request) {
    await navigator.locks.request("jiandu-sync", { ifAvailable: true }, async (lock) => {
      if (!lock) return;
      outcome = await runLocked();
    });
  } else {
    outcome = await runLocked();
  }
  schedule(outcome);
  changed();
  return outcome;
}

function schedule(outcome) {
  clearTimeout(timer);
  if (outcome === "offline") tries += 1;
  const delay = outcome === "offline" ? backoff(tries) : 60_000;
  timer = setTimeout(() => { pending().then((n) => { if (n) syncNow(); else schedule("ok"); }); }, delay);
}

async function pending() {
  return (await items()).filter((row) => row.state === "waiting" || row.state === "sending").length;
}

let started = false;

/** Wire the triggers (called once by app.js after it knows who is signed in). */
export function startSync() {
  if (started) return;
  started = true;
  window.addEventListener("online", () => syncNow());
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") syncNow(); });
  if (navigator.serviceWorker) {
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (event.data && event.data.type === "SYNC_NOW") syncNow();
    });
    navigator.serviceWorker.ready.then((reg) => {
      if (reg.sync && reg.sync.register) reg.sync.register("jiandu-outbox").catch(() => {});
    }).catch(() => {});
  }
  getMeta("lastSync").then((at) => report({ lastSync: at }));
  syncNow();
}

export { record, records, put };
