// One point: its code and link, edit, deactivate (never deleted: its history stays).
import { api } from "../../api.js";
import { pointForm } from "../../components/point-form.js";
import { t } from "../../i18n.js";
import {
  actionBar, badge, confirmDialog, h, heading, lastList, navigate, onSubmit, showErrors, toast,
} from "../../ui.js";

export default {
  path: "/points/:id",
  title: "points.edit",
  roles: ["admin"],
  async render(container, { id }) {
    const point = await api.get(`/points/${encodeURIComponent(id)}`);
    const { form, body } = await pointForm(point, { id: "point-form" });
    onSubmit(form, async (values) => {
      const saved = await api.patch(`/points/${point.id}`, { ...body(values), version: point.version });
      point.version = saved.version;
      toast(t("points.saved", { name: saved.name }));
      navigate(lastList("points", "#/points"));
    });

    const toggleActive = async () => {
      const deactivate = point.active;
      const question = deactivate ? t("points.confirmDeactivate", { name: point.name }) : t("points.confirmActivate", { name: point.name });
      const ok = await confirmDialog(question, {
        ok: deactivate ? t("points.deactivate") : t("points.activate"), danger: deactivate,
      });
      if (!ok) return;
      try {
        const saved = await api.patch(`/points/${point.id}`, { active: !deactivate, version: point.version });
        toast(saved.active ? t("points.activated", { name: saved.name }) : t("points.deactivated", { name: saved.name }));
        navigate(`#/points/${point.id}`);
      } catch (error) {
        showErrors(form, error);
      }
    };

    container.append(
      ...heading(point.name),
      h("dl", { class: "facts card" },
        h("dt", {}, t("point.code")), h("dd", {}, h("span", { class: "code" }, point.code)),
        h("dt", {}, t("point.url")), h("dd", { class: "url" }, point.url),
        h("dt", {}, t("signs.point")), h("dd", {},
          h("a", { href: `#/signs?point=${point.id}` }, t("signs.point")), " · ",
          h("a", { href: `/api/v1/points/${point.id}/qr.svg`, download: `${point.code}.svg` }, "SVG"), " · ",
          h("a", { href: `/api/v1/points/${point.id}/qr.png`, download: `${point.code}.png` }, "PNG")),
        h("dt", {}, t("common.state")), h("dd", {}, point.active ? badge(t("common.active"), "ok") : badge(t("common.inactive"), "muted"))),
      form,
      h("div", { class: "danger-zone" },
        h("button", { type: "button", class: point.active ? "btn danger" : "btn", onclick: toggleActive },
          point.active ? t("points.deactivate") : t("points.activate"))),
      actionBar(
        h("a", { class: "btn", href: lastList("points", "#/points") }, t("common.back")),
        h("button", { type: "submit", form: "point-form", class: "btn primary" }, t("common.save")),
      ),
    );
  },
};
