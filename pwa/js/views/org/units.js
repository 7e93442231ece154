// 单位: commissions, dispatched groups, departments and halls, filtered by kind.
import { api } from "../../api.js";
import { t } from "../../i18n.js";
import {
  actionBar, badge, clear, emptyState, errorBlock, filterBar, h, hashWith, heading, loading, navigate, pager,
} from "../../ui.js";

export const UNIT_KINDS = ["commission", "group", "department", "hall"];

export default {
  path: "/units",
  title: "units.title",
  roles: ["admin"],
  menu: true,
  async render(container, { query }) {
    const filters = { kind: query.get("kind") || "", q: query.get("q") || "" };
    const page = Math.max(1, Number(query.get("page")) || 1);
    const form = filterBar(
      { name: "q", label: t("units.search"), value: filters.q, placeholder: t("units.searchPlaceholder") },
      [{ name: "kind", label: t("units.kind"), value: filters.kind, options: UNIT_KINDS.map((k) => [k, t(`unitKind.${k}`)]),
        placeholder: t("units.allKinds") }],
      (values) => navigate(hashWith("/units", values)),
    );
    const results = h("section", { class: "results", "aria-live": "polite" }, loading());
    container.append(...heading(t("units.title")), form, results,
      actionBar(h("a", { class: "btn primary", href: hashWith("/units/new", { kind: filters.kind }) }, t("units.new"))));
    try {
      const answer = await api.get("/units", { ...filters, page, per_page: 30 });
      clear(results);
      if (!answer.items.length) {
        results.append(emptyState(t("units.empty")));
        return;
      }
      results.append(
        h("ul", { class: "cards" }, answer.items.map((unit) => h("li", {},
          h("div", { class: `card${unit.active ? "" : " inactive"}` },
            h("div", { class: "card-head" },
              h("strong", { class: "card-title" }, unit.name),
              unit.active ? null : badge(t("common.inactive"), "muted")),
            h("p", { class: "card-line" }, t(`unitKind.${unit.kind}`), " · ", unit.jurisdiction?.name || ""),
            unit.supervised_departments?.length
              ? h("p", { class: "card-line muted" }, t("units.supervises", {
                names: unit.supervised_departments.map((d) => d.name).join("、") }))
              : null)))),
        pager(answer, (to) => navigate(hashWith("/units", { ...filters, page: to }))),
      );
    } catch (error) {
      clear(results).append(errorBlock(error, () => navigate(location.hash)));
    }
  },
};
