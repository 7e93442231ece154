// 新建下级辖区 under a chosen parent.
import { api } from "../../api.js";
import { t } from "../../i18n.js";
import { invalidate, jurisdictions } from "../../lookups.js";
import { actionBar, field, h, heading, navigate, onSubmit, orNull, toast } from "../../ui.js";

const CHILD_LEVEL = { city: "county", county: "town" };

export default {
  path: "/jurisdictions/new",
  title: "jurisdictions.new",
  roles: ["admin"],
  async render(container, { query }) {
    const list = await jurisdictions();
    const parentId = Number(query.get("parent"));
    const parents = list.filter((j) => CHILD_LEVEL[j.level] && j.active);
    const parent = field({ name: "parent_id", label: t("jurisdictions.parent"), type: "select", required: true,
      options: parents.map((j) => [j.id, `${j.name}（${t(`level.${j.level}`)}）`]),
      value: parentId || "", placeholder: t("common.choose") });
    const name = field({ name: "name", label: t("jurisdictions.name"), required: true, maxlength: 64 });
    const code = field({ name: "division_code", label: t("jurisdictions.divisionCode"), inputmode: "numeric",
      hint: t("jurisdictions.divisionCodeHint"), maxlength: 12 });
    const form = h("form", { class: "form", id: "jurisdiction-form" }, parent, name, code);
    onSubmit(form, async (values) => {
      const item = await api.post("/jurisdictions", {
        parent_id: Number(values.parent_id), name: values.name,
        ...(values.division_code ? { division_code: orNull(values.division_code) } : {}),
      });
      invalidate("jurisdictions");
      toast(t("jurisdictions.created", { name: item.name }));
      navigate("#/jurisdictions");
    });
    container.append(
      ...heading(t("jurisdictions.new")),
      form,
      actionBar(
        h("a", { class: "btn", href: "#/jurisdictions" }, t("common.cancel")),
        h("button", { type: "submit", form: "jurisdiction-form", class: "btn primary" }, t("common.save")),
      ),
    );
  },
};
