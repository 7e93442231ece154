// 批量导入点位 from the sheets administrators already keep (.xlsx or .csv). All rows or none.
import { api } from "../../api.js";
import { t } from "../../i18n.js";
import { actionBar, field, h, heading, navigate, onSubmit, toast } from "../../ui.js";

export default {
  path: "/points/import",
  title: "points.import",
  roles: ["admin"],
  render(container) {
    const file = field({ name: "file", label: t("import.file"), type: "file", required: true,
      accept: ".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv",
      hint: t("import.hint") });
    const form = h("form", { class: "form", id: "import-form" }, file);
    onSubmit(form, async (values) => {
      const data = new FormData();
      data.append("file", values.file, values.file.name);
      let result;
      try {
        result = await api.upload("/points/import", data);
      } catch (error) {
        // A rejected file lists each bad row; show that list rather than the same text joined up.
        if (error.rows && error.rows.length) error.fields = {};
        throw error;
      }
      toast(t("import.done", { count: result.created }));
      navigate("#/points");
    });
    container.append(
      ...heading(t("points.import"), t("import.intro")),
      h("div", { class: "card" },
        h("p", { class: "muted" }, t("import.columns")),
        h("p", { class: "code-sample" }, t("import.sample"))),
      form,
      actionBar(
        h("a", { class: "btn", href: "#/points" }, t("common.cancel")),
        h("button", { type: "submit", form: "import-form", class: "btn primary" }, t("import.submit")),
      ),
    );
  },
};
