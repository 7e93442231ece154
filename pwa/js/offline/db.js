// The device's own database (IndexedDB): what was taken offline, the outbox, photos waiting to go up.
//   records  {key: "visit:12" | "visit:u:<uuid>" | "template:3" | "task:5" | "point:9" | "project:2" | "case:7"
//             | "kind:big_visit", type, data}
//   outbox   {id (client UUID), seq, op, body, photos[], userId, state, reason, …}
//   photos   {uuid, blob, name, size, userId, received}
//   meta     {key, value}: cursor, owner, lastSync
const NAME = "jiandu-offline";
const VERSION = 1;
let opening = null;

export function openDb() {
  if (opening) return opening;
  opening = new Promise((resolve, reject) => {
    const request = indexedDB.open(NAME, VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains("records")) {
        db.createObjectStore("records", { keyPath: "key" }).createIndex("type", "type");
      }
      if (!db.objectStoreNames.contains("outbox")) {
        const outbox = db.createObjectStore("outbox", { keyPath: "id" });
        outbox.createIndex("seq", "seq");
        outbox.createIndex("state", "state");
      }
      if (!db.objectStoreNames.contains("photos")) db.createObjectStore("photos", { keyPath: "uuid" });
      if (!db.objectStoreNames.contains("meta")) db.createObjectStore("meta", { keyPath: "key" });
    };
    request.onsuccess = () => {
      const db = request.result;
      db.onversionchange = () => { db.close(); opening = null; };
      resolve(db);
    };
    request.onerror = () => { opening = null; reject(request.error); };
  });
  return opening;
}

function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function finished(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error("aborted"));
  });
}

export async function get(store, key) {
  const db = await openDb();
  return done(db.transaction(store).objectStore(store).get(key));
}

export async function all(store, index, query) {
  const db = await openDb();
  const source = db.transaction(store).objectStore(store);
  return done(index ? source.index(index).getAll(query) : source.getAll());
}

export async function put(store, ...values) {
  const db = await openDb();
  const tx = db.transaction(store, "readwrite");
  const target = tx.objectStore(store);
  values.forEach((value) => target.put(value));
  return finished(tx);
}

export async function remove(store, key) {
  const db = await openDb();
  const tx = db.transaction(store, "readwrite");
  tx.objectStore(store).delete(key);
  return finished(tx);
}

/** Change one row in place (read and write in one transaction); fn(row) returns the new row. */
export async function update(store, key, fn) {
  const db = await openDb();
  const tx = db.transaction(store, "readwrite");
  const target = tx.objectStore(store);
  const row = await done(target.get(key));
  const next = fn(row);
  if (next) target.put(next);
  await finished(tx);
  return next;
}

export async function clearStore(store) {
  const db = await openDb();
  const tx = db.transaction(store, "readwrite");
  tx.objectStore(store).clear();
  return finished(tx);
}

export async function getMeta(key, fallback = null) {
  const row = await get("meta", key);
  return row ? row.value : fallback;
}

export function setMeta(key, value) {
  return put("meta", { key, value });
}

// --- records taken offline ---------------------------------------------------------------

export function recordKey(type, id) {
  return `${type}:${id}`;
}

export async function records(type) {
  return (await all("records", "type", type)).map((row) => row.data);
}

export async function record(type, id) {
  const row = await get("records", recordKey(type, id));
  return row ? row.data : null;
}

export function saveRecords(type, items, keyOf = (item) => item.id) {
  if (!items.length) return Promise.resolve();
  return put("records", ...items.map((data) => ({ key: recordKey(type, keyOf(data)), type, data })));
}

/** A UUID made on the device (crypto.randomUUID where there is one). */
export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
