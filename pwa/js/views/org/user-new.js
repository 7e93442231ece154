// 新建用户: the role decides what scope the account needs (unit, project or jurisdiction).
import { api } from "../../api.js";
import { t } from "../../i18n.js";
import { jurisdictionOptions, jurisdictions, projects, units } from "../../lookups.js";
import { session } from "../../state.js";
import { actionBar, field, h, heading, idOrNull, navigate, onSubmit, toast } from "../../ui.js";
import { ROLES } from "./users.js";

export default {
  path: "/users/new",
  title: "users.new",
  roles: ["admin"],
  async render(container) {
    const [unitList, projectList, jurisdictionList] = await Promise.all([
      units(), projects().catch(() => []), jurisdictions(),
    ]);
    const activeUnits = unitList.filter((u) => u.active);
    const username = field({ name: "username", label: t("users.username"), required: true, maxlength: 64,
      autocomplete: "off", hint: t("users.usernameHint") });
    username.control.setAttribute("autocapitalize", "none");
    const displayName = field({ name: "display_name", label: t("users.displayName"), required: true, maxlength: 64 });
    const role = field({ name: "role", label: t("users.role"), type: "select", required: true,
      options: ROLES.map((r) => [r, t(`role.${r}`)]), value: "inspector" });
    const password = field({ name: "password", label: t("users.password"), type: "password", required: true,
      autocomplete: "new-password", minlength: 10, hint: t("users.passwordHint") });
    const unit = field({ name: "unit_id", label: t("users.unit"), type: "select", options: [], placeholder: t("common.none") });
    const project = field({ name: "project_id", label: t("users.project"), type: "select",
      options: projectList.map((p) => [p.id, p.name]), placeholder: t("common.choose") });
    const jurisdiction = field({ name: "jurisdiction_id", label: t("users.jurisdiction"), type: "select",
      options: jurisdictionOptions(jurisdictionList.filter((j) => j.active)), placeholder: t("common.choose"),
      value: session.me.jurisdiction?.id, hint: t("users.jurisdictionHint") });

    const refresh = () => {
      const value = role.control.value;
      const kinds = { admin: [], inspector: ["commission", "group"], handler: ["department"], enterprise: [] }[value];
      const choices = activeUnits.filter((u) => kinds.includes(u.kind));
      const current = unit.control.value;
      unit.control.replaceChildren(
        h("option", { value: "" }, value === "handler" ? t("common.choose") : t("common.none")),
        ...choices.map((u) => h("option", { value: u.id, selected: String(u.id) === current },
          `${u.name}（${t(`unitKind.${u.kind}`)}）`)));
      const show = (wrapper, visible) => {
        wrapper.hidden = !visible;
        wrapper.control.disabled = !visible;
      };
      show(unit, kinds.length > 0);
      unit.control.required = value === "handler";
      show(project, value === "enterprise");
      project.control.required = value === "enterprise";
      show(jurisdiction, value === "admin" || value === "inspector");
    };
    role.control.addEventListener("change", refresh);
    refresh();

    const form = h("form", { class: "form", id: "user-form", autocomplete: "off" },
      username, displayName, role, unit, project, jurisdiction, password);
    onSubmit(form, async (values) => {
      const body = {
        username: values.username, display_name: values.display_name, role: values.role,
        password: values.password,
      };
      if ("unit_id" in values) body.unit_id = idOrNull(values.unit_id);
      if ("project_id" in values) body.project_id = idOrNull(values.project_id);
      if ("jurisdiction_id" in values && values.jurisdiction_id) body.jurisdiction_id = Number(values.jurisdiction_id);
      const user = await api.post("/users", body);
      toast(t("users.created", { name: user.display_name }));
      navigate(`#/users?q=${encodeURIComponent(user.username)}`);
    });
    container.append(
      ...heading(t("users.new")),
      form,
      actionBar(
        h("a", { class: "btn", href: "#/users" }, t("common.cancel")),
        h("button", { type: "submit", form: "user-form", class: "btn primary" }, t("common.save")),
      ),
    );
  },
};
