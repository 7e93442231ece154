// One case: its facts, deadline, history, and a form for each move the user may make now. The move
// that takes the case forward is open; the others (return, park, urge…) are one tap away.
import { api } from "../../api.js";
import { addMessages, localTime, t } from "../../i18n.js";
import { departments } from "../../lookups.js";
import { badge, field, h, heading, lastList, navigate, onSubmit, toast } from "../../ui.js";
import {
  caseMeta, categoryKey, categoryLabel, metaLabel, metaOptions, severityLabel, stateBadge, stateLabel, typeLabel, warningBadge,
} from "./ledger.js";

addMessages({
  zh: {
    "case.title": "案件详情", "case.history": "办理过程", "case.attachments": "附件", "case.due": "当前期限",
    "case.back": "返回台账", "case.done": "已{action}", "case.conflict": "案件已被他人处理，已刷新为最新状态",
    "case.actions": "办理", "case.otherActions": "其他操作", "case.noActions": "当前没有需要您办理的操作。",
    "case.field.case_type": "类型", "case.field.category": "类别", "case.field.severity": "严重程度",
    "case.field.reason": "理由", "case.field.note": "说明", "case.field.department_id": "承办单位",
    "case.field.result": "办理结果", "case.field.measures": "整改措施", "case.field.files": "照片或文件",
    "case.field.days": "延期工作日数", "case.field.approve": "审批意见", "case.field.level": "督办级别",
    "case.field.resolved": "问题是否解决", "case.field.satisfaction": "满意度", "case.field.office": "移交部门",
    "case.field.into_case_id": "并入案件编号（ID）", "case.field.review_days": "复查周期（天）",
    "case.field.method": "回访方式",
    "case.hint.result": "将作为答复展示给反映人，请写清办理情况和结果。",
    "case.hint.category": "可从列表中选择，也可直接填写。",
    "case.hint.files": "可选多张照片，或 PDF、Word、Excel 文件。",
    "case.hint.closeNote": "未经回访办结时须说明原因（如匿名无法回访）。",
    "case.method.phone": "电话", "case.method.online": "线上", "case.method.visit": "上门",
    "case.yes": "是", "case.no": "否", "case.approve": "同意", "case.reject": "不同意", "case.choose": "请选择",
    "case.fact.type": "类型", "case.fact.category": "类别", "case.fact.severity": "严重程度", "case.fact.channel": "渠道",
    "case.fact.jurisdiction": "辖区", "case.fact.department": "承办单位", "case.fact.concerned": "涉及部门", "case.fact.point": "点位",
    "case.fact.created": "受理时间", "case.fact.signed": "签收时间", "case.fact.answered": "反馈时间",
    "case.fact.closed": "办结时间", "case.fact.visit": "回访结果", "case.fact.counts": "退回 / 重办",
    "case.fact.extension": "延期申请",
    "case.deadline.sign_for": "签收期限", "case.deadline.service_request": "办理期限", "case.deadline.work_style": "办理期限",
    "case.deadline.bad_rating": "办理期限", "case.deadline.return_visit": "回访期限",
    "case.visit": "{resolved}，{satisfaction}", "case.resolved": "已解决", "case.unresolved": "未解决",
    "case.extensionDays": "{days} 个工作日，待审批", "case.counts": "{returns} 次 / {reopens} 次",
    "case.event.department": "承办单位：{name}", "case.event.result": "办理结果：{text}", "case.event.measures": "整改措施：{text}",
    "case.event.reason": "理由：{text}", "case.event.attachments": "附件 {n} 个", "case.event.days": "延期 {days} 个工作日",
    "case.event.approve": "同意延期", "case.event.reject": "不同意延期", "case.event.level": "{level} 级督办",
    "case.event.registered": "{type} · {category} · {severity}", "case.event.office": "移交：{office}",
    "case.event.into": "并入 {number}",
    "case.received": "受理", "case.actor.reporter": "群众", "case.actor.system": "系统", "case.dueLine": "{label}：{at}",
  },
  en: {
    "case.title": "Case", "case.history": "History", "case.attachments": "Attachments", "case.due": "Deadline",
    "case.back": "Back to the ledger", "case.done": "Done: {action}", "case.conflict": "Someone else acted first; reloaded",
    "case.actions": "Actions", "case.otherActions": "Other actions", "case.noActions": "Nothing for you to do on this case now.",
    "case.field.case_type": "Type", "case.field.category": "Category", "case.field.severity": "Severity",
    "case.field.reason": "Reason", "case.field.note": "Note", "case.field.department_id": "Department",
    "case.field.result": "Result", "case.field.measures": "Measures", "case.field.files": "Photos or files",
    "case.field.days": "Working days", "case.field.approve": "Decision", "case.field.level": "Level",
    "case.field.resolved": "Resolved?", "case.field.satisfaction": "Satisfaction", "case.field.office": "Handed to",
    "case.field.into_case_id": "Merge into case (ID)", "case.field.review_days": "Review every (days)",
    "case.field.method": "How",
    "case.hint.result": "The reporter reads this as the reply: say what was done and the outcome.",
    "case.hint.category": "Pick from the list or type one.",
    "case.hint.files": "Photos, or PDF, Word or Excel files.",
    "case.hint.closeNote": "Closing without a return visit needs a reason (e.g. anonymous reporter).",
    "case.method.phone": "Phone", "case.method.online": "Online", "case.method.visit": "In person",
    "case.yes": "Yes", "case.no": "No", "case.approve": "Approve", "case.reject": "Refuse", "case.choose": "Choose…",
    "case.fact.type": "Type", "case.fact.category": "Category", "case.fact.severity": "Severity", "case.fact.channel": "Channel",
    "case.fact.jurisdiction": "Jurisdiction", "case.fact.department": "Department", "case.fact.concerned": "Department concerned",
    "case.fact.point": "Point",
    "case.fact.created": "Received", "case.fact.signed": "Signed for", "case.fact.answered": "Answered",
    "case.fact.closed": "Closed", "case.fact.visit": "Return visit", "case.fact.counts": "Returned / reopened",
    "case.fact.extension": "Extension asked",
    "case.deadline.sign_for": "Sign for by", "case.deadline.service_request": "Answer by", "case.deadline.work_style": "Answer by",
    "case.deadline.bad_rating": "Answer by", "case.deadline.return_visit": "Return visit by",
    "case.visit": "{resolved}, {satisfaction}", "case.resolved": "Resolved", "case.unresolved": "Not resolved",
    "case.extensionDays": "{days} working days, awaiting decision", "case.counts": "{returns} / {reopens}",
    "case.event.department": "Department: {name}", "case.event.result": "Result: {text}", "case.event.measures": "Measures: {text}",
    "case.event.reason": "Reason: {text}", "case.event.attachments": "{n} attachment(s)", "case.event.days": "{days} more working days",
    "case.event.approve": "Extension approved", "case.event.reject": "Extension refused", "case.event.level": "Escalated, level {level}",
    "case.event.registered": "{type} · {category} · {severity}", "case.event.office": "Handed to {office}",
    "case.event.into": "Merged into {number}",
    "case.received": "Received", "case.actor.reporter": "Reporter", "case.actor.system": "System", "case.dueLine": "{label}: {at}",
  },
});

// The move that takes a case forward, in the order of the loop: the first one allowed is shown open.
const FORWARD = ["register", "assign", "sign", "answer", "verify", "return_visit", "close", "decide_extension", "unpark",
  "review_parked"];
const NUMBERS = ["department_id", "days", "level", "satisfaction", "into_case_id", "review_days"];
const FLAGS = ["approve", "resolved"];

function fieldsFor(action, item, meta, deptList) {
  const f = (name, spec = {}) => field({ name, label: t(`case.field.${name}`), ...spec });
  const yesNo = [["true", t("case.yes")], ["false", t("case.no")]];
  switch (action) {
    case "register": {
      // Free text as the server allows, with the known categories offered by name.
      const category = f("category", { required: true, value: categoryLabel(meta, item.category), maxlength: 32,
        hint: t("case.hint.category") });
      const listId = `${category.control.id}-choices`;
      category.control.setAttribute("list", listId);
      category.control.setAttribute("autocomplete", "off");
      category.append(h("datalist", { id: listId }, (meta.categories || []).filter((c) => c.active)
        .map((c) => h("option", { value: categoryLabel(meta, c.key) }))));
      return [
        f("case_type", { type: "select", required: true, value: item.case_type, placeholder: t("case.choose"),
          options: metaOptions(meta, "case_types") }),
        category,
        f("severity", { type: "select", value: item.severity || "normal", options: metaOptions(meta, "severities") }),
        f("note")];
    }
    case "assign": return [f("department_id", { type: "select", required: true, value: item.department?.id,
      placeholder: t("case.choose"), options: deptList.map((d) => [d.id, d.name]) }), f("note")];
    case "not_accept": case "send_up": case "return": case "send_back": case "reopen":
      return [f("reason", { type: "textarea", required: true })];
    case "park": return [f("reason", { type: "textarea", required: true }),
      f("review_days", { value: "30", inputmode: "numeric" })];
    case "merge": return [f("into_case_id", { required: true, inputmode: "numeric" })];
    case "hand_over": return [f("office", { required: true, value: "信访室" })];
    case "answer": {
      const files = f("files", { type: "file", accept: "image/*,.pdf,.docx,.xlsx,.txt", hint: t("case.hint.files") });
      files.control.multiple = true;
      return [f("result", { type: "textarea", required: true, rows: 4, hint: t("case.hint.result") }),
        f("measures", { type: "textarea" }), files];
    }
    case "request_extension": return [f("days", { required: true, inputmode: "numeric" }),
      f("reason", { type: "textarea", required: true })];
    case "decide_extension": return [f("approve", { type: "select", required: true, placeholder: t("case.choose"),
      options: [["true", t("case.approve")], ["false", t("case.reject")]] }), f("note")];
    case "escalate": return [f("level", { type: "select", required: true,
      options: [1, 2, 3].filter((n) => n > (item.escalation_level || 0)).map((n) => [n, String(n)]) })];
    case "return_visit": return [
      f("resolved", { type: "select", required: true, placeholder: t("case.choose"), options: yesNo }),
      f("satisfaction", { type: "select", required: true, placeholder: t("case.choose"),
        options: metaOptions(meta, "satisfaction") }),
      f("method", { type: "select", value: "phone", options: ["phone", "online", "visit"].map((m) => [m, t(`case.method.${m}`)]) }),
      f("note")];
    case "review_parked": return [f("note", { type: "textarea", required: true })];
    case "close": return [f("note", item.state === "verified" ? { type: "textarea", required: true, hint: t("case.hint.closeNote") } : {})];
    default: return [f("note")];
  }
}

function body(values, meta) {
  const out = {};
  for (const [key, value] of Object.entries(values)) {
    if (key === "files" || value === "" || value === null) continue;
    if (key === "category") out[key] = categoryKey(meta, value);
    else if (NUMBERS.includes(key)) out[key] = Number(value);
    else if (FLAGS.includes(key)) out[key] = value === "true";
    else out[key] = value;
  }
  return out;
}

function facts(item, meta) {
  const rows = [
    ["type", typeLabel(meta, item.case_type)],
    ["category", categoryLabel(meta, item.category)],
    ["severity", severityLabel(meta, item.severity)],
    ["channel", metaLabel(meta, "channels", item.channel)],
    ["jurisdiction", item.jurisdiction?.name],
    // Before it is assigned, the department is the one the report is about, not yet the one handling it.
    [["received", "registered"].includes(item.state) ? "concerned" : "department", item.department?.name],
    ["point", item.point?.name],
    ["created", localTime(item.created_at)],
    ["signed", localTime(item.signed_at)],
    ["answered", localTime(item.answered_at)],
    ["closed", localTime(item.closed_at)],
    ["visit", item.satisfaction ? t("case.visit", {
      resolved: item.resolved ? t("case.resolved") : t("case.unresolved"),
      satisfaction: metaLabel(meta, "satisfaction", item.satisfaction) }) : ""],
    ["extension", item.extension_requested_days ? t("case.extensionDays", { days: item.extension_requested_days }) : ""],
    ["counts", item.returns_count || item.reopen_count
      ? t("case.counts", { returns: item.returns_count, reopens: item.reopen_count }) : ""],
  ].filter(([, value]) => value);
  return h("dl", { class: "facts case-fact-list" }, rows.map(([key, value]) => [
    h("dt", {}, t(`case.fact.${key}`)), h("dd", { dataset: { fact: key } }, value)]));
}

function eventLines(event, item, meta) {
  const d = event.data || {};
  const lines = [];
  const add = (key, params, cls) => lines.push(h("p", { class: cls || null }, t(key, params)));
  if (event.action === "register") {
    add("case.event.registered", { type: typeLabel(meta, d.case_type), category: categoryLabel(meta, d.category),
      severity: severityLabel(meta, d.severity) });
  }
  if (event.action === "assign" && d.department) add("case.event.department", { name: d.department });
  if (d.result) add("case.event.result", { text: d.result });
  if (d.measures) add("case.event.measures", { text: d.measures });
  if (Array.isArray(d.attachments) && d.attachments.length) add("case.event.attachments", { n: d.attachments.length }, "muted");
  if (d.reason) add("case.event.reason", { text: d.reason }, "muted");
  if (event.action === "request_extension" && d.days) add("case.event.days", { days: d.days });
  if (event.action === "decide_extension") add(d.approve ? "case.event.approve" : "case.event.reject", {});
  if (event.action === "escalate" && d.level) add("case.event.level", { level: d.level });
  if (event.action === "hand_over" && d.office) add("case.event.office", { office: d.office });
  if (event.action === "merge" && d.into_number) add("case.event.into", { number: d.into_number });
  if (event.action === "return_visit" && d.satisfaction) {
    add("case.visit", { resolved: d.resolved ? t("case.resolved") : t("case.unresolved"),
      satisfaction: metaLabel(meta, "satisfaction", d.satisfaction) });
  }
  if (event.note) lines.push(h("p", { class: "event-note" }, event.note));
  return lines;
}

function actorName(event) {
  if (event.actor_kind === "reporter") return t("case.actor.reporter");
  if (event.actor_kind === "system" || !event.actor) return t("case.actor.system");
  return event.actor;
}

function attachmentList(item) {
  return h("section", { class: "case-attachments" }, h("h3", {}, t("case.attachments")),
    h("ul", { class: "attachment-list" }, item.attachments.map((a) => h("li", {},
      a.content_type.startsWith("image/")
        ? h("a", { href: a.url, target: "_blank", rel: "noopener", class: "thumb" },
          h("img", { src: a.url, alt: "", loading: "lazy", width: 96, height: 72 }), h("span", {}, a.filename))
        : h("a", { href: a.url, target: "_blank", rel: "noopener" }, a.filename)))));
}

export default {
  path: "/cases/:id",
  title: "case.title",
  roles: ["admin", "inspector", "handler"],
  async render(container, { id }) {
    const [meta, deptList, item] = await Promise.all([
      caseMeta(), departments().catch(() => []), api.get(`/cases/${encodeURIComponent(id)}`)]);
    const labelOf = (key) => metaLabel(meta, "actions", key);
    const reload = () => navigate(`#/cases/${item.id}`);

    const formFor = (action) => {
      const form = h("form", { class: "case-action form", dataset: { action } },
        ...fieldsFor(action, item, meta, deptList),
        h("button", { type: "submit", class: "btn primary" }, labelOf(action)));
      onSubmit(form, async (values) => {
        const payload = { version: item.version, ...body(values, meta) };
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
          if (error.status !== 409 || error.code !== "stale_version") throw error;
          toast(t("case.conflict"));
        }
        reload();
      });
      return form;
    };

    const allowed = item.allowed_actions || [];
    const forward = FORWARD.find((a) => allowed.includes(a));
    const others = allowed.filter((a) => a !== forward);
    const actions = h("section", { class: "case-actions", "aria-label": t("case.actions") },
      forward ? h("div", { class: "case-move primary-move" }, h("h3", {}, labelOf(forward)), formFor(forward)) : null,
      others.length ? h("div", { class: "case-move other-moves" },
        forward ? h("h3", { class: "other-title" }, t("case.otherActions")) : null,
        others.map((action) => h("details", { class: "case-move-more", dataset: { action } },
          h("summary", {}, labelOf(action)), formFor(action)))) : null,
      allowed.length ? null : h("p", { class: "muted" }, t("case.noActions")));

    const deadline = item.due_at ? h("p", { class: item.overdue ? "case-due overdue" : "case-due" },
      t("case.dueLine", { label: t(`case.deadline.${item.deadline_kind}`, {}, t("case.due")), at: localTime(item.due_at) })) : null;
    container.append(...[
      ...heading(item.number),
      h("section", { class: "case-facts" },
        h("p", { class: "case-badges" }, stateBadge(meta, item.state), ...warningBadge(item)),
        h("p", { class: "case-summary" }, item.summary),
        deadline,
        facts(item, meta)),
      item.attachments.length ? attachmentList(item) : null,
      actions,
      h("section", { class: "case-history" }, h("h3", {}, t("case.history")),
        h("ol", { class: "timeline" }, item.events.map((e) => h("li", { dataset: { action: e.action } },
          h("p", { class: "event-head" }, h("strong", {}, e.action === "receive" ? t("case.received") : labelOf(e.action)), " ",
            e.to_state !== e.from_state ? badge(stateLabel(meta, e.to_state), "muted") : null),
          h("p", { class: "event-meta muted" }, [actorName(e), localTime(e.at)].filter(Boolean).join(" · ")),
          ...eventLines(e, item, meta))))),
      h("p", { class: "case-back" }, h("a", { href: lastList("cases", "#/cases") }, t("case.back"))),
    ].filter(Boolean));
  },
};
