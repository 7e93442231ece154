// 新建单位; a dispatched group can be given the departments it supervises.
import { api } from "../../api.js";
import { t } from "../../i18n.js";
import { departments, invalidate, jurisdictionOptions, jurisdictions } from "../../lookups.js";
import { actionBar, field, h, heading, navigate, onSubmit, orNull, toast } from "../../ui.js";
import { UNIT_KINDS } from "./units.js";

export default {
  path: "/units/new",
  title: "units.new",
  roles: ["admin"],
  async render(container, { query }) {
    const [jurisdictionList, departmentList] = await Promise.all([jurisdictions(), departments()]);
    const kind = field({ name: "kind", label: t("units.kind"), type: "select", required: true,
      options: UNIT_KINDS.map((k) => [k, t(`unitKind.${k}`)]), value: query.get("kind") || "department" });
    const name = field({ name: "name", label: t("units.name"), required: true, maxlength: 128 });
    const jurisdiction = field({ name: "jurisdiction_id", label: t("units.jurisdiction"), type: "select",
      required: true, options: jurisdictionOptions(jurisdictionList.filter((j) => j.active)),
      placeholder: t("common.choose") });
    const address = field({ name: "address", label: t("units.address"), maxlength: 255 });
    const supervised = h("fieldset", { class: "field checks", dataset: { field: "supervised_department_ids" } },
      h("legend", {}, t("units.supervisedDepartments")),
      h("div", { class: "check-list" }, departmentList.filter((d) => d.active).map((d) =>
        h("label", { class: "check" },
          h("input", { type: "checkbox", name: "supervised_department_ids", value: d.id }),
          h("span", {}, d.name)))),
      h("p", { class: "field-error", hidden: true }));
    const refresh = () => {
      const isGroup = kind.control.value === "group";
      supervised.hidden = !isGroup;
      supervised.disabled = !isGroup;
    };
    kind.control.addEventListener("change", refresh);
    refresh();
    const form = h("form", { class: "form", id: "unit-form" }, kind, name, jurisdiction, address, supervised);
    onSubmit(form, async (values) => {
      const body = {
        kind: values.kind, name: values.name, jurisdiction_id: Number(values.jurisdiction_id),
        address: orNull(values.address),
      };
      if (values.kind === "group" && values.supervised_department_ids?.length) {
        body.supervised_department_ids = values.supervised_department_ids.map(Number);
      }
      const unit = await api.post("/units", body);
      invalidate("units", "departments", "halls");
      toast(t("units.created", { name: unit.name }));
      navigate(`#/units?kind=${unit.kind}`);
    });
    container.append(
      ...heading(t("units.new")),
      form,
      actionBar(
        h("a", { class: "btn", href: "#/units" }, t("common.cancel")),
        h("button", { type: "submit", form: "unit-form", class: "btn primary" }, t("common.save")),
      ),
    );
  },
};
