// The outbox: every write made on this device, in order, with its state:
//   waiting → sending → sent, or attention (refused: the reason is kept; fixed, exported or
//   discarded only by the user — never dropped silently, never after a fixed age).
import { all, get, put, update, uuid } from "./db.js";

const listeners = new Set();

export function onOutboxChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function changed() {
  listeners.forEach((fn) => { try { fn(); } catch (error) { console.error(error); } });
  try {
    channel().postMessage({ type: "outbox" });
  } catch {
    /* no BroadcastChannel */
  }
}

let bc = null;
function channel() {
  if (!bc && "BroadcastChannel" in self) {
    bc = new BroadcastChannel("jiandu-outbox");
    bc.onmessage = () => listeners.forEach((fn) => fn());
  }
  return bc;
}
channel();

/** Queue one write. `id` is the UUID made when the form was opened (the idempotency key). */
export async function enqueue({ id, op, body, photos = [], userId, label }) {
  const item = {
    id: id || uuid(), seq: Date.now() + Math.random(), op, body, photos, userId, label: label || op,
    state: "waiting", reason: null, code: null, tries: 0, nextAt: 0, createdAt: new Date().toISOString(),
    result: null, current: null,
  };
  await put("outbox", item);
  changed();
  return item;
}

/** A photo kept on the device until the server has all of it. */
export async function keepPhoto(file, userId) {
  const photo = { uuid: uuid(), blob: file, name: file.name || "photo.jpg", size: file.size, userId, received: 0 };
  await put("photos", photo);
  return photo.uuid;
}

export async function items() {
  const rows = await all("outbox");
  return rows.sort((a, b) => a.seq - b.seq);
}

export async function counts() {
  const rows = await items();
  const out = { waiting: 0, sending: 0, sent: 0, attention: 0, discarded: 0, total: rows.length };
  rows.forEach((row) => { out[row.state] = (out[row.state] || 0) + 1; });
  return out;
}

export async function setState(id, state, extra = {}) {
  const row = await update("outbox", id, (item) => item && { ...item, state, ...extra });
  changed();
  return row;
}

/** After the user fixed a refused write: its body replaced, back to waiting (same UUID: nothing of
 *  it was kept by the server). */
export async function fix(id, body) {
  return setState(id, "waiting", { body, reason: null, code: null, tries: 0, nextAt: 0 });
}

export async function retry(id) {
  return setState(id, "waiting", { reason: null, code: null, nextAt: 0 });
}

/** The user, and only the user, gives a write up; it stays listed as given up. */
export async function discard(id) {
  return setState(id, "discarded", {});
}

/** Everything that needs attention, as a file the user can keep or send to support. */
export async function exportItems(ids) {
  const rows = (await items()).filter((row) => !ids || ids.includes(row.id));
  return new Blob([JSON.stringify(rows, null, 2)], { type: "application/json" });
}

export async function photo(uuidValue) {
  return get("photos", uuidValue);
}
