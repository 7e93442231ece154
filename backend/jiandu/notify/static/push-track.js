/* A citizen's tracking page: "tell me when my report moves" (no account; this one case only).
 *
 * The page (intake's /t/<token>) puts in:
 *   <button type="button" data-push-track="{{ token }}" hidden>有进展时提醒我</button>
 *   <p data-push-status></p>
 *   <script src="/push-track.js" defer></script>
 * The button is shown only where push works. A click asks for permission, subscribes through the
 * push-only service worker (/push-sw.js, scope /t/) and registers the subscription for this case.
 */
(() => {
  const button = document.querySelector("[data-push-track]");
  if (!button) return;
  const token = button.getAttribute("data-push-track");
  const status = document.querySelector("[data-push-status]");
  const zh = !(document.documentElement.lang || "zh").toLowerCase().startsWith("en");
  const say = (zhText, enText) => {
    if (status) status.textContent = zh ? zhText : enText;
  };
  const ios = /iPad|iPhone|iPod/.test(navigator.userAgent);
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    if (ios) say("在 iPhone 上，用 Safari 将本页“添加到主屏幕”并从主屏幕打开后，可开启进展提醒。", "On iPhone, add this page to the Home Screen with Safari and open it from there to get updates.");
    return;
  }
  if (Notification.permission === "denied") {
    say("浏览器已阻止本站的通知，可在浏览器设置中允许后再开启提醒。", "The browser blocks notifications from this site; allow them in its settings first.");
    return;
  }
  button.hidden = false;

  const keyBytes = (text) => {
    const padded = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  };
  const activeWorker = (registration) => new Promise((resolve) => {
    if (registration.active) return resolve(registration);
    const worker = registration.installing || registration.waiting;
    worker.addEventListener("statechange", () => { if (worker.state === "activated") resolve(registration); });
  });

  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const key = await (await fetch("/api/v1/push/public-key", { credentials: "omit" })).json();
      if (!key.enabled) {
        say("暂未开通消息提醒，请稍后用查询码查看进展。", "Updates are not available yet; check back with your tracking code.");
        return;
      }
      if ((await Notification.requestPermission()) !== "granted") {
        say("未允许通知，可随时用查询码查看进展。", "Notifications not allowed; you can always check with your tracking code.");
        button.disabled = false;
        return;
      }
      const registration = await activeWorker(await navigator.serviceWorker.register("/push-sw.js", { scope: "/t/" }));
      const subscription = (await registration.pushManager.getSubscription())
        || await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key.public_key) });
      // No cookies: this is the citizen's device, not anyone's session.
      const answer = await fetch(`/api/v1/track/${encodeURIComponent(token)}/subscribe`, {
        method: "POST", credentials: "omit", headers: { "Content-Type": "application/json" },
        body: JSON.stringify(subscription.toJSON()),
      });
      if (!answer.ok) throw new Error(`HTTP ${answer.status}`);
      button.hidden = true;
      say("已开启：办理有进展时会提醒您。", "Done: you will be told when your report moves.");
    } catch (error) {
      button.disabled = false;
      say("开启提醒失败，请稍后再试。", "Could not turn on updates; please try again later.");
    }
  });
})();
