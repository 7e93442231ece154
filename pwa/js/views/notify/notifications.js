// 通知: the in-app notification centre (unread count, list, mark read), this device's push
// subscription, my devices, and which topics are pushed. Nothing depends on push alone: every
// notification is here too (iOS before "Add to Home Screen", a blocked permission, a dead device).
//
// startNotifications() (called once by app.js after the session is known) puts the bell with the
// unread count in the app bar, keeps it fresh, marks a notification read when the app was opened
// from it (/?n=<id>#/…), and re-registers this device's push subscription after each sign-in.
import { api, request } from "../../api.js";
import { addMessages, getLanguage, localTime, onLanguageChange, t } from "../../i18n.js";
import { onSessionChange, session } from "../../state.js";
import { badge, button, clear, emptyState, errorBlock, h, heading, loading, navigate, pager, toast } from "../../ui.js";

addMessages({
  zh: {
    "notifications.title": "通知", "notifications.bell": "通知", "notifications.bellLabel": "通知，{n} 条未读",
    "notifications.empty": "暂无通知", "notifications.emptyUnread": "没有未读通知", "notifications.all": "全部",
    "notifications.unread": "未读", "notifications.readAll": "全部标为已读", "notifications.markRead": "标为已读",
    "notifications.isUnread": "未读", "notifications.allRead": "已全部标为已读",
    "notifications.push": "推送到本机", "notifications.enable": "开启推送", "notifications.test": "发送测试通知",
    "notifications.testSent": "测试通知已发出，稍后会出现在这里和本机通知栏",
    "notifications.on": "本机已开启推送：新的通知会立即提醒。",
    "notifications.off": "本机尚未开启推送。开启后，转办、预警等通知会立即提醒；不开启也可在此查看。",
    "notifications.blocked": "浏览器已阻止本站的通知。可在浏览器的网站设置中允许通知；通知仍会显示在此处。",
    "notifications.unsupported": "此浏览器不支持推送，通知会显示在此处。",
    "notifications.ios": "在 iPhone/iPad 上，请先用 Safari 的“分享 → 添加到主屏幕”安装本应用，再从主屏幕打开并开启推送。通知仍会显示在此处。",
    "notifications.serverOff": "服务器尚未配置推送，通知会显示在此处。",
    "notifications.failed": "开启推送失败：{message}",
    "notifications.devices": "我的设备", "notifications.noDevices": "还没有设备接收推送",
    "notifications.remove": "移除", "notifications.removed": "已移除该设备", "notifications.dead": "已失效",
    "notifications.ended": "已退出", "notifications.active": "接收中", "notifications.lastOk": "最近送达 {when}",
    "notifications.since": "{when} 开启", "notifications.confirmRemove": "不再向“{label}”推送通知？",
    "notifications.topics": "推送哪些通知", "notifications.topicsHint": "关闭的类别不再推送到设备，仍会出现在通知列表。",
    "notifications.saved": "已保存",
  },
  en: {
    "notifications.title": "Notifications", "notifications.bell": "Alerts", "notifications.bellLabel": "Notifications, {n} unread",
    "notifications.empty": "No notifications", "notifications.emptyUnread": "No unread notifications", "notifications.all": "All",
    "notifications.unread": "Unread", "notifications.readAll": "Mark all read", "notifications.markRead": "Mark read",
    "notifications.isUnread": "Unread", "notifications.allRead": "All marked read",
    "notifications.push": "Push to this device", "notifications.enable": "Turn on push", "notifications.test": "Send a test",
    "notifications.testSent": "Test sent: it will appear here and on this device shortly",
    "notifications.on": "Push is on for this device: new notifications alert at once.",
    "notifications.off": "Push is off on this device. Turn it on to be alerted at once; notifications stay here either way.",
    "notifications.blocked": "The browser blocks notifications from this site. Allow them in the site settings; notifications stay here.",
    "notifications.unsupported": "This browser cannot receive push; notifications stay here.",
    "notifications.ios": "On iPhone/iPad, first install the app with Safari's Share → Add to Home Screen, open it from there and turn on push. Notifications stay here.",
    "notifications.serverOff": "Push is not configured on the server; notifications stay here.",
    "notifications.failed": "Could not turn on push: {message}",
    "notifications.devices": "My devices", "notifications.noDevices": "No device receives push yet",
    "notifications.remove": "Remove", "notifications.removed": "Device removed", "notifications.dead": "Expired",
    "notifications.ended": "Signed out", "notifications.active": "Receiving", "notifications.lastOk": "Last delivered {when}",
    "notifications.since": "Since {when}", "notifications.confirmRemove": "Stop pushing to “{label}”?",
    "notifications.topics": "What to push", "notifications.topicsHint": "Topics turned off are not pushed, but still listed here.",
    "notifications.saved": "Saved",
  },
});

const PER_PAGE = 30;
const POLL_MS = 60_000;
const DEVICE_KEY = "jiandu.push.device";

let unread = 0;
const unreadListeners = new Set();

function setUnread(n) {
  unread = Math.max(0, Number(n) || 0);
  renderBell();
  unreadListeners.forEach((fn) => fn(unread));
  try {
    if (navigator.setAppBadge) (unread ? navigator.setAppBadge(unread) : navigator.clearAppBadge()).catch(() => {});
  } catch {
    /* no app badge here */
  }
}

export async function refreshUnread() {
  if (!session.me || session.offline) return;
  try {
    setUnread((await api.get("/notifications/unread-count")).unread);
  } catch {
    /* offline: keep the last count */
  }
}

// --- the bell in the app bar ---------------------------------------------------------------

function renderBell() {
  const bar = document.querySelector(".appbar");
  if (!bar) return;
  let bell = document.getElementById("notify-bell");
  if (!session.me) {
    bell?.remove();
    return;
  }
  if (!bell) {
    bell = h("button", { type: "button", id: "notify-bell", class: "appbar-lang appbar-bell",
      onclick: () => navigate("#/notifications") });
    bar.insertBefore(bell, document.getElementById("lang-toggle"));
  }
  clear(bell).append(t("notifications.bell"));
  if (unread) bell.append(" ", h("span", { class: "badge bell-count" }, unread > 99 ? "99+" : String(unread)));
  bell.setAttribute("aria-label", t("notifications.bellLabel", { n: unread }));
}

// --- push on this device ---------------------------------------------------------------------

function base64UrlToBytes(text) {
  const padded = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

function sameKey(subscription, keyBytes) {
  const current = subscription.options && subscription.options.applicationServerKey;
  if (!current) return true;
  const a = new Uint8Array(current);
  return a.length === keyBytes.length && a.every((v, i) => v === keyBytes[i]);
}

function isIosBrowserTab() {
  const ios = /iPad|iPhone|iPod/.test(navigator.userAgent) || (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
  const standalone = navigator.standalone === true || matchMedia("(display-mode: standalone)").matches;
  return ios && !standalone;
}

/** "unsupported" | "ios" | "default" | "denied" | "granted" */
export function pushState() {
  if (!("serviceWorker" in navigator) || !("Notification" in window)) return "unsupported";
  if (!("PushManager" in window)) return isIosBrowserTab() ? "ios" : "unsupported";
  return Notification.permission;
}

/** Subscribe this device (asking for permission when `ask`) and register it with the server. */
export async function subscribeDevice({ ask = false } = {}) {
  const state = pushState();
  if (state === "unsupported" || state === "ios" || state === "denied") return state;
  const { public_key: key, enabled } = await api.get("/push/public-key");
  if (!enabled) return "server-off";
  if (state === "default") {
    if (!ask) return state;
    const answer = await Notification.requestPermission();
    if (answer !== "granted") return answer;
  }
  const registration = await navigator.serviceWorker.ready;
  const keyBytes = base64UrlToBytes(key);
  let subscription = await registration.pushManager.getSubscription();
  if (subscription && !sameKey(subscription, keyBytes)) {
    await subscription.unsubscribe(); // the server's key changed: a new subscription for the new key
    subscription = null;
  }
  if (!subscription) {
    subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes });
  }
  const device = await api.post("/push/subscriptions", subscription.toJSON());
  try {
    localStorage.setItem(DEVICE_KEY, String(device.id));
  } catch {
    /* private mode */
  }
  return "granted";
}

// --- start-up: bell, polling, opened-from-a-notification, re-registering -------------------

let started = false;
// The app opened from a notification (?n=) marks it read at once; the centre's list waits for that,
// or it could show the very notification just opened as unread.
const openedFrom = new URLSearchParams(location.search).get("n");
if (openedFrom) history.replaceState(null, "", `${location.pathname}${location.hash}`);
let openedMarked = openedFrom ? markOpened(openedFrom) : Promise.resolve(true);

async function markOpened(id) {
  try {
    await api.post(`/notifications/${encodeURIComponent(id)}/read`);
    return true;
  } catch {
    return false; // signed out (tried again after sign-in), not mine, or gone
  }
}

async function afterSignIn() {
  renderBell();
  if (!session.me || session.offline) return;
  if (openedFrom && !(await openedMarked)) {
    openedMarked = markOpened(openedFrom);
    await openedMarked;
  }
  await refreshUnread();
  if (pushState() === "granted") subscribeDevice().catch(() => {}); // same device, maybe a new user or key
}

export function startNotifications() {
  if (started) return;
  started = true;
  onSessionChange(() => { afterSignIn(); });
  onLanguageChange(renderBell);
  afterSignIn();
  setInterval(() => { if (document.visibilityState === "visible") refreshUnread(); }, POLL_MS);
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") refreshUnread(); });
  window.addEventListener("online", refreshUnread);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("message", (event) => {
      const type = event.data && event.data.type;
      if (type === "NOTIFICATION") {
        refreshUnread();
        window.dispatchEvent(new CustomEvent("jiandu:notification", { detail: event.data }));
      } else if (type === "PUSH_SUBSCRIPTION_CHANGED" && session.me) {
        subscribeDevice().catch(() => {});
      }
    });
  }
}

// --- the screen ------------------------------------------------------------------------------

function pushSection() {
  const box = h("div", { class: "card push-status" });
  const render = (state, error) => {
    clear(box);
    const message = {
      granted: t("notifications.on"), default: t("notifications.off"), denied: t("notifications.blocked"),
      unsupported: t("notifications.unsupported"), ios: t("notifications.ios"), "server-off": t("notifications.serverOff"),
    }[state] || t("notifications.off");
    box.append(h("p", { class: "card-line" }, message));
    if (error) box.append(h("p", { class: "field-error", role: "alert" }, t("notifications.failed", { message: error.message || error })));
    const actions = h("div", { class: "card-actions" });
    if (state === "default") {
      actions.append(button(t("notifications.enable"), {
        class: "btn primary",
        onclick: async (event) => {
          event.currentTarget.disabled = true;
          try {
            render(await subscribeDevice({ ask: true }));
            window.dispatchEvent(new CustomEvent("jiandu:devices"));
          } catch (failure) {
            render(pushState(), failure);
          }
        },
      }));
    }
    actions.append(button(t("notifications.test"), {
      onclick: async () => {
        await api.post("/push/test");
        toast(t("notifications.testSent"));
      },
    }));
    box.append(actions);
  };
  render(pushState());
  if (["default", "granted"].includes(pushState())) {
    api.get("/push/public-key").then(({ enabled }) => { if (!enabled) render("server-off"); }).catch(() => {});
  }
  return h("section", { class: "section" }, h("h3", {}, t("notifications.push")), box);
}

function devicesSection() {
  const list = h("div", { class: "devices" }, loading());
  const load = async () => {
    try {
      const { items } = await api.get("/push/subscriptions");
      clear(list);
      if (!items.length) {
        list.append(emptyState(t("notifications.noDevices")));
        return;
      }
      const mine = (() => { try { return localStorage.getItem(DEVICE_KEY); } catch { return null; } })();
      list.append(h("ul", { class: "cards" }, items.map((d) => h("li", {},
        h("div", { class: `card${d.status === "active" ? "" : " inactive"}`, dataset: { device: d.id } },
          h("div", { class: "card-head" },
            h("strong", { class: "card-title" }, d.label || "—"),
            String(d.id) === mine ? badge(getLanguage() === "en" ? "This device" : "本机", "ok") : null,
            badge(t(d.status === "active" ? "notifications.active" : (d.status === "dead" ? "notifications.dead" : "notifications.ended")),
              d.status === "active" ? "ok" : "muted")),
          h("p", { class: "card-line muted" }, t("notifications.since", { when: localTime(d.created_at) }),
            d.last_success_at ? ` · ${t("notifications.lastOk", { when: localTime(d.last_success_at) })}` : ""),
          h("div", { class: "card-actions" }, button(t("notifications.remove"), {
            class: "btn small",
            onclick: async () => {
              await api.del(`/push/subscriptions/${d.id}`);
              toast(t("notifications.removed"));
              load();
            },
          })))))));
    } catch (error) {
      clear(list).append(errorBlock(error, load));
    }
  };
  load();
  const reload = () => {
    if (list.isConnected) load();
    else window.removeEventListener("jiandu:devices", reload);
  };
  window.addEventListener("jiandu:devices", reload);
  return h("section", { class: "section" }, h("h3", {}, t("notifications.devices")), list);
}

function topicsSection() {
  const list = h("div", { class: "check-list topics" }, loading());
  (async () => {
    try {
      const { items } = await api.get("/notifications/preferences");
      clear(list).append(...items.map((item) => {
        const box = h("input", { type: "checkbox", name: item.topic, checked: item.push });
        box.addEventListener("change", async () => {
          try {
            await request("PUT", "/notifications/preferences", { body: { [item.topic]: box.checked } });
            toast(t("notifications.saved"));
          } catch (error) {
            box.checked = !box.checked;
            toast(error.message);
          }
        });
        return h("label", { class: "check" }, box, getLanguage() === "en" ? item.label_en : item.label);
      }));
    } catch (error) {
      clear(list).append(errorBlock(error));
    }
  })();
  return h("section", { class: "section" }, h("h3", {}, t("notifications.topics")),
    h("p", { class: "hint" }, t("notifications.topicsHint")), list);
}

function notificationCard(item, onOpen) {
  return h("li", {},
    h("a", {
      class: `card notification${item.read ? " inactive" : ""}`,
      href: item.url || "#/notifications",
      dataset: { id: item.id, kind: item.kind },
      onclick: (event) => {
        event.preventDefault();
        onOpen(item);
      },
    },
    h("div", { class: "card-head" },
      h("strong", { class: "card-title" }, item.title),
      item.read ? null : badge(t("notifications.isUnread"))),
    h("p", { class: "card-line" }, item.body),
    h("p", { class: "card-line muted" }, localTime(item.created_at))));
}

export default {
  path: "/notifications",
  title: "notifications.title",
  roles: null,
  menu: true,
  async render(container, { query }) {
    const onlyUnread = query.get("unread") === "1";
    const page = Number(query.get("page") || 1);
    const listBox = h("div", { class: "notification-list" }, loading());
    const filter = h("div", { class: "segmented", role: "group", "aria-label": t("notifications.title") },
      h("a", { class: "btn", href: "#/notifications", "aria-pressed": String(!onlyUnread) }, t("notifications.all")),
      h("a", { class: "btn", href: "#/notifications?unread=1", "aria-pressed": String(onlyUnread) }, t("notifications.unread")));
    const readAll = button(t("notifications.readAll"), {
      class: "btn small",
      onclick: async () => {
        await api.post("/notifications/read-all");
        setUnread(0);
        toast(t("notifications.allRead"));
        load();
      },
    });
    const open = async (item) => {
      if (!item.read) {
        try {
          setUnread((await api.post(`/notifications/${item.id}/read`)).unread);
        } catch {
          /* offline: open it anyway */
        }
      }
      if (item.url && item.url.startsWith("/#")) navigate(item.url.slice(1));
      else if (item.url) location.assign(item.url);
      else load();
    };
    const load = async () => {
      try {
        for (let marking; marking !== openedMarked; ) await (marking = openedMarked);
        const answer = await api.get("/notifications", { page, per_page: PER_PAGE, unread: onlyUnread ? 1 : undefined });
        setUnread(answer.unread);
        clear(listBox);
        if (!answer.items.length) {
          listBox.append(emptyState(t(onlyUnread ? "notifications.emptyUnread" : "notifications.empty")));
          return;
        }
        listBox.append(h("ul", { class: "cards" }, answer.items.map((item) => notificationCard(item, open))),
          pager(answer, (p) => navigate(`#/notifications?${new URLSearchParams({ ...(onlyUnread ? { unread: 1 } : {}), page: p })}`)));
      } catch (error) {
        clear(listBox).append(errorBlock(error, load));
      }
    };
    container.append(...heading(t("notifications.title")),
      h("div", { class: "card-actions" }, filter, readAll), listBox,
      pushSection(), devicesSection(), topicsSection());
    const onPush = () => {
      if (container.isConnected) load();
      else window.removeEventListener("jiandu:notification", onPush);
    };
    window.addEventListener("jiandu:notification", onPush);
    await load();
  },
};
