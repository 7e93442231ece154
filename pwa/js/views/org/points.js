// 点位管理: every point in the admin's scope, filtered by type, hall, state and a search.
import { api } from "../../api.js";
import { typeOptions } from "../../components/point-form.js";
import { t } from "../../i18n.js";
import { halls } from "../../lookups.js";
import {
  actionBar, badge, clear, emptyState, errorBlock, filterBar, h, hashWith, heading, loading, navigate, pager,
  rememberList,
} from "../../ui.js";

const PER_PAGE = 20;

export default {
  path: "/points",
  title: "points.title",
  roles: ["admin"],
  menu: true,
  tab: 2,
  async render(container, { query }) {
    const filters = {
      type: query.get("type") || "",
      hall: query.get("hall") || "",
      active: query.get("active") || "",
      q: query.get("q") || "",
    };
    const page = Math.max(1, Number(query.get("page")) || 1);
    rememberList("points");
    const hallList = await halls();

    const form = filterBar(
      { name: "q", label: t("points.search"), value: filters.q, placeholder: t("points.searchPlaceholder") },
      [
        { name: "type", label: t("point.type"), options: typeOptions(), value: filters.type, placeholder: t("points.allTypes") },
        { name: "hall", label: t("point.hall"), options: hallList.map((x) => [x.id, x.name]), value: filters.hall,
          placeholder: t("points.allHalls") },
        { name: "active", label: t("common.state"), options: [["true", t("common.active")], ["false", t("common.inactive")]],
          value: filters.active, placeholder: t("points.allStates") },
      ],
      (values) => navigate(hashWith("/points", values)),
    );

    const results = h("section", { class: "results", "aria-live": "polite" }, loading());
    container.append(
      ...heading(t("points.title")),
      form,
      results,
      actionBar(
        h("a", { class: "btn", href: "#/points/import" }, t("points.import")),
        h("a", { class: "btn primary", href: "#/points/new" }, t("points.new")),
      ),
    );

    const load = async () => {
      clear(results).append(loading());
      try {
        const answer = await api.get("/points", { ...filters, page, per_page: PER_PAGE });
        clear(results);
        if (!answer.items.length) {
          results.append(emptyState(t("points.empty")));
          return;
        }
        results.append(
          h("ul", { class: "cards" }, answer.items.map(pointCard)),
          pager(answer, (to) => navigate(hashWith("/points", { ...filters, page: to }))),
        );
      } catch (error) {
        clear(results).append(errorBlock(error, load));
      }
    };
    await load();
  },
};

function pointCard(point) {
  return h("li", {},
    h("a", { class: `card point-card${point.active ? "" : " inactive"}`, href: `#/points/${point.id}` },
      h("div", { class: "card-head" },
        point.number ? h("span", { class: "number", title: t("point.number") }, point.number) : null,
        h("strong", { class: "card-title" }, point.name),
        point.active ? null : badge(t("common.inactive"), "muted")),
      h("p", { class: "card-line" },
        h("span", { class: "code" }, point.code), " · ", t(`pointType.${point.type}`)),
      h("p", { class: "card-line muted" },
        [point.hall?.name, point.department?.name].filter(Boolean).join(" · ") || point.jurisdiction?.name || "")));
}
