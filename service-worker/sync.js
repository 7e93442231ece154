/* Fieldwork's part of the service worker (appended to sw.js by the server).
 *
 * The outbox lives in IndexedDB and is sent by the page (it holds the session's CSRF token and
 * the Web Lock that keeps one tab syncing). Where the Background Sync API exists, a `sync` event
 * wakes the open pages to send it; where it does not (iOS), the page's own triggers do the work:
 * app start, becoming visible, `online`, a backoff timer and the 立即同步 button.
 */
self.addEventListener("sync", (event) => {
  if (event.tag !== "jiandu-outbox") return;
  event.waitUntil((async () => {
    const clients = await self.clients.matchAll({ type: "window" });
    clients.forEach((client) => client.postMessage({ type: "SYNC_NOW" }));
  })());
});
