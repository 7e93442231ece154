// 辖区: the tree (city → banner/county/district → town/street), indented by depth.
import { t } from "../../i18n.js";
import { depthOf, invalidate, jurisdictions } from "../../lookups.js";
import { badge, emptyState, h, heading } from "../../ui.js";

const CHILD_LEVEL = { city: "county", county: "town" };

export default {
  path: "/jurisdictions",
  title: "jurisdictions.title",
  roles: ["admin"],
  menu: true,
  async render(container) {
    invalidate("jurisdictions");
    const list = await jurisdictions();
    container.append(...heading(t("jurisdictions.title"), t("jurisdictions.intro")));
    if (!list.length) {
      container.append(emptyState(t("jurisdictions.empty")));
      return;
    }
    container.append(h("ul", { class: "tree" }, list.map((j) => {
      const depth = Math.min(depthOf(j), 3);
      return h("li", { class: `tree-item depth-${depth}${j.active ? "" : " inactive"}` },
        h("div", { class: "tree-text" },
          h("strong", {}, j.name),
          h("span", { class: "muted" }, ` ${t(`level.${j.level}`)}${j.division_code ? ` · ${j.division_code}` : ""}`),
          j.active ? null : badge(t("common.inactive"), "muted")),
        CHILD_LEVEL[j.level]
          ? h("a", { class: "btn small", href: `#/jurisdictions/new?parent=${j.id}`,
            "aria-label": t("jurisdictions.newChildOf", { name: j.name }) }, t("jurisdictions.newChild"))
          : null);
    })));
  },
};
