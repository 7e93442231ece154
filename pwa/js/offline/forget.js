// Signing out leaves nothing of the user on the device: what was taken offline (visits, cases, points,
// projects), the outbox and its photos, the sync cursor, the forms' caches. The one thing the server
// cannot give back is work not sent yet, so the sign-out asks before it goes (unsentCount).
import { all, clearStore } from "./db.js";

const STORES = ["records", "outbox", "photos", "meta"];
const UNSENT = new Set(["waiting", "sending", "attention"]);
const USER_KEYS = ["jiandu.blocker-form"]; // localStorage caches of what a user saw

/** Writes in the outbox that have not reached the server (of any user of this device). */
export async function unsentCount() {
  try {
    return (await all("outbox")).filter((row) => UNSENT.has(row.state)).length;
  } catch {
    return 0; // no IndexedDB here: nothing was kept
  }
}

export async function forgetDevice() {
  for (const store of STORES) {
    try {
      await clearStore(store);
    } catch {
      /* no IndexedDB: nothing to clear */
    }
  }
  for (const key of USER_KEYS) {
    try { localStorage.removeItem(key); } catch { /* private mode */ }
  }
}
