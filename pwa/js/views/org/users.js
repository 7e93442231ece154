// 用户: accounts in the admin's scope; deactivating one signs it out everywhere.
import { api } from "../../api.js";
import { localTime, t } from "../../i18n.js";
import { session } from "../../state.js";
import {
  actionBar, badge, button, clear, confirmDialog, emptyState, errorBlock, filterBar, h, hashWith, heading, loading,
  navigate, pager, toast,
} from "../../ui.js";

export const ROLES = ["admin", "inspector", "handler", "enterprise"];

function scopeOf(user) {
  if (user.project) return user.project.name;
  if (user.unit) return user.unit.name;
  return user.jurisdiction?.name || "";
}

export default {
  path: "/users",
  title: "users.title",
  roles: ["admin"],
  menu: true,
  async render(container, { query }) {
    const filters = { role: query.get("role") || "", q: query.get("q") || "" };
    const page = Math.max(1, Number(query.get("page")) || 1);
    const form = filterBar(
      { name: "q", label: t("users.search"), value: filters.q, placeholder: t("users.search") },
      [{ name: "role", label: t("users.role"), value: filters.role, options: ROLES.map((r) => [r, t(`role.${r}`)]),
        placeholder: t("users.allRoles") }],
      (values) => navigate(hashWith("/users", values)),
    );
    const results = h("section", { class: "results", "aria-live": "polite" }, loading());
    container.append(...heading(t("users.title")), form, results,
      actionBar(h("a", { class: "btn primary", href: "#/users/new" }, t("users.new"))));

    const toggle = async (user) => {
      const deactivate = user.active;
      const ok = await confirmDialog(
        deactivate ? t("users.confirmDeactivate", { name: user.display_name }) : t("users.confirmActivate", { name: user.display_name }),
        { ok: deactivate ? t("users.deactivate") : t("users.activate"), danger: deactivate },
      );
      if (!ok) return;
      try {
        await api.patch(`/users/${user.id}`, { active: !deactivate });
        toast(deactivate ? t("users.deactivated", { name: user.display_name }) : t("users.activated", { name: user.display_name }));
        navigate(location.hash);
      } catch (error) {
        toast(error.message);
      }
    };

    try {
      const answer = await api.get("/users", { ...filters, page, per_page: 30 });
      clear(results);
      if (!answer.items.length) {
        results.append(emptyState(t("users.empty")));
        return;
      }
      results.append(
        h("ul", { class: "cards" }, answer.items.map((user) => h("li", {},
          h("div", { class: `card${user.active ? "" : " inactive"}` },
            h("div", { class: "card-head" },
              h("strong", { class: "card-title" }, user.display_name),
              h("span", { class: "muted" }, user.username),
              user.active ? null : badge(t("common.inactive"), "muted")),
            h("p", { class: "card-line" }, t(`role.${user.role}`), " · ", scopeOf(user)),
            h("p", { class: "card-line muted" }, user.last_login_at
              ? t("users.lastLogin", { when: localTime(user.last_login_at) }) : t("users.neverLoggedIn")),
            user.id === session.me.id ? null : h("div", { class: "card-actions" },
              button(user.active ? t("users.deactivate") : t("users.activate"), {
                class: user.active ? "btn small danger" : "btn small", onclick: () => toggle(user),
                "aria-label": `${user.active ? t("users.deactivate") : t("users.activate")} ${user.display_name}`,
              })))))),
        pager(answer, (to) => navigate(hashWith("/users", { ...filters, page: to }))),
      );
    } catch (error) {
      clear(results).append(errorBlock(error, () => navigate(location.hash)));
    }
  },
};
