/* jiandu service worker, served at /sw.js (scope "/").
 *
 * The server puts a first line before this file:
 *   self.__PRECACHE = {"version": "...", "files": [{"url": "/app/...", "revision": "..."}, ..., {"url": "/"}]};
 * A changed file changes that line, so the browser sees a new worker, which precaches the new
 * shell into a cache of its own; the old one is dropped only when the new worker takes over.
 *
 *   navigations → network first, the cached shell ("/") when offline
 *   /app/*      → cache first (the precached shell)
 *   /api/*      → network only, never cached (left alone: another part of the worker may handle it)
 *
 * The server appends the other parts of the worker (service-worker/*.js) after this file, in one
 * script: everything here stays inside a function so that no name collides with theirs. They can
 * read self.JIANDU_SHELL = {version, cache}.
 */
(() => {
  const PRECACHE = self.__PRECACHE || { version: "dev", files: [] };
  const PREFIX = "jiandu-shell-";
  const CACHE = PREFIX + PRECACHE.version;
  const SHELL_URL = "/";
  const NAVIGATION_TIMEOUT_MS = 6000;

  self.JIANDU_SHELL = Object.freeze({ version: PRECACHE.version, cache: CACHE });

  self.addEventListener("install", (event) => {
    event.waitUntil((async () => {
      const cache = await caches.open(CACHE);
      // cache: "reload" goes past the HTTP cache, so each file is the one its revision names.
      await Promise.all(PRECACHE.files.map(async ({ url }) => {
        const response = await fetch(new Request(url, { cache: "reload", credentials: "same-origin" }));
        if (!response.ok) throw new Error(`precache ${url}: HTTP ${response.status}`);
        await cache.put(url, response);
      }));
      // An older version still runs the open pages: tell them a new one waits (they offer to reload).
      if (self.registration.active) await tellClients({ type: "UPDATE_WAITING", version: PRECACHE.version });
    })());
  });

  self.addEventListener("activate", (event) => {
    event.waitUntil((async () => {
      const names = await caches.keys();
      await Promise.all(names.filter((name) => name.startsWith(PREFIX) && name !== CACHE).map((name) => caches.delete(name)));
      if (self.registration.navigationPreload) {
        try {
          await self.registration.navigationPreload.enable();
        } catch {
          /* not supported here */
        }
      }
      await self.clients.claim();
    })());
  });

  self.addEventListener("message", (event) => {
    const data = event.data || {};
    if (data.type === "SKIP_WAITING") self.skipWaiting();
    else if (data.type === "GET_VERSION" && event.source) event.source.postMessage({ type: "VERSION", version: PRECACHE.version });
  });

  async function tellClients(message) {
    const clients = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    clients.forEach((client) => client.postMessage(message));
  }

  self.addEventListener("fetch", (event) => {
    const { request } = event;
    if (request.method !== "GET") return;
    const url = new URL(request.url);
    if (url.origin !== self.location.origin) return;
    if (url.pathname.startsWith("/api/")) return; // network only: the browser fetches it as usual
    if (request.mode === "navigate") {
      event.respondWith(navigation(event));
      return;
    }
    if (url.pathname.startsWith("/app/")) {
      event.respondWith(cacheFirst(request, url.pathname));
      return;
    }
    if (url.pathname === "/manifest.webmanifest") {
      event.respondWith(networkFirst(request, "/app/manifest.webmanifest"));
    }
  });

  async function cacheFirst(request, key) {
    const cache = await caches.open(CACHE);
    const hit = await cache.match(key);
    if (hit) return hit;
    return fetch(request); // not part of this version's shell: straight from the server
  }

  async function networkFirst(request, fallbackKey) {
    try {
      return await fetch(request);
    } catch (error) {
      const hit = await (await caches.open(CACHE)).match(fallbackKey);
      if (hit) return hit;
      throw error;
    }
  }

  async function navigation(event) {
    const cache = await caches.open(CACHE);
    const shell = await cache.match(SHELL_URL);
    const network = (async () => {
      const preloaded = await event.preloadResponse;
      return preloaded || fetch(event.request);
    })();
    const url = new URL(event.request.url);
    // The shell itself: do not keep someone on a weak network staring at a blank page.
    const timeout = url.pathname === "/" && shell
      ? new Promise((resolve) => setTimeout(() => resolve(null), NAVIGATION_TIMEOUT_MS))
      : new Promise(() => {});
    try {
      const response = await Promise.race([network, timeout]);
      if (response) return response;
      network.catch(() => {});
      return shell;
    } catch (error) {
      if (shell) return shell;
      return new Response("<!doctype html><meta charset=utf-8><title>离线</title><p>当前离线，且本机尚未缓存应用。请联网后重试。</p>",
        { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
    }
  }
})();
