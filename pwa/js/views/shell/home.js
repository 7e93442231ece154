// The first screen after sign-in: administrators get their tools, everyone else a welcome card
// (later features fill it with their work).
import { t } from "../../i18n.js";
import { scopeName, session } from "../../state.js";
import { h } from "../../ui.js";

const ADMIN_LINKS = [
  ["#/points", "points.title", "home.points"],
  ["#/halls", "halls.title", "home.halls"],
  ["#/jurisdictions", "jurisdictions.title", "home.jurisdictions"],
  ["#/units", "units.title", "home.units"],
  ["#/users", "users.title", "home.users"],
  ["#/account", "account.title", "home.account"],
];

export default {
  path: "/",
  title: "home.title",
  roles: null,
  tab: 1,
  render(container) {
    const me = session.me;
    const welcome = h("section", { class: "card welcome" },
      h("h2", { class: "view-title", tabindex: "-1" }, t("home.hello", { name: me.display_name || me.username })),
      h("p", { class: "welcome-role" }, t(`role.${me.role}`)),
      h("p", { class: "welcome-scope" }, h("span", { class: "muted" }, t("home.scope")), " ", scopeName(me)));
    container.append(welcome);
    if (me.role === "admin") {
      container.append(h("ul", { class: "tiles" }, ADMIN_LINKS.map(([href, title, text]) =>
        h("li", {}, h("a", { class: "tile", href }, h("strong", {}, t(title)), h("span", {}, t(text)))))));
    } else {
      welcome.append(h("p", { class: "muted" }, t(`home.intro.${me.role}`)));
    }
  },
};
