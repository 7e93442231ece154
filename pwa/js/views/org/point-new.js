// 新建点位.
import { api } from "../../api.js";
import { pointForm } from "../../components/point-form.js";
import { t } from "../../i18n.js";
import { actionBar, h, heading, navigate, onSubmit, toast } from "../../ui.js";

export default {
  path: "/points/new",
  title: "points.new",
  roles: ["admin"],
  async render(container, { query }) {
    const { form, body } = await pointForm(null, { id: "point-form" });
    if (query.get("hall")) {
      form.elements.hall_id.value = query.get("hall");
      form.elements.hall_id.dispatchEvent(new Event("change"));
    }
    onSubmit(form, async (values) => {
      const point = await api.post("/points", body(values));
      toast(t("points.created", { name: point.name, code: point.code }));
      navigate(`#/points?q=${encodeURIComponent(point.code)}`);
    });
    container.append(
      ...heading(t("points.new")),
      form,
      actionBar(
        h("a", { class: "btn", href: "#/points" }, t("common.cancel")),
        h("button", { type: "submit", form: "point-form", class: "btn primary" }, t("common.save")),
      ),
    );
  },
};
