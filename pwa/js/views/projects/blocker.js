// 反映堵点: the enterprise reports a blocker (from its project page or by scanning the project code,
// #/blockers/new?code=XXXX). It works offline: the blocker goes into the outbox with its photos and
// is sent by the sync (`blocker.create`); the form's UUID is the idempotency key. Also one blocker's
// page: its case's progress and, once the commission has checked the answer, the return visit.
import { api } from "../../api.js";
import { addMessages, localTime, t } from "../../i18n.js";
import { uuid } from "../../offline/db.js";
import { enqueue, keepPhoto } from "../../offline/outbox.js";
import { syncNow } from "../../offline/sync.js";
import { session } from "../../state.js";
import { badge, field, h, heading, navigate, onSubmit, toast } from "../../ui.js";

addMessages({
  zh: {
    "blocker.title": "反映堵点", "blocker.detail": "堵点详情", "blocker.category": "堵点类型",
    "blocker.department": "涉及部门", "blocker.description": "情况说明", "blocker.photos": "照片（最多 3 张）",
    "blocker.contact": "是否同意纪检监察机关与您联系", "blocker.yes": "同意", "blocker.no": "不同意",
    "blocker.submit": "提交", "blocker.queued": "已保存，正在发送", "blocker.queuedOffline": "已保存在本机，联网后自动发送",
    "blocker.noData": "首次使用需要联网加载项目信息", "blocker.progress": "办理进度", "blocker.visit": "回访",
    "blocker.resolved": "问题是否已解决", "blocker.satisfaction": "满意程度", "blocker.visitSubmit": "提交回访意见",
    "blocker.visitDone": "感谢您的反馈", "blocker.case": "案件编号 {number}",
    "satisfaction.5": "非常满意", "satisfaction.4": "满意", "satisfaction.3": "基本满意", "satisfaction.2": "不满意",
    "satisfaction.1": "非常不满意",
  },
  en: {
    "blocker.title": "Report a blocker", "blocker.detail": "Blocker", "blocker.category": "Kind",
    "blocker.department": "Department concerned", "blocker.description": "What happened", "blocker.photos": "Photos (up to 3)",
    "blocker.contact": "May the commission contact you?", "blocker.yes": "Yes", "blocker.no": "No",
    "blocker.submit": "Send", "blocker.queued": "Saved, sending", "blocker.queuedOffline": "Saved on this phone; it is sent when you are online",
    "blocker.noData": "Go online once to load the project", "blocker.progress": "Progress", "blocker.visit": "Return visit",
    "blocker.resolved": "Was it solved?", "blocker.satisfaction": "How satisfied are you?", "blocker.visitSubmit": "Send",
    "blocker.visitDone": "Thank you", "blocker.case": "Case {number}",
    "satisfaction.5": "Very satisfied", "satisfaction.4": "Satisfied", "satisfaction.3": "Fairly satisfied",
    "satisfaction.2": "Dissatisfied", "satisfaction.1": "Very dissatisfied",
  },
});

const CACHE = "jiandu.blocker-form";

/** Categories and the project's departments: from the server, or as kept on the device last time. */
async function formData(query) {
  const code = query.get("code");
  let cached = {};
  try {
    cached = JSON.parse(localStorage.getItem(CACHE) || "{}");
  } catch {
    cached = {};
  }
  try {
    const project = code ? await api.get(`/projects/by-code/${encodeURIComponent(code)}`)
      : await api.get(`/projects/${encodeURIComponent(query.get("project") || session.me.project?.id)}`);
    const timeline = await api.get(`/projects/${project.id}/timeline`);
    const meta = await api.get("/blocker-categories");
    const data = { project: { id: project.id, name: project.name, departments: timeline.project.departments },
      categories: meta.items };
    cached[project.id] = data;
    cached.last = project.id;
    try { localStorage.setItem(CACHE, JSON.stringify(cached)); } catch { /* full: fine */ }
    return data;
  } catch (error) {
    if (!error.isNetwork) throw error;
    const wanted = query.get("project") || session.me.project?.id || cached.last;
    if (cached[wanted]) return cached[wanted];
    throw error;
  }
}

export default {
  path: "/blockers/new",
  title: "blocker.title",
  roles: ["enterprise"],
  async render(container, { query }) {
    const data = await formData(query);
    const id = uuid(); // made when the form opens: sending twice makes one blocker
    const photos = field({ name: "photos", label: t("blocker.photos"), type: "file", accept: "image/*" });
    photos.control.multiple = true;
    const form = h("form", { class: "blocker-form" },
      field({ name: "category", label: t("blocker.category"), type: "select", required: true,
        options: data.categories.map((c) => [c.code, c.name]), placeholder: "—" }),
      data.project.departments.length ? field({ name: "department_id", label: t("blocker.department"), type: "select",
        required: true, options: data.project.departments.map((d) => [d.id, d.name]), placeholder: "—" }) : null,
      field({ name: "description", label: t("blocker.description"), type: "textarea", required: true }),
      photos,
      field({ name: "contact_ok", label: t("blocker.contact"), type: "select", required: true,
        options: [["true", t("blocker.yes")], ["false", t("blocker.no")]], value: "true" }),
      h("button", { type: "submit", class: "btn primary" }, t("blocker.submit")));
    onSubmit(form, async (values) => {
      const userId = session.me.id;
      const files = [...form.querySelector("input[type=file]").files].slice(0, 3);
      const photoIds = [];
      for (const file of files) photoIds.push(await keepPhoto(file, userId));
      const body = { project_id: data.project.id, category: values.category, description: values.description,
        department_id: values.department_id ? Number(values.department_id) : null,
        contact_ok: values.contact_ok === "true", photos: photoIds };
      if (query.get("code")) body.point_code = query.get("code");
      await enqueue({ id, op: "blocker.create", userId, photos: photoIds, label: `${t("blocker.title")}：${data.project.name}`, body });
      const online = navigator.onLine;
      toast(t(online ? "blocker.queued" : "blocker.queuedOffline"));
      if (online) syncNow();
      navigate(`#/projects/${data.project.id}`);
    });
    container.append(...heading(t("blocker.title"), data.project.name), form);
  },
};

export const blockerDetail = {
  path: "/blockers/:id",
  title: "blocker.detail",
  roles: ["admin", "inspector", "enterprise"],
  async render(container, { id }) {
    const b = await api.get(`/blockers/${encodeURIComponent(id)}`);
    container.append(
      ...heading(b.category_label),
      h("section", { class: "card blocker-facts" },
        h("p", {}, badge(b.state_label || b.state, b.open ? "colour-yellow" : "ok"), " ",
          b.case_number ? h("span", { class: "muted" }, t("blocker.case", { number: b.case_number })) : null),
        h("p", {}, b.description),
        b.department ? h("p", { class: "muted" }, `${t("blocker.department")}：${b.department}`) : null,
        b.photos.length ? h("p", {}, b.photos.map((p) => h("img", { src: p.url, alt: "", class: "blocker-photo", width: 96 }))) : null),
      h("section", { class: "blocker-progress" }, h("h3", {}, t("blocker.progress")),
        h("ol", { class: "timeline" }, (b.events || []).map((e) => h("li", { dataset: { action: e.action } },
          h("strong", {}, e.state_label), ` · ${localTime(e.at)}`, e.note ? h("p", {}, e.note) : null)))),
    );
    if (b.feedback_open) {
      const form = h("form", { class: "blocker-visit" }, h("h3", {}, t("blocker.visit")),
        field({ name: "resolved", label: t("blocker.resolved"), type: "select", required: true,
          options: [["true", t("blocker.yes")], ["false", t("blocker.no")]] }),
        field({ name: "satisfaction", label: t("blocker.satisfaction"), type: "select", required: true,
          options: [5, 4, 3, 2, 1].map((n) => [String(n), t(`satisfaction.${n}`)]) }),
        field({ name: "comment", label: t("blocker.description"), type: "textarea" }),
        h("button", { type: "submit", class: "btn primary" }, t("blocker.visitSubmit")));
      onSubmit(form, async (values) => {
        await api.post(`/blockers/${b.id}/feedback`, { resolved: values.resolved === "true",
          satisfaction: Number(values.satisfaction), comment: values.comment });
        toast(t("blocker.visitDone"));
        navigate(`#/blockers/${b.id}?v=${Date.now()}`);
      });
      container.append(form);
    }
  },
};
