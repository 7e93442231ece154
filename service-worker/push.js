/* Web Push, in the service worker (served after sw.js, in the same file at /sw.js).
 *
 * The server sends JSON, encrypted for this device (aes128gcm):
 *   {id, kind, title, body, url, tag, icon, lang, ts}
 * A notification is shown with that title, body, icon and tag, and a click opens `url` (the case,
 * the project, the batch; a citizen's tracking page). A message that arrives twice (a redelivery)
 * replaces the one already shown, silently: the device never alerts twice for one notification.
 * Open pages are told, so their unread count moves at once.
 */
(() => {
  // In a function of its own: the server joins every part of the worker into one script.
  const PUSH_DEFAULT_TITLE = "监督提醒";
  const PUSH_ICON = "/app/icons/icon-192.png";

  function pushMessage(event) {
    if (!event.data) return {};
    try {
      const data = event.data.json();
      return data && typeof data === "object" ? data : {};
    } catch {
      return { body: event.data.text() };
    }
  }

  function sameOriginUrl(value) {
    try {
      const url = new URL(value || "/", self.location.origin);
      return url.origin === self.location.origin ? url.href : new URL("/", self.location.origin).href;
    } catch {
      return new URL("/", self.location.origin).href;
    }
  }

  async function tellPages(message) {
    const pages = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    pages.forEach((page) => page.postMessage(message));
  }

  self.addEventListener("push", (event) => {
    const data = pushMessage(event);
    const tag = String(data.tag || (data.id ? `n${data.id}` : "jiandu"));
    event.waitUntil((async () => {
      const shown = await self.registration.getNotifications({ tag });
      const again = data.id && shown.some((n) => n.data && n.data.id === data.id);
      await self.registration.showNotification(String(data.title || PUSH_DEFAULT_TITLE), {
        body: String(data.body || ""),
        icon: data.icon || PUSH_ICON,
        badge: PUSH_ICON,
        tag,
        // A new message about the same case alerts again; the same message delivered twice does not.
        renotify: Boolean(shown.length) && !again,
        lang: data.lang || "zh-CN",
        dir: "ltr",
        timestamp: Number(data.ts) || Date.now(),
        data: { id: data.id || null, url: sameOriginUrl(data.url), kind: data.kind || null },
      });
      await tellPages({ type: "NOTIFICATION", id: data.id || null, kind: data.kind || null });
    })());
  });

  self.addEventListener("notificationclick", (event) => {
    event.notification.close();
    const target = (event.notification.data && event.notification.data.url) || sameOriginUrl("/");
    event.waitUntil((async () => {
      const pages = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      // The app is open: bring it forward on that screen; otherwise open it there.
      const page = pages.find((p) => new URL(p.url).origin === self.location.origin && "focus" in p);
      if (page) {
        await page.focus();
        if ("navigate" in page) {
          try {
            await page.navigate(target);
            return;
          } catch {
            /* an uncontrolled page cannot be navigated from here: open a new one */
          }
        }
      }
      await self.clients.openWindow(target);
    })());
  });

  // The browser replaced the subscription (keys rotated, expiry): the open app registers the new one
  // with the server (it carries the session and its CSRF token; the worker does not).
  self.addEventListener("pushsubscriptionchange", (event) => {
    event.waitUntil(tellPages({ type: "PUSH_SUBSCRIPTION_CHANGED" }));
  });
})();
