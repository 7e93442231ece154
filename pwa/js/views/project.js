// One project: its registry facts and code, the approval timeline with its colours, payments,
// milestones, blockers and (for inspectors) the cases and visits; invitations of enterprise users.
// Also the public screen where an invited enterprise contact sets a password (#/invite/<code>).
import { api, setCsrfToken } from "../api.js";
import { addMessages, t } from "../i18n.js";
import { session, signedIn } from "../state.js";
import { badge, emptyState, field, h, heading, navigate, onSubmit, toast } from "../ui.js";
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
    "stream.approval_submitted": "Submitted", "stream.approval_done": "Approved", "stream.payment_due": "Payment due",
    "stream.payment_paid": "Paid", "stream.milestone": "Milestone", "stream.blocker": "Blocker", "stream.case": "Case",
    "stream.visit": "Visit",
    "invite.title": "Activate your account", "invite.for": "Project: {name}", "invite.username": "Username",
    "invite.display_name": "Name", "invite.password": "Password (at least 10 characters)", "invite.submit": "Activate and sign in",
    "invite.done": "Account activated",
  },
});

function section(title, items, render, key) {
  return h("section", { class: "project-section", dataset: { section: key } },
    h("h3", {}, `${title}（${items.length}）`),
    items.length ? h("ul", { class: "cards" }, items.map(render)) : emptyState(t("project.empty")));
}

function approvalItem(a) {
  return h("li", { class: "card approval", dataset: { approval: a.id, colour: a.colour } },
    h("p", {}, h("strong", {}, a.name), " ", colourBadge(a.colour)),
    h("p", { class: "muted" }, [a.department, t("project.elapsed", { n: a.elapsed_workdays, limit: a.promised_days }),
      a.done_on ? t("project.done", { date: a.done_on }) : t("project.due", { date: a.due_on })].join(" · "),
    a.provisional ? t("project.provisional") : ""));
}

function paymentItem(p) {
  return h("li", { class: "card payment", dataset: { payment: p.id, colour: p.colour } },
    h("p", {}, h("strong", {}, p.contract_name), " ", colourBadge(p.colour)),
    h("p", { class: "muted" }, [`${p.amount} 元`, p.payer,
      p.paid_on ? t("project.paid", { date: p.paid_on }) : t("project.payDue", { date: p.due_on }),
      p.days_overdue ? t("project.overdueDays", { n: p.days_overdue }) : null].filter(Boolean).join(" · ")),
    p.due_rule ? h("p", { class: "muted" }, p.due_rule) : null);
}

function milestoneItem(m) {
  return h("li", { class: "card milestone" }, h("strong", {}, m.name), " ",
    m.done_on ? badge(t("project.done", { date: m.done_on }), m.late ? "colour-red" : "ok")
      : badge(t("project.planned", { date: m.planned_on || "—" }), m.late ? "colour-red" : ""));
}

export function blockerCard(b) {
  return h("li", { dataset: { blocker: b.id } }, h("a", { class: "card blocker-card", href: `#/blockers/${b.id}` },
    h("p", {}, h("strong", {}, b.category_label), " ", badge(b.state_label || "", b.open ? "colour-yellow" : "ok")),
    h("p", { class: "muted" }, b.description)));
}

function inviteForm(projectId) {
  const output = h("p", { class: "invite-code", role: "status" });
  const form = h("form", { class: "invite-form" },
    field({ name: "display_name", label: t("project.inviteName") }),
    h("button", { type: "submit", class: "btn" }, t("project.invite")), output);
  onSubmit(form, async (values) => {
    const answer = await api.post(`/projects/${projectId}/invitations`, { display_name: values.display_name });
    output.textContent = t("project.invited", { code: answer.code });
    output.append(h("br"), h("span", { class: "code" }, answer.url));
  });
  return h("details", { class: "project-invite" }, h("summary", {}, t("project.invite")), form);
}

export default {
  path: "/projects/:id",
  title: "project.title",
  roles: ["admin", "inspector", "enterprise"],
  async render(container, { id }) {
    const data = await api.get(`/projects/${encodeURIComponent(id)}/timeline`);
    const p = data.project;
    const staff = data.can_edit;
    container.append(
      ...heading(p.name),
      h("section", { class: "card project-facts" },
        h("p", {}, badge(p.stage_label || p.stage), " ", h("span", { class: "muted" }, p.project_code)),
        h("p", {}, `${t("project.owner")}：${p.owner_enterprise}`),
        p.construction_enterprise ? h("p", {}, `${t("project.builder")}：${p.construction_enterprise}`) : null,
        p.investment_wan ? h("p", { class: "muted" }, t("project.investment", { n: p.investment_wan })) : null,
        p.departments.length ? h("p", { class: "muted" }, `${t("project.departments")}：${p.departments.map((d) => d.name).join("、")}`) : null,
        p.liaison_name ? h("p", { class: "muted" }, `${t("project.liaison")}：${p.liaison_name} ${p.liaison_phone || ""}`) : null,
        p.point ? h("p", {}, `${t("project.code")}：`, h("span", { class: "code" }, p.point.code)) : null),
      session.me.role === "enterprise"
        ? h("p", {}, h("a", { class: "btn primary", href: `#/blockers/new?project=${p.id}` }, t("project.report"))) : null,
      section(t("project.approvals"), data.approvals, approvalItem, "approvals"),
      section(t("project.blockers"), data.blockers, blockerCard, "blockers"),
      section(t("project.payments"), data.payments, paymentItem, "payments"),
      section(t("project.milestones"), data.milestones, milestoneItem, "milestones"),
      staff ? section(t("project.cases"), data.cases, (c) => h("li", { dataset: { case: c.id } },
        h("a", { class: "card", href: `#/cases/${c.id}` }, h("strong", {}, c.number), " ", badge(c.state_label || c.state),
          h("p", { class: "muted" }, c.summary))), "cases") : null,
      staff ? section(t("project.visits"), data.visits, (v) => h("li", { class: "card" }, `${v.at || ""} ${v.state || ""}`), "visits") : null,
      h("section", { class: "project-stream" }, h("h3", {}, t("project.stream")),
        h("ol", { class: "timeline" }, data.stream.map((e) => h("li", { dataset: { kind: e.kind } },
          h("strong", {}, e.on), ` ${t(`stream.${e.kind}`)} · ${e.title} `, colourBadge(e.colour))))),
      data.can_invite ? inviteForm(p.id) : null,
      staff ? h("p", {}, h("a", { href: "#/projects" }, t("project.back"))) : null,
    );
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

