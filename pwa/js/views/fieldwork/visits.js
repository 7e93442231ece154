// 走访: the inspector's visits as this device holds them, "take offline", and a new visit on the spot.
import { localTime, t } from "../../i18n.js";
import { getMeta, put, records, uuid } from "../../offline/db.js";
import { bytes } from "../../offline/messages.js";
import { enqueue } from "../../offline/outbox.js";
import { takeOffline } from "../../offline/sync.js";
import { session } from "../../state.js";
import { badge, clear, emptyState, field, h, heading, navigate, onSubmit, toast } from "../../ui.js";

export function visitKey(visit) {
  return visit.local && !visit.id ? `u-${visit.uuid}` : String(visit.id);
}

let lastDone = null; // the message of the last "take offline", shown again after the list is redrawn

async function offlineButton(status) {
  const button = h("button", { type: "button", class: "btn primary", id: "take-offline" }, t("visits.takeOffline"));
  button.addEventListener("click", async () => {
    button.disabled = true;
    status.textContent = t("visits.takingOffline");
    try {
      const { data, persisted, usage } = await takeOffline(session.me);
      lastDone = `${t("visits.offlineDone", { visits: data.visits.length, templates: data.templates.length,
        cases: data.cases.length, size: bytes(usage.usage) })} · ${t(persisted ? "visits.persisted" : "visits.notPersisted")}`;
      navigate("#/visits");
    } catch (error) {
      status.textContent = error.message || t("error.network");
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

export default {
  path: "/visits",
  title: "visits.title",
  roles: ["admin", "inspector"],
  menu: true,
  tab: 2,
  async render(container) {
    const status = h("p", { class: "muted", id: "offline-status", role: "status" });
    const offlineAt = await getMeta("offlineAt");
    if (offlineAt) status.textContent = t("visits.offlineAt", { at: localTime(offlineAt) });
    if (lastDone) {
      status.textContent = lastDone;
      status.dataset.state = "done";
      lastDone = null;
    }
    const visits = (await records("visit")).filter((v) => !v.inspector_id || v.inspector_id === session.me.id);
    // A visit made offline and since synced is held twice (local and server copy): show one.
    const syncedUuids = new Set(visits.filter((v) => !v.local && v.uuid).map((v) => v.uuid));
    const shown = visits.filter((v) => !(v.local && syncedUuids.has(v.uuid)));
    shown.sort((a, b) => String(b.created_at || "").localeCompare(String(a.created_at || "")));
    const points = new Map((await records("point")).map((p) => [p.id, p]));
    const kinds = await records("kind");
    const templates = (await records("template")).filter((tpl) => tpl.current);
    const list = shown.length ? h("ul", { class: "cards visit-list" }, shown.map((visit) => h("li", { class: "card" },
      h("a", { href: `#/visits/${visitKey(visit)}`, class: "visit-link" },
        h("strong", {}, visit.title || points.get(visit.point_id)?.name || visit.place || `#${visit.id}`)),
      " ", badge(kinds.find((k) => k.code === visit.kind)?.name || visit.kind),
      " ", badge(t(visit.recorded && visit.state !== "done" ? "visits.local" : visit.state === "done" ? "visits.done" : "visits.planned"),
        visit.state === "done" ? "ok" : ""),
      visit.planned_for ? h("p", { class: "muted" }, visit.planned_for) : null)))
      : emptyState(t("visits.empty"));

    const form = h("form", { class: "form new-visit" },
      h("h3", {}, t("visits.new")),
      field({ name: "kind", label: t("visits.kind"), type: "select", required: true,
        options: kinds.map((k) => [k.code, k.name]) }),
      field({ name: "point_id", label: t("visits.point"), type: "select", required: true,
        options: [...points.values()].map((p) => [p.id, p.name]) }),
      field({ name: "template_id", label: t("visits.template"), type: "select", placeholder: t("visits.none"),
        options: templates.map((tpl) => [tpl.id, `${tpl.title}（${t("checklists.version", { v: tpl.version })}）`]) }),
      h("button", { type: "submit", class: "btn" }, t("visits.create")));
    onSubmit(form, async (values) => {
      const id = uuid();
      const body = { kind: values.kind, point_id: Number(values.point_id),
        template_id: values.template_id ? Number(values.template_id) : null };
      await enqueue({ id, op: "visit.create", body, userId: session.me.id, label: t("visits.new") });
      await put("records", { key: `visit:u:${id}`, type: "visit",
        data: { ...body, uuid: id, local: true, state: "planned", inspector_id: session.me.id, created_at: new Date().toISOString() } });
      toast(t("visits.create"));
      navigate(`#/visits/u-${id}`);
    });
    clear(container).append(...heading(t("visits.title")), h("div", { class: "toolbar" }, await offlineButton(status)), status,
      list, kinds.length && points.size ? form : null);
  },
};
