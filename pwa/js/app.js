// Boot: language, service worker, who is signed in, then the hash router (#/points?hall=3).
import { ApiError, api, setUnauthorizedHandler } from "./api.js";
import { getLanguage, onLanguageChange, otherLanguage, setLanguage, t } from "./i18n.js";
import { cachedMe, hasRole, onSessionChange, session, setMe } from "./state.js";
import { clear, errorBlock, h } from "./ui.js";
import views from "./views/index.js";
import { startNotifications } from "./views/notify/notifications.js";
import { counts as outboxCounts, onOutboxChange } from "./offline/outbox.js";
import { onSyncStatus, startSync, syncNow } from "./offline/sync.js";

const HOME = "#/";
const LOGIN = "#/login";

// Fixed paths win over patterns: "/points/new" before "/points/:id", whatever the list order.
const routes = views
  .map((view, index) => ({ view, index, ...compile(view.path) }))
  .sort((a, b) => a.names.length - b.names.length || a.index - b.index);

function compile(path) {
  const names = [];
  const pattern = path
    .split("/")
    .map((part) => {
      if (part.startsWith(":")) {
        names.push(part.slice(1));
        return "([^/]+)";
      }
      return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  return { regex: new RegExp(`^${pattern}/?$`), names };
}

/** "#/points/12?x=1" → {path: "/points/12", query: URLSearchParams} */
export function parseHash(hash = location.hash) {
  const text = (hash || "").replace(/^#/, "") || "/";
  const [path, search = ""] = text.split("?");
  return { path: path || "/", query: new URLSearchParams(search) };
}

function match(path) {
  for (const route of routes) {
    const found = route.regex.exec(path);
    if (found) {
      const params = {};
      route.names.forEach((name, i) => { params[name] = decodeURIComponent(found[i + 1]); });
      return { view: route.view, params };
    }
  }
  return null;
}

let renderSeq = 0;

async function route() {
  const { path, query } = parseHash();
  const found = match(path);
  const main = document.getElementById("view");
  closeMenu();

  if (!session.me && !(found && found.view.public)) {
    const next = location.hash && location.hash !== LOGIN ? `?next=${encodeURIComponent(location.hash)}` : "";
    location.replace(`${LOGIN}${next}`);
    return;
  }
  if (session.me && found && found.view.path === "/login") {
    location.replace(HOME);
    return;
  }

  renderSeq += 1;
  const seq = renderSeq;
  const container = h("div", { class: "view-inner" });
  clear(main).append(container);
  updateChrome(found ? found.view : null);

  if (!found) {
    container.append(h("h2", { class: "view-title", tabindex: "-1" }, t("error.notFoundTitle")),
      h("p", {}, t("error.notFound")), h("a", { class: "btn", href: HOME }, t("nav.home")));
    focusTitle(container);
    return;
  }
  const { view, params } = found;
  if (view.roles && !hasRole(...view.roles)) {
    container.append(h("h2", { class: "view-title", tabindex: "-1" }, t("error.forbiddenTitle")),
      h("p", {}, t("error.forbidden")), h("a", { class: "btn", href: HOME }, t("nav.home")));
    focusTitle(container);
    return;
  }
  try {
    await view.render(container, { ...params, query });
  } catch (error) {
    if (seq !== renderSeq) return;
    if (error instanceof ApiError && error.status === 401) return; // already on the way to login
    console.error(error);
    clear(container).append(errorBlock(error, () => route()));
  }
  if (seq === renderSeq) focusTitle(container);
}

function focusTitle(container) {
  // Move focus to the new screen's heading (for screen readers), without scrolling the page.
  const title = container.querySelector(".view-title");
  if (title && document.activeElement && document.activeElement !== document.body &&
      !container.contains(document.activeElement)) {
    title.focus({ preventScroll: true });
  }
  window.scrollTo(0, 0);
}

// --- the frame around the screens: app bar, tab bar, menu ---------------------------------

function titleOf(view) {
  if (!view) return t("app.short");
  return typeof view.title === "function" ? view.title() : t(view.title);
}

function updateChrome(view) {
  const title = titleOf(view);
  document.getElementById("app-title").textContent = title;
  document.title = view && view.path !== "/" ? `${title} · ${t("app.short")}` : t("app.name");
  document.documentElement.lang = getLanguage() === "zh" ? "zh-CN" : "en";
  document.querySelector(".skip-link").textContent = t("nav.skip");
  const toggle = document.getElementById("lang-toggle");
  toggle.hidden = false;
  toggle.textContent = t("lang.toggle");
  toggle.setAttribute("aria-label", t("lang.toggleLabel"));
  toggle.lang = otherLanguage() === "zh" ? "zh-CN" : "en";
  renderTabbar(view);
  renderMenu();
}

function allowed(view) {
  return !view.roles || hasRole(...view.roles);
}

// At 360 px, four tabs and the menu button fit with their labels on one line; screens with a
// higher `tab` number than the first four are found in the menu instead.
const MAX_TABS = 4;

function tabCandidates() {
  return views.filter((v) => v.tab && allowed(v)).sort((a, b) => a.tab - b.tab);
}

function tabViews() {
  return tabCandidates().slice(0, MAX_TABS);
}

function renderTabbar(current) {
  const bar = document.getElementById("tabbar");
  clear(bar);
  bar.hidden = !session.me;
  document.body.classList.toggle("signed-in", Boolean(session.me));
  if (!session.me) return;
  const items = tabViews().map((view) =>
    h("a", {
      class: "tab",
      href: `#${view.path}`,
      "aria-current": current && current.path === view.path ? "page" : null,
    }, h("span", { class: "tab-label" }, titleOf(view))));
  const menuButton = h("button", {
    type: "button",
    class: "tab",
    id: "menu-button",
    "aria-haspopup": "true",
    "aria-expanded": "false",
    "aria-controls": "menu",
    onclick: toggleMenu,
  }, h("span", { class: "tab-label" }, t("nav.menu")));
  // The menu sits in the middle of the bar, where the thumb rests.
  items.splice(Math.ceil(items.length / 2), 0, menuButton);
  bar.append(...items);
}

function renderMenu() {
  const menu = document.getElementById("menu");
  clear(menu);
  if (!session.me) return;
  const overflow = new Set(tabCandidates().slice(MAX_TABS));
  const entries = views.filter((v) => (v.menu || overflow.has(v)) && allowed(v));
  const { path } = parseHash();
  menu.append(
    h("p", { class: "sheet-title" }, t("nav.menu")),
    h("ul", { class: "sheet-list" }, entries.map((view) =>
      h("li", {}, h("a", {
        href: `#${view.path}`,
        "aria-current": view.path === path ? "page" : null,
      }, titleOf(view))))),
    h("button", { type: "button", class: "btn sheet-close", onclick: closeMenu }, t("common.close")),
  );
}

function toggleMenu() {
  const menu = document.getElementById("menu");
  if (menu.hidden) openMenu();
  else closeMenu();
}

function openMenu() {
  document.getElementById("menu").hidden = false;
  document.getElementById("menu-backdrop").hidden = false;
  document.getElementById("menu-button")?.setAttribute("aria-expanded", "true");
  document.querySelector("#menu a")?.focus();
}

function closeMenu() {
  const menu = document.getElementById("menu");
  if (!menu || menu.hidden) return;
  menu.hidden = true;
  document.getElementById("menu-backdrop").hidden = true;
  const button = document.getElementById("menu-button");
  if (button) {
    button.setAttribute("aria-expanded", "false");
    if (menu.contains(document.activeElement)) button.focus();
  }
}

// --- banners: offline, new version -----------------------------------------------------

function banner(id, text, action) {
  let el = document.getElementById(id);
  if (!el) {
    el = h("div", { id, class: `banner ${id}` });
    document.getElementById("banners").append(el);
  }
  clear(el);
  if (action) {
    el.append(h("button", { type: "button", class: "banner-button", onclick: action }, text));
  } else {
    el.append(h("span", {}, text));
  }
  return el;
}

function removeBanner(id) {
  document.getElementById(id)?.remove();
}

function updateOnlineBanner() {
  if (navigator.onLine) {
    removeBanner("banner-offline");
    if (session.offline) refreshSession();
  } else {
    banner("banner-offline", t("offline.banner"));
  }
}

// --- service worker ---------------------------------------------------------------------

let waitingWorker = null;
let reloading = false;

function showUpdate(worker) {
  waitingWorker = worker;
  banner("banner-update", t("update.available"), () => {
    if (!waitingWorker) return;
    reloading = true;
    waitingWorker.postMessage({ type: "SKIP_WAITING" });
  });
}

async function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (reloading) location.reload();
  });
  navigator.serviceWorker.addEventListener("message", (event) => {
    if (event.data && event.data.type === "UPDATE_WAITING") {
      navigator.serviceWorker.getRegistration().then((reg) => { if (reg && reg.waiting) showUpdate(reg.waiting); });
    }
  });
  try {
    const registration = await navigator.serviceWorker.register("/sw.js", { scope: "/" });
    if (registration.waiting && navigator.serviceWorker.controller) showUpdate(registration.waiting);
    registration.addEventListener("updatefound", () => {
      const worker = registration.installing;
      if (!worker) return;
      worker.addEventListener("statechange", () => {
        if (worker.state === "installed" && navigator.serviceWorker.controller) showUpdate(worker);
      });
    });
    // Look for a new version when the app comes back to the foreground.
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") registration.update().catch(() => {});
    });
  } catch (error) {
    console.warn("service worker registration failed", error);
  }
}

// --- the offline queue: sync triggers and its state in a banner (fieldwork) ----------------

async function showQueue() {
  if (!session.me) return removeBanner("banner-queue");
  const counts = await outboxCounts().catch(() => null);
  const open = counts ? counts.waiting + counts.sending : 0;
  if (!counts || (!open && !counts.attention)) return removeBanner("banner-queue");
  const parts = [];
  if (open) parts.push(t("sync.queue", { n: open }));
  if (counts.attention) parts.push(t("sync.queueAttention", { n: counts.attention }));
  banner("banner-queue", parts.join(" · "), () => { location.hash = "#/sync"; });
}

function startQueue() {
  onOutboxChange(showQueue);
  onSyncStatus(showQueue);
  onSessionChange((me) => { if (me) { startSync(); syncNow(); } showQueue(); });
  if (session.me) startSync();
  showQueue();
}

// --- boot ---------------------------------------------------------------------------------

async function refreshSession() {
  try {
    const me = await api.get("/me", undefined, { noAuthRedirect: true });
    setMe(me);
    return true;
  } catch (error) {
    if (error.status === 401) {
      setMe(null);
      return true;
    }
    // Unreachable: carry on with what this device remembers (read-only until back online).
    const remembered = cachedMe();
    if (remembered) setMe(remembered, { offline: true });
    return false;
  }
}

function goToLogin() {
  const { path } = parseHash();
  if (session.me) setMe(null);
  if (path !== "/login") {
    const next = location.hash && location.hash !== LOGIN ? `?next=${encodeURIComponent(location.hash)}` : "";
    location.replace(`${LOGIN}${next}`);
  }
}

async function boot() {
  setUnauthorizedHandler(goToLogin);
  document.getElementById("lang-toggle").addEventListener("click", () => setLanguage(otherLanguage()));
  document.getElementById("menu-backdrop").addEventListener("click", closeMenu);
  document.addEventListener("keydown", (event) => { if (event.key === "Escape") closeMenu(); });
  onLanguageChange(() => {
    route();
    if (!navigator.onLine) banner("banner-offline", t("offline.banner"));
    if (waitingWorker) showUpdate(waitingWorker);
  });
  onSessionChange(() => updateChrome(match(parseHash().path)?.view || null));
  window.addEventListener("online", updateOnlineBanner);
  window.addEventListener("offline", updateOnlineBanner);
  updateOnlineBanner();
  registerServiceWorker();
  await refreshSession();
  startNotifications();
  window.addEventListener("hashchange", route);
  await route();
  startQueue();
  document.body.classList.add("ready");
}

boot();
