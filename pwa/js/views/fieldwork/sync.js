// 同步: every queued write and its state (waiting, sending, sent, needs attention), a progress bar,
// 立即同步, and for refused writes: the reason, fix and resend, export, or give up (never silently).
import { localTime, t } from "../../i18n.js";
import { bytes } from "../../offline/messages.js";
import { discard, exportItems, fix, items, onOutboxChange, retry } from "../../offline/outbox.js";
import { enqueue } from "../../offline/outbox.js";
import { onSyncStatus, status, syncNow, usage } from "../../offline/sync.js";
import { session } from "../../state.js";
import { badge, button, clear, confirmDialog, emptyState, h, heading } from "../../ui.js";
import { uuid } from "../../offline/db.js";

const STATES = ["waiting", "sending", "sent", "attention", "discarded"];

function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = h("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function itemRow(item) {
  const mine = item.userId === session.me.id;
  const row = h("li", { class: `card outbox-item state-${item.state}`, dataset: { id: item.id, state: item.state, op: item.op } },
    h("strong", {}, item.label || item.op), " ",
    badge(t(`sync.${item.state}`), item.state === "sent" ? "ok" : item.state === "attention" ? "warn" : ""),
    mine ? null : h("span", { class: "muted" }, t("sync.otherUser")),
    h("p", { class: "muted" }, localTime(item.createdAt)),
    item.reason && item.state !== "sent" ? h("p", { class: "outbox-reason" }, item.reason) : null);
  if (item.state === "attention") {
    const actions = h("div", { class: "toolbar" });
    if (item.current && item.op === "case.act") {
      row.append(h("p", {}, t("sync.conflict", { state: item.current.state, version: item.current.version })));
      const rebase = button(t("sync.rebase"));
      rebase.addEventListener("click", async () => {
        await enqueue({ id: uuid(), op: item.op, userId: item.userId, label: item.label,
          body: { ...item.body, version: item.current.version } });
        await discard(item.id);
        syncNow();
      });
      actions.append(rebase);
    } else {
      const editor = h("textarea", { rows: 6, class: "outbox-body", "aria-label": t("sync.edit") });
      editor.value = JSON.stringify(item.body, null, 2);
      const resend = button(t("sync.edit"));
      resend.addEventListener("click", async () => {
        try {
          await fix(item.id, JSON.parse(editor.value));
          syncNow();
        } catch {
          editor.setAttribute("aria-invalid", "true");
        }
      });
      row.append(h("details", {}, h("summary", {}, t("sync.edit")), editor, resend));
      const again = button(t("sync.retry"));
      again.addEventListener("click", async () => { await retry(item.id); syncNow(); });
      actions.append(again);
    }
    const exporter = button(t("sync.export"));
    exporter.addEventListener("click", async () => download(await exportItems([item.id]), `jiandu-${item.id}.json`));
    const giveUp = button(t("sync.discard"), { class: "btn danger" });
    giveUp.addEventListener("click", async () => {
      if (await confirmDialog(t("sync.discardConfirm"), { danger: true })) await discard(item.id);
    });
    actions.append(exporter, giveUp);
    row.append(actions);
  }
  return row;
}

export default {
  path: "/sync",
  title: "sync.title",
  roles: null,
  menu: true,
  async render(container) {
    const progress = h("progress", { id: "sync-progress", max: 1, value: 0 });
    const progressText = h("p", { class: "muted", id: "sync-progress-text", role: "status" });
    const notice = h("p", { class: "sync-notice", id: "sync-notice", role: "status" });
    const storage = h("p", { class: "muted", id: "sync-storage" });
    const list = h("div", { id: "outbox-list" });
    const now = h("button", { type: "button", class: "btn primary", id: "sync-now" }, t("sync.now"));
    now.addEventListener("click", () => syncNow());
    const exportAll = button(t("sync.export"), { id: "sync-export" });
    exportAll.addEventListener("click", async () => download(await exportItems(), "jiandu-outbox.json"));

    const paint = async () => {
      if (!container.isConnected) return;
      const rows = await items();
      const counts = Object.fromEntries(STATES.map((s) => [s, rows.filter((r) => r.state === s).length]));
      const open = counts.waiting + counts.sending;
      progress.max = Math.max(1, status.total || rows.length);
      progress.value = status.running ? status.done : Math.max(0, rows.length - open);
      progress.max = status.running ? Math.max(1, status.total) : Math.max(1, rows.length);
      progressText.textContent = `${STATES.map((s) => `${t(`sync.${s}`)} ${counts[s]}`).join(" · ")}`
        + ` · ${status.lastSync ? t("sync.last", { at: localTime(status.lastSync) }) : t("sync.never")}`;
      notice.textContent = status.needsLogin ? t("sync.needsLogin") : (!navigator.onLine ? t("sync.offline") : "");
      now.disabled = status.running;
      clear(list).append(rows.length ? h("ul", { class: "cards outbox" }, [...rows].reverse().map(itemRow))
        : emptyState(t("sync.empty")));
    };
    const offOutbox = onOutboxChange(paint);
    const offStatus = onSyncStatus(paint);
    const observer = new MutationObserver(() => {
      if (!container.isConnected) { offOutbox(); offStatus(); observer.disconnect(); }
    });
    observer.observe(document.getElementById("view"), { childList: true });
    const estimate = await usage();
    storage.textContent = t("sync.storage", { used: bytes(estimate.usage), quota: bytes(estimate.quota) });
    container.append(...heading(t("sync.title")), h("div", { class: "toolbar" }, now, exportAll), progress, progressText,
      notice, storage, list);
    await paint();
  },
};
