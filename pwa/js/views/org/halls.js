// 政务服务大厅: each hall with its number of active windows; a tap lists its windows.
import { api } from "../../api.js";
import { t } from "../../i18n.js";
import { badge, clear, emptyState, errorBlock, h, hashWith, heading, loading, navigate, pager } from "../../ui.js";

export default {
  path: "/halls",
  title: "halls.title",
  roles: ["admin"],
  menu: true,
  async render(container, { query }) {
    const page = Math.max(1, Number(query.get("page")) || 1);
    const results = h("section", { class: "results" }, loading());
    container.append(...heading(t("halls.title"), t("halls.intro")), results);
    try {
      const answer = await api.get("/halls", { page, per_page: 50 });
      clear(results);
      if (!answer.items.length) {
        results.append(emptyState(t("halls.empty")));
        return;
      }
      results.append(
        h("ul", { class: "cards" }, answer.items.map((hall) => h("li", {},
          h("a", { class: `card${hall.active ? "" : " inactive"}`, href: hashWith("/points", { hall: hall.id, type: "window" }) },
            h("div", { class: "card-head" },
              h("strong", { class: "card-title" }, hall.name),
              hall.active ? null : badge(t("common.inactive"), "muted")),
            h("p", { class: "card-line" }, t("halls.windows", { count: hall.window_count })),
            h("p", { class: "card-line muted" }, [hall.jurisdiction?.name, hall.address].filter(Boolean).join(" · ")))))),
        pager(answer, (to) => navigate(hashWith("/halls", { page: to }))),
      );
    } catch (error) {
      clear(results).append(errorBlock(error, () => navigate(location.hash)));
    }
  },
};
