// 导入重大项目 from the sheet the commission already keeps (.xlsx or .csv): all rows or none, every
// bad row listed with its reason (a wrong credit code, an unknown jurisdiction or department…).
import { api } from "../../api.js";
import { addMessages, t } from "../../i18n.js";
import { invalidate } from "../../lookups.js";
import { actionBar, field, h, heading, navigate, onSubmit, toast } from "../../ui.js";

addMessages({
  zh: {
    "projectImport.title": "导入项目",
    "projectImport.intro": "整表校验：任何一行有误则全部不导入，并列出每行的错误。",
    "projectImport.hint": "第一行为表头；最多 2000 行",
    "projectImport.required": "必填列：",
    "projectImport.requiredColumns": "项目名称、项目代码、业主单位、业主单位统一社会信用代码、辖区",
    "projectImport.optional": "可选列：",
    "projectImport.optionalColumns": "施工单位、施工单位统一社会信用代码、项目地址、总投资（万元）、阶段、涉及部门（多个用“、”分隔）、包联干部、包联干部电话、企业联系人、企业联系人电话",
    "projectImport.names": "辖区、部门、阶段按名称填写，须与系统中的名称一致。",
    "projectImport.done": "已导入 {count} 个项目",
  },
  en: {
    "projectImport.title": "Import projects",
    "projectImport.intro": "The whole sheet is checked: if any row is wrong nothing is imported, and every error is listed.",
    "projectImport.hint": "First row: headings; at most 2000 rows",
    "projectImport.required": "Required columns: ",
    "projectImport.requiredColumns": "项目名称, 项目代码, 业主单位, 业主单位统一社会信用代码, 辖区",
    "projectImport.optional": "Optional columns: ",
    "projectImport.optionalColumns": "施工单位, 施工单位统一社会信用代码, 项目地址, 总投资（万元）, 阶段, 涉及部门 (separated by 、), 包联干部, 包联干部电话, 企业联系人, 企业联系人电话",
    "projectImport.names": "Jurisdictions, departments and stages by name, exactly as in the system.",
    "projectImport.done": "Imported {count} projects",
  },
});

export default {
  path: "/projects/import",
  title: "projectImport.title",
  roles: ["admin", "inspector"],
  menu: true,
  render(container) {
    const file = field({ name: "file", label: t("import.file"), type: "file", required: true,
      accept: ".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv",
      hint: t("projectImport.hint") });
    const form = h("form", { class: "form", id: "project-import-form" }, file);
    onSubmit(form, async (values) => {
      const data = new FormData();
      data.append("file", values.file, values.file.name);
      let result;
      try {
        result = await api.upload("/projects/import", data);
      } catch (error) {
        // A rejected sheet lists each bad row: show that list, not the same text joined up under the field.
        if (error.rows && error.rows.length) error.fields = {};
        throw error;
      }
      invalidate("projects");
      toast(t("projectImport.done", { count: result.created }));
      navigate("#/projects");
    });
    container.append(
      ...heading(t("projectImport.title"), t("projectImport.intro")),
      h("div", { class: "card import-columns" },
        h("p", {}, h("strong", {}, t("projectImport.required")), h("span", {}, t("projectImport.requiredColumns"))),
        h("p", {}, h("strong", {}, t("projectImport.optional")), h("span", {}, t("projectImport.optionalColumns"))),
        h("p", { class: "muted" }, t("projectImport.names"))),
      form,
      actionBar(
        h("a", { class: "btn", href: "#/projects" }, t("common.cancel")),
        h("button", { type: "submit", form: "project-import-form", class: "btn primary" }, t("import.submit")),
      ),
    );
  },
};
