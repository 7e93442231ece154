// One project: its registry facts and code, the approval timeline with its colours, payments,
// milestones, blockers and (for inspectors) the cases and visits; invitations of enterprise users.
// Admins and inspectors add and edit approval items, payments and milestones here, and invite the
// enterprise's contact (the one-time code and link are shown once, right after they are made).
// Also the public screen where an invited enterprise contact sets a password (#/invite/<code>).
import { api, setCsrfToken } from "../../api.js";
import { addMessages, localTime, t } from "../../i18n.js";
import { hasRole, session, signedIn } from "../../state.js";
import {
  append, badge, clear, confirmDialog, emptyState, errorBlock, field, h, heading, idOrNull, navigate, onSubmit, orNull, toast,
} from "../../ui.js";
import { projectMeta } from "./project-edit.js";
import { colourBadge } from "./projects.js";

addMessages({
  zh: {
    "project.title": "项目详情", "project.code": "项目专属码", "project.stage": "阶段", "project.owner": "业主单位",
    "project.builder": "施工单位", "project.investment": "总投资 {n} 万元", "project.departments": "涉及部门",
    "project.liaison": "包联干部", "project.approvals": "审批事项", "project.payments": "应付账款",
    "project.milestones": "项目节点", "project.blockers": "堵点反映", "project.cases": "相关案件", "project.visits": "走访记录",
    "project.stream": "全过程时间线", "project.report": "反映堵点", "project.invite": "邀请企业用户",
    "project.invited": "邀请码（只显示一次）：{code}", "project.inviteName": "被邀请人姓名",
    "project.elapsed": "已用 {n}/{limit} 个工作日", "project.due": "承诺办结 {date}", "project.done": "办结 {date}",
    "project.provisional": "（日历待确认）", "project.paid": "已付 {date}", "project.payDue": "应付 {date}",
    "project.overdueDays": "逾期 {n} 天", "project.planned": "计划 {date}", "project.empty": "暂无",
    "project.back": "返回项目看板",
    "project.edit": "编辑项目", "project.contact": "企业联系人", "project.location": "项目地址",
    "project.creditCode": "信用代码 {code}", "project.inactive": "已停用",
    "project.limits": "法定 {statutory} / 承诺 {promised} 个工作日", "project.overStatutory": "超法定时限",
    "project.lead": "问题线索", "project.submitted": "申报 {date}",
    "projectItem.add.approval": "添加审批事项", "projectItem.add.payment": "添加应付账款", "projectItem.add.milestone": "添加项目节点",
    "projectItem.edit": "编辑",
    "projectItem.saved.approval": "已保存审批事项“{name}”", "projectItem.saved.payment": "已保存应付账款“{name}”",
    "projectItem.saved.milestone": "已保存项目节点“{name}”",
    "projectItem.noDepartments": "本项目还没有涉及部门：审批事项须选择项目涉及的部门。",
    "projectItem.addDepartments": "在项目登记中添加部门",
    "approval.name": "审批事项名称", "approval.department": "审批部门", "approval.submitted": "申报日期",
    "approval.statutory": "法定时限（工作日）", "approval.promised": "承诺时限（工作日）",
    "approval.promisedHint": "不长于法定时限；按承诺时限计算预警", "approval.done": "办结日期",
    "approval.doneHint": "尚未办结请留空",
    "payment.contract": "合同名称", "payment.contractNo": "合同编号", "payment.payer": "付款单位",
    "payment.payerKind": "付款单位类型", "payment.amount": "金额（元）", "payment.amountHint": "最多两位小数",
    "payment.delivered": "交付（验收）日期", "payment.contractDue": "合同约定付款日期",
    "payment.contractDueHint": "未约定请留空：机关事业单位自交付之日起 {days} 日内付款，约定最长不超过 {max} 日",
    "payment.paid": "实际付款日期", "payment.paidHint": "尚未付款请留空",
    "milestone.name": "节点名称", "milestone.stage": "所属阶段", "milestone.planned": "计划日期",
    "milestone.done": "完成日期",
    "projectItem.note": "备注",
    "invite.staffTitle": "邀请企业联系人", "invite.colleagueTitle": "邀请同事",
    "invite.staffIntro": "生成一次性邀请码，转交企业联系人；联系人用它设置账号后即可反映堵点，并可邀请同事。",
    "invite.colleagueIntro": "您还可以邀请 {n} 位同事。",
    "invite.make": "生成邀请码", "invite.once": "邀请码只显示这一次，请立即转交：",
    "invite.link": "激活链接", "invite.expires": "有效期至 {at}", "invite.copy": "复制链接", "invite.copied": "已复制",
    "invite.copyFailed": "无法自动复制，请长按链接复制",
    "invite.list": "已发出的邀请", "invite.revoke": "撤销", "invite.confirmRevoke": "确定撤销这个邀请码吗？撤销后无法再使用。",
    "invite.revoked": "已撤销",
    "invite.kind.contact": "企业联系人", "invite.kind.colleague": "同事",
    "invite.state.pending": "待使用", "invite.state.used": "已使用", "invite.state.expired": "已过期",
    "invite.state.revoked": "已撤销",
    "stream.approval_submitted": "申报", "stream.approval_done": "办结", "stream.payment_due": "付款到期",
    "stream.payment_paid": "已付款", "stream.milestone": "节点", "stream.blocker": "堵点", "stream.case": "案件",
    "stream.visit": "走访",
    "invite.title": "激活企业账号", "invite.for": "项目：{name}", "invite.username": "用户名",
    "invite.display_name": "姓名", "invite.password": "设置密码（至少 10 位）", "invite.submit": "激活并登录",
    "invite.done": "账号已激活",
  },
  en: {
    "project.title": "Project", "project.code": "Project code", "project.stage": "Stage", "project.owner": "Owner",
    "project.builder": "Contractor", "project.investment": "Investment {n}0k yuan", "project.departments": "Departments",
    "project.liaison": "Liaison cadre", "project.approvals": "Approvals", "project.payments": "Payments due",
    "project.milestones": "Milestones", "project.blockers": "Blockers", "project.cases": "Cases", "project.visits": "Visits",
    "project.stream": "Timeline", "project.report": "Report a blocker", "project.invite": "Invite an enterprise user",
    "project.invited": "Invitation code (shown once): {code}", "project.inviteName": "Name of the person invited",
    "project.elapsed": "{n}/{limit} working days used", "project.due": "Promised by {date}", "project.done": "Done {date}",
    "project.provisional": " (calendar not final)", "project.paid": "Paid {date}", "project.payDue": "Due {date}",
    "project.overdueDays": "{n} days overdue", "project.planned": "Planned {date}", "project.empty": "None",
    "project.back": "Back to the board",
    "project.edit": "Edit project", "project.contact": "Enterprise contact", "project.location": "Address",
    "project.creditCode": "Credit code {code}", "project.inactive": "Inactive",
    "project.limits": "Statutory {statutory} / promised {promised} working days", "project.overStatutory": "Past statutory limit",
    "project.lead": "Lead", "project.submitted": "Submitted {date}",
    "projectItem.add.approval": "Add approval", "projectItem.add.payment": "Add payment", "projectItem.add.milestone": "Add milestone",
    "projectItem.edit": "Edit",
    "projectItem.saved.approval": "Saved approval “{name}”", "projectItem.saved.payment": "Saved payment “{name}”",
    "projectItem.saved.milestone": "Saved milestone “{name}”",
    "projectItem.noDepartments": "This project has no departments yet: an approval names one of the project's departments.",
    "projectItem.addDepartments": "Add departments to the project",
    "approval.name": "Approval", "approval.department": "Approving department", "approval.submitted": "Submitted on",
    "approval.statutory": "Statutory limit (working days)", "approval.promised": "Promised limit (working days)",
    "approval.promisedHint": "At most the statutory limit; warnings count against it", "approval.done": "Approved on",
    "approval.doneHint": "Leave empty while pending",
    "payment.contract": "Contract", "payment.contractNo": "Contract number", "payment.payer": "Payer",
    "payment.payerKind": "Kind of payer", "payment.amount": "Amount (yuan)", "payment.amountHint": "At most two decimals",
    "payment.delivered": "Delivered (accepted) on", "payment.contractDue": "Due by contract on",
    "payment.contractDueHint": "Leave empty if none: government bodies pay within {days} days of delivery; a contract may agree at most {max}",
    "payment.paid": "Paid on", "payment.paidHint": "Leave empty while unpaid",
    "milestone.name": "Milestone", "milestone.stage": "Stage", "milestone.planned": "Planned for",
    "milestone.done": "Reached on",
    "projectItem.note": "Note",
    "invite.staffTitle": "Invite the enterprise contact", "invite.colleagueTitle": "Invite colleagues",
    "invite.staffIntro": "Make a one-time code for the enterprise's contact: with it they set up an account, report blockers and invite colleagues.",
    "invite.colleagueIntro": "You may invite {n} more colleagues.",
    "invite.make": "Make invitation code", "invite.once": "This code is shown only now; pass it on at once:",
    "invite.link": "Activation link", "invite.expires": "Valid until {at}", "invite.copy": "Copy link", "invite.copied": "Copied",
    "invite.copyFailed": "Could not copy; press and hold the link to copy it",
    "invite.list": "Invitations sent", "invite.revoke": "Revoke", "invite.confirmRevoke": "Revoke this invitation? It can no longer be used.",
    "invite.revoked": "Revoked",
    "invite.kind.contact": "Contact", "invite.kind.colleague": "Colleague",
    "invite.state.pending": "Pending", "invite.state.used": "Used", "invite.state.expired": "Expired",
    "invite.state.revoked": "Revoked",
    "stream.approval_submitted": "Submitted", "stream.approval_done": "Approved", "stream.payment_due": "Payment due",
    "stream.payment_paid": "Paid", "stream.milestone": "Milestone", "stream.blocker": "Blocker", "stream.case": "Case",
    "stream.visit": "Visit",
    "invite.title": "Activate your account", "invite.for": "Project: {name}", "invite.username": "Username",
    "invite.display_name": "Name", "invite.password": "Password (at least 10 characters)", "invite.submit": "Activate and sign in",
    "invite.done": "Account activated",
  },
});

// --- add / edit forms of approval items, payments and milestones (staff) ------------------------

function dateField(name, label, value, { required = false, max, hint } = {}) {
  const f = field({ name, label, type: "date", value: value || "", required, hint });
  if (max) f.control.max = max;
  return f;
}

function daysField(name, label, value, hint) {
  return field({ name, label, value: value ?? "", required: true, inputmode: "numeric", maxlength: 3, hint });
}

function noteField(value) {
  return field({ name: "note", label: t("projectItem.note"), type: "textarea", value: value || "", rows: 2 });
}

const KINDS = {
  approval: {
    path: "approvals",
    fields(r, { project, today }) {
      return [
        field({ name: "name", label: t("approval.name"), required: true, value: r?.name || "", maxlength: 128 }),
        field({ name: "department_id", label: t("approval.department"), type: "select", required: true,
          options: project.departments.map((d) => [d.id, d.name]), value: r?.department_id, placeholder: t("common.choose") }),
        dateField("submitted_on", t("approval.submitted"), r?.submitted_on, { required: true, max: today }),
        daysField("statutory_days", t("approval.statutory"), r?.statutory_days),
        daysField("promised_days", t("approval.promised"), r?.promised_days, t("approval.promisedHint")),
        dateField("done_on", t("approval.done"), r?.done_on, { max: today, hint: t("approval.doneHint") }),
        noteField(r?.note),
      ];
    },
    body: (v) => ({
      name: v.name, department_id: idOrNull(v.department_id), submitted_on: v.submitted_on,
      statutory_days: v.statutory_days, promised_days: v.promised_days, done_on: orNull(v.done_on), note: orNull(v.note),
    }),
    title: (saved) => saved.name,
  },
  payment: {
    path: "payments",
    fields(r, { today, meta }) {
      const kinds = meta?.payer_kinds || [{ key: "government", label: "机关、事业单位" },
        { key: "large_enterprise", label: "大型企业" }, { key: "other", label: "其他" }];
      const s = meta?.settings || {};
      return [
        field({ name: "contract_name", label: t("payment.contract"), required: true, value: r?.contract_name || "", maxlength: 128 }),
        field({ name: "contract_no", label: t("payment.contractNo"), value: r?.contract_no || "", maxlength: 64 }),
        field({ name: "payer", label: t("payment.payer"), required: true, value: r?.payer || "", maxlength: 128 }),
        field({ name: "payer_kind", label: t("payment.payerKind"), type: "select", required: true,
          options: kinds.map((k) => [k.key, k.label]), value: r?.payer_kind || "government" }),
        field({ name: "amount", label: t("payment.amount"), required: true, value: r?.amount || "", inputmode: "decimal",
          maxlength: 20, hint: t("payment.amountHint") }),
        dateField("delivered_on", t("payment.delivered"), r?.delivered_on, { required: true, max: today }),
        dateField("contract_due_on", t("payment.contractDue"), r?.contract_due_on, {
          hint: t("payment.contractDueHint", { days: s.payment_government_days ?? 30, max: s.payment_max_days ?? 60 }) }),
        dateField("paid_on", t("payment.paid"), r?.paid_on, { max: today, hint: t("payment.paidHint") }),
        noteField(r?.note),
      ];
    },
    body: (v) => ({
      contract_name: v.contract_name, contract_no: orNull(v.contract_no), payer: v.payer, payer_kind: v.payer_kind,
      amount: v.amount, delivered_on: v.delivered_on, contract_due_on: orNull(v.contract_due_on),
      paid_on: orNull(v.paid_on), note: orNull(v.note),
    }),
    title: (saved) => saved.contract_name,
  },
  milestone: {
    path: "milestones",
    fields(r, { project, today, meta }) {
      const stages = (project.stages || meta?.stages || []).map((s) => [s.key, s.label]);
      return [
        field({ name: "name", label: t("milestone.name"), required: true, value: r?.name || "", maxlength: 128 }),
        field({ name: "stage", label: t("milestone.stage"), type: "select", options: stages, value: r?.stage,
          placeholder: t("common.none") }),
        dateField("planned_on", t("milestone.planned"), r?.planned_on, { required: !r }),
        dateField("done_on", t("milestone.done"), r?.done_on, { max: today }),
        noteField(r?.note),
      ];
    },
    body: (v) => ({ name: v.name, stage: orNull(v.stage), planned_on: orNull(v.planned_on), done_on: orNull(v.done_on),
      note: orNull(v.note) }),
    title: (saved) => saved.name,
  },
};

/** The form that adds (record null) or edits one approval item, payment or milestone. */
function itemForm(kind, record, ctx) {
  const spec = KINDS[kind];
  const { project } = ctx;
  if (kind === "approval" && !project.departments.length) {
    return h("div", { class: "card item-form-note" }, h("p", {}, t("projectItem.noDepartments")),
      h("a", { class: "btn small", href: `#/projects/${project.id}/edit` }, t("projectItem.addDepartments")));
  }
  const form = h("form", { class: "form item-form", dataset: { form: kind, record: record ? record.id : "new" } },
    spec.fields(record, ctx),
    h("div", { class: "form-buttons" },
      h("button", { type: "button", class: "btn", onclick: () => closeEditor(form) }, t("common.cancel")),
      h("button", { type: "submit", class: "btn primary" }, t("common.save"))));
  onSubmit(form, async (values) => {
    const body = spec.body(values);
    const saved = record
      ? await api.patch(`/projects/${spec.path}/${record.id}`, { ...body, version: record.version })
      : await api.post(`/projects/${project.id}/${spec.path}`, body);
    toast(t(`projectItem.saved.${kind}`, { name: spec.title(saved) }));
    await ctx.reload(`[data-${kind}="${saved.id}"]`);
  });
  return form;
}

/** Close an item form; the button that opened it gets the focus back. */
function closeEditor(form) {
  const { opener } = form;
  form.remove();
  if (opener) {
    opener.setAttribute("aria-expanded", "false");
    opener.focus();
  }
}

/** Open (or close again) an item form in `slot`; `opener` is the button that toggles it. */
function toggleEditor(slot, opener, make) {
  const open = slot.querySelector(":scope > .item-form, :scope > .item-form-note");
  if (open) {
    closeEditor(open);
    return;
  }
  const form = make();
  form.opener = opener;
  slot.append(form);
  opener.setAttribute("aria-expanded", "true");
  form.querySelector("input, select, textarea, a")?.focus();
}

function editButton(slot, kind, record, ctx) {
  const opener = h("button", { type: "button", class: "btn small item-edit", "aria-expanded": "false",
    dataset: { edit: kind } }, t("projectItem.edit"));
  opener.addEventListener("click", () => toggleEditor(slot, opener, () => itemForm(kind, record, ctx)));
  return opener;
}

// --- the cards ------------------------------------------------------------------------------------

function section(title, items, render, key, addKind, ctx) {
  const slot = h("div", { class: "item-slot" });
  let add = null;
  if (addKind && ctx.staff) {
    add = h("button", { type: "button", class: "btn small item-add", "aria-expanded": "false", dataset: { add: addKind } },
      `＋ ${t(`projectItem.add.${addKind}`)}`);
    add.addEventListener("click", () => toggleEditor(slot, add, () => itemForm(addKind, null, ctx)));
  }
  return h("section", { class: "project-section", dataset: { section: key } },
    h("div", { class: "section-head" }, h("h3", {}, `${title}（${items.length}）`), add),
    slot,
    items.length ? h("ul", { class: "cards" }, items.map(render)) : emptyState(t("project.empty")));
}

/** A card's own editor: the edit button in its head, the form below its text. */
function editable(li, kind, record, ctx) {
  if (!ctx.staff) return li;
  const slot = h("div", { class: "item-slot" });
  li.querySelector(".card-head")?.append(editButton(slot, kind, record, ctx));
  li.append(slot);
  return li;
}

function approvalItem(a, ctx) {
  const li = h("li", { class: `card approval colour-${a.colour}`, dataset: { approval: a.id, colour: a.colour } },
    h("p", { class: "card-head" }, h("strong", {}, a.name), colourBadge(a.colour),
      a.over_statutory ? badge(t("project.overStatutory"), "colour-red") : null),
    h("p", { class: "muted" }, [a.department, t("project.elapsed", { n: a.elapsed_workdays, limit: a.promised_days }),
      a.done_on ? t("project.done", { date: a.done_on }) : t("project.due", { date: a.due_on })].join(" · "),
    a.provisional ? t("project.provisional") : ""),
    ctx.staff ? h("p", { class: "muted" }, [t("project.submitted", { date: a.submitted_on }),
      t("project.limits", { statutory: a.statutory_days, promised: a.promised_days })].join(" · "),
    a.lead_case_id ? [" · ", h("a", { href: `#/cases/${a.lead_case_id}` }, t("project.lead"))] : null) : null,
    ctx.staff && a.note ? h("p", { class: "muted note" }, a.note) : null);
  return editable(li, "approval", a, ctx);
}

function paymentItem(p, ctx) {
  const li = h("li", { class: `card payment colour-${p.colour}`, dataset: { payment: p.id, colour: p.colour } },
    h("p", { class: "card-head" }, h("strong", {}, p.contract_name), colourBadge(p.colour)),
    h("p", { class: "muted" }, [`${p.amount} 元`, p.payer,
      p.paid_on ? t("project.paid", { date: p.paid_on }) : t("project.payDue", { date: p.due_on }),
      p.days_overdue ? t("project.overdueDays", { n: p.days_overdue }) : null].filter(Boolean).join(" · ")),
    p.due_rule ? h("p", { class: "muted" }, p.due_rule,
      ctx.staff && p.lead_case_id ? [" · ", h("a", { href: `#/cases/${p.lead_case_id}` }, t("project.lead"))] : null) : null,
    ctx.staff && p.note ? h("p", { class: "muted note" }, p.note) : null);
  return editable(li, "payment", p, ctx);
}

function milestoneItem(m, ctx) {
  const li = h("li", { class: "card milestone", dataset: { milestone: m.id } },
    h("p", { class: "card-head" }, h("strong", {}, m.name),
      m.done_on ? badge(t("project.done", { date: m.done_on }), m.late ? "colour-red" : "ok")
        : badge(t("project.planned", { date: m.planned_on || "—" }), m.late ? "colour-red" : "")),
    m.stage_label ? h("p", { class: "muted" }, m.stage_label) : null,
    ctx.staff && m.note ? h("p", { class: "muted note" }, m.note) : null);
  return editable(li, "milestone", m, ctx);
}

export function blockerCard(b) {
  return h("li", { dataset: { blocker: b.id } }, h("a", { class: "card blocker-card", href: `#/blockers/${b.id}` },
    h("p", {}, h("strong", {}, b.category_label), " ", badge(b.state_label || "", b.open ? "colour-yellow" : "ok")),
    h("p", { class: "muted" }, b.description)));
}

// --- invitations ----------------------------------------------------------------------------------

function groupedCode(code) {
  return code.replace(/(.{4})(?=.)/g, "$1 ");
}

async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    toast(t("invite.copied"));
  } catch {
    toast(t("invite.copyFailed"));
  }
}

function showInvitation(output, answer) {
  clear(output).append(
    h("p", { class: "invite-once" }, t("invite.once")),
    h("p", { class: "invite-code code", dataset: { code: answer.code } }, groupedCode(answer.code)),
    h("p", { class: "invite-link" }, h("span", { class: "muted" }, `${t("invite.link")}：`),
      h("a", { href: answer.url, class: "url" }, answer.url)),
    h("p", { class: "muted" }, t("invite.expires", { at: localTime(answer.expires_at) })),
    h("p", {}, h("button", { type: "button", class: "btn small", onclick: () => copyText(answer.url) }, t("invite.copy"))));
  output.hidden = false;
}

function invitationRow(item, reload) {
  const revoke = item.state === "pending" ? h("button", { type: "button", class: "btn small danger",
    onclick: async () => {
      if (!await confirmDialog(t("invite.confirmRevoke"), { ok: t("invite.revoke"), danger: true })) return;
      try {
        await api.del(`/projects/invitations/${item.id}`);
        toast(t("invite.revoked"));
      } catch (error) {
        toast(error.message);
      }
      reload();
    } }, t("invite.revoke")) : null;
  return h("li", { class: "card invitation", dataset: { invitation: item.id, state: item.state } },
    h("p", { class: "card-head" }, h("strong", {}, item.display_name || t(`invite.kind.${item.kind}`)),
      badge(t(`invite.state.${item.state}`), item.state === "pending" ? "colour-yellow" : item.state === "used" ? "ok" : "muted"),
      revoke),
    h("p", { class: "muted" }, [t(`invite.kind.${item.kind}`),
      item.state === "used" ? localTime(item.used_at) : t("invite.expires", { at: localTime(item.expires_at) })].join(" · ")));
}

function invitePanel(p, staff) {
  const output = h("div", { class: "invite-result card", role: "status", tabindex: "-1", hidden: true });
  const list = h("div", { class: "invite-list" });
  const intro = h("p", { class: "hint" }, staff ? t("invite.staffIntro") : "");
  const form = h("form", { class: "form invite-form" },
    field({ name: "display_name", label: t("project.inviteName"), value: staff ? p.contact_name || "" : "", maxlength: 64 }),
    h("button", { type: "submit", class: "btn primary" }, t("invite.make")));
  const load = async () => {
    try {
      const answer = await api.get(`/projects/${p.id}/invitations`);
      if (!staff && answer.colleagues_left !== null) intro.textContent = t("invite.colleagueIntro", { n: answer.colleagues_left });
      clear(list);
      if (answer.items.length) {
        list.append(h("h4", {}, t("invite.list")),
          h("ul", { class: "cards" }, answer.items.map((item) => invitationRow(item, load))));
      }
    } catch (error) {
      clear(list).append(errorBlock(error, load));
    }
  };
  onSubmit(form, async (values) => {
    const answer = await api.post(`/projects/${p.id}/invitations`, { display_name: orNull(values.display_name) });
    showInvitation(output, answer);
    output.focus();
    load();
  });
  load();
  return h("section", { class: "project-section project-invite", dataset: { section: "invitations" } },
    h("h3", {}, t(staff ? "invite.staffTitle" : "invite.colleagueTitle")), intro, form, output, list);
}

// --- the page -------------------------------------------------------------------------------------

function facts(p, staff) {
  return h("section", { class: "card project-facts" },
    h("p", { class: "card-head" }, badge(p.stage_label || p.stage), h("span", { class: "muted" }, p.project_code),
      p.active === false ? badge(t("project.inactive"), "muted") : null),
    h("p", {}, `${t("project.owner")}：${p.owner_enterprise}`,
      staff && p.owner_credit_code ? h("span", { class: "muted credit" }, ` ${t("project.creditCode", { code: p.owner_credit_code })}`) : null),
    p.construction_enterprise ? h("p", {}, `${t("project.builder")}：${p.construction_enterprise}`,
      staff && p.construction_credit_code
        ? h("span", { class: "muted credit" }, ` ${t("project.creditCode", { code: p.construction_credit_code })}`) : null) : null,
    p.location ? h("p", { class: "muted" }, `${t("project.location")}：${p.location}`) : null,
    p.investment_wan ? h("p", { class: "muted" }, t("project.investment", { n: p.investment_wan })) : null,
    p.departments.length ? h("p", { class: "muted" }, `${t("project.departments")}：${p.departments.map((d) => d.name).join("、")}`) : null,
    p.liaison_name ? h("p", { class: "muted" }, `${t("project.liaison")}：${p.liaison_name} ${p.liaison_phone || ""}`) : null,
    staff && p.contact_name ? h("p", { class: "muted" }, `${t("project.contact")}：${p.contact_name} ${p.contact_phone || ""}`) : null,
    p.point ? h("p", {}, `${t("project.code")}：`, h("span", { class: "code" }, p.point.code)) : null,
    staff ? h("p", { class: "card-actions" }, h("a", { class: "btn small", href: `#/projects/${p.id}/edit` }, t("project.edit"))) : null);
}

function draw(container, data, ctx) {
  const p = data.project;
  const staff = data.can_edit;
  Object.assign(ctx, { project: p, today: data.today, staff });
  append(clear(container), [
    ...heading(p.name),
    facts(p, staff),
    session.me.role === "enterprise"
      ? h("p", {}, h("a", { class: "btn primary", href: `#/blockers/new?project=${p.id}` }, t("project.report"))) : null,
    section(t("project.approvals"), data.approvals, (a) => approvalItem(a, ctx), "approvals", "approval", ctx),
    section(t("project.blockers"), data.blockers, blockerCard, "blockers", null, ctx),
    section(t("project.payments"), data.payments, (x) => paymentItem(x, ctx), "payments", "payment", ctx),
    section(t("project.milestones"), data.milestones, (m) => milestoneItem(m, ctx), "milestones", "milestone", ctx),
    staff ? section(t("project.cases"), data.cases, (c) => h("li", { dataset: { case: c.id } },
      h("a", { class: "card", href: `#/cases/${c.id}` }, h("strong", {}, c.number), " ", badge(c.state_label || c.state),
        h("p", { class: "muted" }, c.summary))), "cases", null, ctx) : null,
    staff ? section(t("project.visits"), data.visits, (v) => h("li", { class: "card" }, `${v.at || ""} ${v.state || ""}`),
      "visits", null, ctx) : null,
    h("section", { class: "project-stream" }, h("h3", {}, t("project.stream")),
      h("ol", { class: "timeline" }, data.stream.map((e) => h("li", { dataset: { kind: e.kind } },
        h("strong", {}, e.on), ` ${t(`stream.${e.kind}`)} · ${e.title} `, colourBadge(e.colour))))),
    // Kept across redraws: a code just made stays on screen while items are added.
    data.can_invite ? (ctx.invitePanel ||= invitePanel(p, staff)) : null,
    staff ? h("p", {}, h("a", { href: "#/projects" }, t("project.back"))) : null,
  ]);
}

export default {
  path: "/projects/:id",
  title: "project.title",
  roles: ["admin", "inspector", "enterprise"],
  async render(container, { id }) {
    const url = `/projects/${encodeURIComponent(id)}/timeline`;
    const [data, meta] = await Promise.all([api.get(url),
      hasRole("admin", "inspector") ? projectMeta().catch(() => null) : null]);
    const ctx = {
      meta,
      /** After a write: the page again from the server, the changed card in view and focused. */
      async reload(focusSelector) {
        const fresh = await api.get(url);
        if (!container.isConnected) return;
        draw(container, fresh, ctx);
        const target = focusSelector ? container.querySelector(focusSelector) : null;
        if (target) {
          target.setAttribute("tabindex", "-1");
          target.focus({ preventScroll: true });
          target.scrollIntoView({ block: "center" });
        }
      },
    };
    draw(container, data, ctx);
  },
};

export const inviteView = {
  path: "/invite/:code",
  title: "invite.title",
  public: true,
  async render(container, { code }) {
    const info = await api.get(`/invitations/${encodeURIComponent(code)}`, undefined, { noAuthRedirect: true });
    const form = h("form", { class: "invite-redeem" },
      field({ name: "username", label: t("invite.username"), required: true, autocomplete: "username" }),
      field({ name: "display_name", label: t("invite.display_name"), value: info.display_name || "", required: true }),
      field({ name: "password", label: t("invite.password"), type: "password", required: true, autocomplete: "new-password" }),
      h("button", { type: "submit", class: "btn primary" }, t("invite.submit")));
    onSubmit(form, async (values) => {
      const me = await api.post(`/invitations/${encodeURIComponent(code)}/redeem`, values, { noAuthRedirect: true });
      setCsrfToken(me.csrf_token);
      await signedIn(await api.get("/me"));
      toast(t("invite.done"));
      navigate("#/projects");
    });
    container.append(...heading(t("invite.title")), h("p", {}, t("invite.for", { name: info.project_name })), form);
  },
};
