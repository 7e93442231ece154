// Who is signed in, shared by app.js and the views.
import { api, setCsrfToken } from "./api.js";
import { forgetDevice } from "./offline/forget.js";

const CACHE_KEY = "jiandu.me";

export const session = {
  /** The GET /me answer (without the CSRF token), or null when signed out. */
  me: null,
  /** True when `me` came from the device's cache because the server could not be reached. */
  offline: false,
};

const listeners = new Set();

/** fn(me) runs whenever someone signs in or out. */
export function onSessionChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function setMe(me, { offline = false } = {}) {
  if (me) {
    const { csrf_token: csrf, ...rest } = me;
    if (!offline) setCsrfToken(csrf);
    session.me = rest;
    session.offline = offline;
    try {
      localStorage.setItem(CACHE_KEY, JSON.stringify(rest));
    } catch {
      /* private mode: nothing to keep */
    }
  } else {
    setCsrfToken(null);
    session.me = null;
    session.offline = false;
    try {
      localStorage.removeItem(CACHE_KEY);
    } catch {
      /* ignore */
    }
  }
  listeners.forEach((fn) => fn(session.me));
}

export function cachedMe() {
  try {
    return JSON.parse(localStorage.getItem(CACHE_KEY) || "null");
  } catch {
    return null;
  }
}

/** After a successful sign-in: keep the user and ask the browser to keep our offline data. */
export async function signedIn(me) {
  setMe(me);
  try {
    if (navigator.storage && navigator.storage.persist) {
      const already = navigator.storage.persisted ? await navigator.storage.persisted() : false;
      if (!already) await navigator.storage.persist();
    }
  } catch {
    /* the browser may refuse; the app works either way */
  }
}

/** Ends the session and forgets the user's data on this device (ask first: offline/forget.js unsentCount). */
export async function signOut() {
  try {
    await api.post("/auth/logout", undefined, { noAuthRedirect: true });
  } finally {
    await forgetDevice();
    setMe(null);
  }
}

export function hasRole(...roles) {
  return Boolean(session.me && roles.includes(session.me.role));
}

/** The name of what this user looks after: their project, unit or jurisdiction. */
export function scopeName(me = session.me) {
  if (!me) return "";
  if (me.role === "enterprise" && me.project) return me.project.name;
  if (me.unit) return me.unit.name;
  return me.jurisdiction ? me.jurisdiction.name : "";
}
