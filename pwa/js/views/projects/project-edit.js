// 登记重大项目 and 编辑项目 (admins and inspectors): the registry facts of a project — name, project
// code, the owner and construction enterprises with their unified social credit codes, location,
// investment, stage, the departments involved, the liaison cadre (包联干部) and the contact.
import { api } from "../../api.js";
import { addMessages, t } from "../../i18n.js";
import { departments, invalidate, jurisdictionOptions, jurisdictions } from "../../lookups.js";
import { session } from "../../state.js";
import {
  actionBar, append, badge, clear, confirmDialog, field, h, heading, idOrNull, navigate, onSubmit, orNull, showErrors, toast,
} from "../../ui.js";

addMessages({
  zh: {
    "projectEdit.new": "登记项目", "projectEdit.edit": "编辑项目",
    "projectEdit.intro": "带 * 的为必填项；统一社会信用代码为 18 位，系统会核对校验位。",
    "projectEdit.basics": "项目信息", "projectEdit.enterprises": "建设单位", "projectEdit.people": "涉及部门与联系人",
    "projectEdit.name": "项目名称", "projectEdit.code": "项目代码",
    "projectEdit.codeHint": "投资项目在线审批监管平台赋予的代码，如 2025-150207-48-01-123456",
    "projectEdit.jurisdiction": "所属辖区", "projectEdit.location": "项目地址",
    "projectEdit.investment": "总投资（万元）", "projectEdit.investmentHint": "填整数，单位万元",
    "projectEdit.stage": "项目阶段", "projectEdit.description": "项目简介",
    "projectEdit.owner": "业主单位", "projectEdit.ownerCode": "业主单位统一社会信用代码",
    "projectEdit.builder": "施工单位", "projectEdit.builderCode": "施工单位统一社会信用代码",
    "projectEdit.creditHint": "18 位，字母不区分大小写（不使用 I、O、S、V、Z）",
    "projectEdit.departments": "涉及部门", "projectEdit.departmentsHint": "列出所选辖区及上级辖区的职能部门；审批事项和堵点只能选这些部门",
    "projectEdit.pickJurisdiction": "请先选择所属辖区", "projectEdit.noDepartments": "该辖区没有可选的职能部门",
    "projectEdit.chosen": "已选 {n} 个",
    "projectEdit.liaison": "包联干部", "projectEdit.liaisonPhone": "包联干部电话",
    "projectEdit.contact": "企业联系人", "projectEdit.contactPhone": "企业联系人电话",
    "projectEdit.phoneHint": "11 位手机号或带区号的固定电话",
    "projectEdit.created": "已登记项目“{name}”", "projectEdit.saved": "已保存“{name}”",
    "projectEdit.deactivate": "停用项目", "projectEdit.activate": "重新启用项目",
    "projectEdit.confirmDeactivate": "确定停用“{name}”吗？停用后项目不再出现在看板上，历史记录保留。",
    "projectEdit.confirmActivate": "确定重新启用“{name}”吗？",
    "projectEdit.deactivated": "已停用“{name}”", "projectEdit.activated": "已启用“{name}”",
    "projectEdit.import": "导入项目",
  },
  en: {
    "projectEdit.new": "Register a project", "projectEdit.edit": "Edit project",
    "projectEdit.intro": "Fields marked * are required; credit codes have 18 characters and their check character is verified.",
    "projectEdit.basics": "Project", "projectEdit.enterprises": "Enterprises", "projectEdit.people": "Departments and contacts",
    "projectEdit.name": "Project name", "projectEdit.code": "Project code",
    "projectEdit.codeHint": "The code from the investment project approval platform, e.g. 2025-150207-48-01-123456",
    "projectEdit.jurisdiction": "Jurisdiction", "projectEdit.location": "Address",
    "projectEdit.investment": "Investment (10k yuan)", "projectEdit.investmentHint": "A whole number, in units of 10,000 yuan",
    "projectEdit.stage": "Stage", "projectEdit.description": "Description",
    "projectEdit.owner": "Owner enterprise", "projectEdit.ownerCode": "Owner's unified social credit code",
    "projectEdit.builder": "Construction enterprise", "projectEdit.builderCode": "Contractor's unified social credit code",
    "projectEdit.creditHint": "18 characters, any case (no I, O, S, V, Z)",
    "projectEdit.departments": "Departments involved", "projectEdit.departmentsHint": "Departments of the chosen jurisdiction and those above it; approvals and blockers can name only these",
    "projectEdit.pickJurisdiction": "Choose the jurisdiction first", "projectEdit.noDepartments": "No departments in this jurisdiction",
    "projectEdit.chosen": "{n} chosen",
    "projectEdit.liaison": "Liaison cadre", "projectEdit.liaisonPhone": "Liaison's phone",
    "projectEdit.contact": "Enterprise contact", "projectEdit.contactPhone": "Contact's phone",
    "projectEdit.phoneHint": "An 11-digit mobile number or a landline with its area code",
    "projectEdit.created": "Registered “{name}”", "projectEdit.saved": "Saved “{name}”",
    "projectEdit.deactivate": "Deactivate project", "projectEdit.activate": "Reactivate project",
    "projectEdit.confirmDeactivate": "Deactivate “{name}”? It leaves the board; its history is kept.",
    "projectEdit.confirmActivate": "Reactivate “{name}”?",
    "projectEdit.deactivated": "Deactivated “{name}”", "projectEdit.activated": "Reactivated “{name}”",
    "projectEdit.import": "Import projects",
  },
});

/** Stages and payer kinds (and the settings) of the projects capability. */
export function projectMeta() {
  return api.get("/projects/meta");
}

/**
 * The departments a project in `jurisdiction` may involve: those of the jurisdiction itself and of
 * the jurisdictions above it (the city's departments approve for every county), own ones first.
 */
function departmentsFor(jurisdictionId, jurisdictionList, departmentList, keep) {
  const byId = new Map(jurisdictionList.map((j) => [String(j.id), j]));
  const chosen = byId.get(String(jurisdictionId));
  const ancestry = chosen ? (chosen.path || "").split("/").filter(Boolean) : [];
  const rank = (d) => {
    const index = ancestry.indexOf(String(d.jurisdiction?.id));
    return index < 0 ? -1 : ancestry.length - index; // own jurisdiction: 1, its parent: 2…
  };
  return departmentList
    .filter((d) => keep.has(String(d.id)) || (d.active && rank(d) > 0))
    .sort((a, b) => (rank(a) < 0 ? 99 : rank(a)) - (rank(b) < 0 ? 99 : rank(b)) || a.id - b.id);
}

/** The checkbox list of departments involved, kept in step with the chosen jurisdiction. */
function departmentPicker(jurisdictionList, departmentList, initial) {
  const checked = new Set(initial.map(String));
  const status = h("span", { class: "muted pick-count", "aria-live": "polite" });
  const list = h("div", { class: "check-list" });
  const picker = h("fieldset", { class: "field checks", dataset: { field: "department_ids" } },
    h("legend", {}, t("projectEdit.departments"), " ", status),
    h("p", { class: "hint" }, t("projectEdit.departmentsHint")),
    list,
    h("p", { class: "field-error", hidden: true }));
  const count = () => { status.textContent = checked.size ? t("projectEdit.chosen", { n: checked.size }) : ""; };
  picker.refresh = (jurisdictionId) => {
    clear(list);
    if (!jurisdictionId && !checked.size) {
      list.append(h("p", { class: "check-empty" }, t("projectEdit.pickJurisdiction")));
      count();
      return;
    }
    const shown = departmentsFor(jurisdictionId, jurisdictionList, departmentList, checked);
    if (!shown.length) list.append(h("p", { class: "check-empty" }, t("projectEdit.noDepartments")));
    for (const d of shown) {
      const box = h("input", { type: "checkbox", name: "department_ids", value: d.id, checked: checked.has(String(d.id)) });
      box.addEventListener("change", () => {
        if (box.checked) checked.add(String(d.id));
        else checked.delete(String(d.id));
        count();
      });
      list.append(h("label", { class: "check" }, box, h("span", {}, d.name)));
    }
    count();
  };
  return picker;
}

function group(title, ...children) {
  return h("fieldset", { class: "form-group" }, h("legend", {}, title), children);
}

/** The project form. project: the project_view when editing. Returns {form, body(values)}. */
async function projectForm(project, id) {
  const [jurisdictionList, departmentList, meta] = await Promise.all([jurisdictions(), departments(), projectMeta()]);
  const usable = jurisdictionList.filter((j) => j.active || j.id === project?.jurisdiction_id);
  const ownJurisdiction = project ? project.jurisdiction_id
    : (usable.length === 1 ? usable[0].id : session.me?.jurisdiction?.id);
  const stages = (project?.stages || meta.stages).map((s) => [s.key, s.label]);
  const text = (name, label, extra = {}) => field({ name, label, value: project?.[name] ?? "", ...extra });
  const credit = (name, label, required) => field({ name, label, required, value: project?.[name] ?? "", maxlength: 24,
    hint: t("projectEdit.creditHint"), autocomplete: "off", placeholder: "91150207MA0XXXXXXX" });

  const jurisdiction = field({ name: "jurisdiction_id", label: t("projectEdit.jurisdiction"), type: "select",
    required: true, options: jurisdictionOptions(usable), value: ownJurisdiction, placeholder: t("common.choose") });
  const picker = departmentPicker(jurisdictionList, departmentList, (project?.departments || []).map((d) => d.id));
  jurisdiction.control.addEventListener("change", () => picker.refresh(jurisdiction.control.value));
  picker.refresh(jurisdiction.control.value);

  const ownerCode = credit("owner_credit_code", t("projectEdit.ownerCode"), true);
  const builderCode = credit("construction_credit_code", t("projectEdit.builderCode"), false);
  for (const f of [ownerCode, builderCode]) {
    f.control.classList.add("code");
    f.control.setAttribute("autocapitalize", "characters");
    f.control.setAttribute("spellcheck", "false");
  }
  const phone = (name, label) => text(name, label, { type: "tel", inputmode: "tel", autocomplete: "off", maxlength: 32,
    hint: t("projectEdit.phoneHint") });

  const form = h("form", { class: "form project-form", id },
    group(t("projectEdit.basics"),
      text("name", t("projectEdit.name"), { required: true, maxlength: 128 }),
      text("project_code", t("projectEdit.code"), { required: true, maxlength: 64, hint: t("projectEdit.codeHint"),
        autocomplete: "off" }),
      jurisdiction,
      text("location", t("projectEdit.location"), { maxlength: 255 }),
      text("investment_wan", t("projectEdit.investment"), { inputmode: "numeric", maxlength: 10,
        hint: t("projectEdit.investmentHint") }),
      field({ name: "stage", label: t("projectEdit.stage"), type: "select", required: true, options: stages,
        value: project?.stage || stages[0]?.[0] }),
      text("description", t("projectEdit.description"), { type: "textarea", maxlength: 2000 })),
    group(t("projectEdit.enterprises"),
      text("owner_enterprise", t("projectEdit.owner"), { required: true, maxlength: 128 }),
      ownerCode,
      text("construction_enterprise", t("projectEdit.builder"), { maxlength: 128 }),
      builderCode),
    group(t("projectEdit.people"),
      picker,
      text("liaison_name", t("projectEdit.liaison"), { maxlength: 64 }),
      phone("liaison_phone", t("projectEdit.liaisonPhone")),
      text("contact_name", t("projectEdit.contact"), { maxlength: 64 }),
      phone("contact_phone", t("projectEdit.contactPhone"))));

  function body(values) {
    return {
      name: values.name,
      project_code: values.project_code,
      jurisdiction_id: idOrNull(values.jurisdiction_id),
      location: orNull(values.location),
      investment_wan: orNull(values.investment_wan),
      stage: values.stage,
      description: orNull(values.description),
      owner_enterprise: values.owner_enterprise,
      owner_credit_code: values.owner_credit_code,
      construction_enterprise: orNull(values.construction_enterprise),
      construction_credit_code: orNull(values.construction_credit_code),
      department_ids: (values.department_ids || []).map(Number),
      liaison_name: orNull(values.liaison_name),
      liaison_phone: orNull(values.liaison_phone),
      contact_name: orNull(values.contact_name),
      contact_phone: orNull(values.contact_phone),
    };
  }
  return { form, body };
}

export default {
  path: "/projects/new",
  title: "projectEdit.new",
  roles: ["admin", "inspector"],
  menu: true,
  async render(container) {
    const { form, body } = await projectForm(null, "project-form");
    onSubmit(form, async (values) => {
      const project = await api.post("/projects", body(values));
      invalidate("projects");
      toast(t("projectEdit.created", { name: project.name }));
      navigate(`#/projects/${project.id}`);
    });
    container.append(
      ...heading(t("projectEdit.new"), t("projectEdit.intro")),
      h("p", {}, h("a", { href: "#/projects/import" }, t("projectEdit.import"))),
      form,
      actionBar(
        h("a", { class: "btn", href: "#/projects" }, t("common.cancel")),
        h("button", { type: "submit", form: "project-form", class: "btn primary" }, t("common.save")),
      ),
    );
  },
};

export const projectEditView = {
  path: "/projects/:id/edit",
  title: "projectEdit.edit",
  roles: ["admin", "inspector"],
  async render(container, { id }) {
    const { project } = await api.get(`/projects/${encodeURIComponent(id)}/timeline`);
    const { form, body } = await projectForm(project, "project-form");
    const back = `#/projects/${project.id}`;
    onSubmit(form, async (values) => {
      const saved = await api.patch(`/projects/${project.id}`, { ...body(values), version: project.version });
      project.version = saved.version;
      invalidate("projects");
      toast(t("projectEdit.saved", { name: saved.name }));
      navigate(back);
    });
    const toggleActive = async () => {
      const deactivate = project.active;
      const ok = await confirmDialog(t(deactivate ? "projectEdit.confirmDeactivate" : "projectEdit.confirmActivate",
        { name: project.name }), { ok: t(deactivate ? "projectEdit.deactivate" : "projectEdit.activate"), danger: deactivate });
      if (!ok) return;
      try {
        const saved = await api.patch(`/projects/${project.id}`, { active: !deactivate, version: project.version });
        invalidate("projects");
        toast(t(saved.active ? "projectEdit.activated" : "projectEdit.deactivated", { name: saved.name }));
        navigate(`#/projects/${project.id}/edit`);
      } catch (error) {
        showErrors(form, error);
      }
    };
    append(container, [
      ...heading(project.name, t("projectEdit.intro")),
      project.active ? null : h("p", {}, badge(t("common.inactive"), "muted")),
      form,
      h("div", { class: "danger-zone" },
        h("button", { type: "button", class: project.active ? "btn danger" : "btn", onclick: toggleActive },
          t(project.active ? "projectEdit.deactivate" : "projectEdit.activate"))),
      actionBar(
        h("a", { class: "btn", href: back }, t("common.back")),
        h("button", { type: "submit", form: "project-form", class: "btn primary" }, t("common.save")),
      ),
    ]);
  },
};
