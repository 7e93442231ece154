// One case: its facts, deadline, history, and a form for each move the user may make now.
import { api } from "../api.js";
import { addMessages, t } from "../i18n.js";
import { departments } from "../lookups.js";
import { badge, button, clear, field, h, heading, lastList, navigate, onSubmit, showErrors, toast } from "../ui.js";
import { caseMeta, localTime, warningBadge } from "./ledger.js";

addMessages({
  zh: {
    "case.title": "案件详情", "case.history": "办理过程", "case.attachments": "附件", "case.due": "当前期限",
    "case.back": "返回台账", "case.done": "已{action}", "case.conflict": "案件已被他人处理，已刷新为最新状态",
    "case.field.case_type": "类型", "case.field.category": "类别", "case.field.severity": "严重程度",
    "case.field.reason": "理由", "case.field.note": "说明", "case.field.department_id": "承办单位",
    "case.field.result": "办理结果", "case.field.measures": "整改措施", "case.field.files": "照片或文件",
    "case.field.days": "延期工作日数", "case.field.approve": "审批意见", "case.field.level": "督办级别",
    "case.field.resolved": "问题是否解决", "case.field.satisfaction": "满意度", "case.field.office": "移交部门",
    "case.field.into_case_id": "并入案件编号（ID）", "case.field.review_days": "复查周期（天）",
    "case.yes": "是", "case.no": "否",
  },
  en: {
    "case.title": "Case", "case.history": "History", "case.attachments": "Attachments", "case.due": "Deadline",
    "case.back": "Back to the ledger", "case.done": "Done: {action}", "case.conflict": "Someone else acted first; reloaded",
    "case.field.case_type": "Type", "case.field.category": "Category", "case.field.severity": "Severity",
    "case.field.reason": "Reason", "case.field.note": "Note", "case.field.department_id": "Department",
    "case.field.result": "Result", "case.field.measures": "Measures", "case.field.files": "Photos or files",
    "case.field.days": "Working days", "case.field.approve": "Decision", "case.field.level": "Level",
    "case.field.resolved": "Resolved?", "case.field.satisfaction": "Satisfaction", "case.field.office": "Handed to",
    "case.field.into_case_id": "Merge into case (ID)", "case.field.review_days": "Review every (days)",
    "case.yes": "Yes", "case.no": "No",
  },
});

const YES_NO = () => [["true", t("case.yes")], ["false", t("case.no")]];

function fieldsFor(action, meta, deptList) {
  const f = (name, spec = {}) => field({ name, label: t(`case.field.${name}`), ...spec });
  switch (action) {
    case "register": return [f("case_type", { type: "select", required: true, options: meta.case_types.map((c) => [c.key, c.label]) }),
      f("category", { required: true }), f("severity", { type: "select", options: [["normal", "一般"], ["serious", "较重"], ["grave", "严重"]] })];
    case "assign": return [f("department_id", { type: "select", required: true, options: deptList.map((d) => [d.id, d.name]) }), f("note")];
    case "not_accept": case "send_up": case "return": case "send_back": case "reopen": return [f("reason", { type: "textarea", required: true })];
    case "park": return [f("reason", { type: "textarea", required: true }), f("review_days", { value: "30", inputmode: "numeric" })];
    case "merge": return [f("into_case_id", { required: true, inputmode: "numeric" })];
    case "hand_over": return [f("office", { required: true, value: "信访室" })];
    case "answer": return [f("result", { type: "textarea", required: true }), f("measures", { type: "textarea" }),
      field({ name: "files", label: t("case.field.files"), type: "file", accept: "image/*,.pdf,.docx,.xlsx", multiple: true })];
    case "request_extension": return [f("days", { required: true, inputmode: "numeric" }), f("reason", { type: "textarea", required: true })];
    case "decide_extension": return [f("approve", { type: "select", required: true, options: YES_NO() }), f("note")];
    case "escalate": return [f("level", { type: "select", required: true, options: [["1", "1"], ["2", "2"], ["3", "3"]] })];
    case "return_visit": return [f("resolved", { type: "select", required: true, options: YES_NO() }),
      f("satisfaction", { type: "select", required: true, options: meta.satisfaction.map((s) => [s.key, s.label]) }), f("note")];
    case "review_parked": return [f("note", { type: "textarea", required: true })];
    default: return [f("note")];
  }
}

function body(action, values) {
  const out = {};
  for (const [key, value] of Object.entries(values)) {
    if (key === "files" || value === "" || value === null) continue;
    if (["department_id", "days", "level", "satisfaction", "into_case_id", "review_days"].includes(key)) out[key] = Number(value);
    else if (["approve", "resolved"].includes(key)) out[key] = value === "true";
    else out[key] = value;
  }
  return out;
}

export default {
  path: "/cases/:id",
  title: "case.title",
  roles: ["admin", "inspector", "handler"],
  async render(container, { id }) {
    const [meta, deptList] = await Promise.all([caseMeta(), departments().catch(() => [])]);
    const item = await api.get(`/cases/${encodeURIComponent(id)}`);
    const labelOf = (key) => meta.actions.find((a) => a.key === key)?.label || key;
    const stateLabel = meta.states.find((s) => s.key === item.state)?.label || item.state;
    const actions = h("div", { class: "case-actions" });
    for (const action of item.allowed_actions) {
      const form = h("form", { class: "case-action", dataset: { action } },
        h("h3", {}, labelOf(action)), ...fieldsFor(action, meta, deptList),
        h("button", { type: "submit", class: "btn primary" }, labelOf(action)));
      onSubmit(form, async (values) => {
        const payload = { version: item.version, ...body(action, values) };
        const files = form.querySelector("input[type=file]")?.files || [];
        if (files.length) {
          payload.attachments = [];
          for (const file of files) {
            const data = new FormData();
            data.append("file", file);
            payload.attachments.push((await api.upload(`/cases/${item.id}/attachments`, data)).id);
          }
        }
        try {
          await api.post(`/cases/${item.id}/actions/${action}`, payload);
          toast(t("case.done", { action: labelOf(action) }));
        } catch (error) {
          if (error.status === 409 && error.code === "stale_version") toast(t("case.conflict"));
          else throw error;
        }
        navigate(`#/cases/${item.id}`);
      });
      actions.append(form);
    }
    container.append(
      ...heading(`${item.number}`),
      h("section", { class: "case-facts" },
        h("p", {}, badge(stateLabel), ...warningBadge(item)),
        h("p", { class: "case-summary" }, item.summary),
        h("p", { class: "muted" }, [item.jurisdiction?.name, item.department?.name, item.point?.name, item.category]
          .filter(Boolean).join(" · ")),
        item.due_at ? h("p", {}, `${t("case.due")}：${localTime(item.due_at)}`) : null),
      item.attachments.length ? h("section", {}, h("h3", {}, t("case.attachments")),
        h("ul", {}, item.attachments.map((a) => h("li", {}, h("a", { href: a.url, target: "_blank", rel: "noopener" }, a.filename))))) : null,
      actions,
      h("section", { class: "case-history" }, h("h3", {}, t("case.history")),
        h("ol", { class: "timeline" }, item.events.map((e) => h("li", { dataset: { action: e.action } },
          h("strong", {}, e.label), ` · ${e.actor} · ${localTime(e.at)}`,
          e.note ? h("p", {}, e.note) : null,
          e.data && e.data.result ? h("p", {}, e.data.result) : null,
          e.data && e.data.reason ? h("p", { class: "muted" }, e.data.reason) : null)))),
      h("p", {}, h("a", { href: lastList("cases", "#/cases") }, t("case.back"))),
    );
  },
};
