// 案件台账: every case in scope, filtered and counted per state; export to Excel, print, bulk assign.
import { api } from "../api.js";
import { addMessages, t } from "../i18n.js";
import { departments, halls, jurisdictionOptions, jurisdictions } from "../lookups.js";
import { hasRole } from "../state.js";
import {
  actionBar, badge, button, clear, emptyState, errorBlock, field, filterBar, h, hashWith, heading, loading, navigate,
  pager, rememberList, toast,
} from "../ui.js";

addMessages({
  zh: {
    "ledger.title": "案件台账", "ledger.search": "编号或内容", "ledger.allStates": "全部状态", "ledger.allWarnings": "全部预警",
    "ledger.allChannels": "全部渠道", "ledger.allTypes": "全部类型", "ledger.allPlaces": "全部辖区", "ledger.allHalls": "全部大厅",
    "ledger.allDepartments": "全部承办单位", "ledger.overdue": "只看超期", "ledger.export": "导出 Excel",
    "ledger.print": "打印", "ledger.empty": "没有符合条件的案件", "ledger.due": "期限 {due}",
    "ledger.bulkAssign": "批量转办", "ledger.assigned": "已转办 {n} 件", "ledger.from": "受理起", "ledger.to": "受理止",
    "ledger.warning.yellow": "黄色预警", "ledger.warning.red": "红色预警", "ledger.warning.none": "无预警",
    "ledger.provisional": "期限待定", "ledger.escalated": "督办 {level} 级", "ledger.all": "全部",
  },
  en: {
    "ledger.title": "Case ledger", "ledger.search": "Number or text", "ledger.allStates": "All states",
    "ledger.allWarnings": "All warnings", "ledger.allChannels": "All channels", "ledger.allTypes": "All types",
    "ledger.allPlaces": "All jurisdictions", "ledger.allHalls": "All halls", "ledger.allDepartments": "All departments",
    "ledger.overdue": "Overdue only", "ledger.export": "Export to Excel", "ledger.print": "Print",
    "ledger.empty": "No cases match", "ledger.due": "Due {due}", "ledger.bulkAssign": "Assign selected",
    "ledger.assigned": "{n} assigned", "ledger.from": "Received from", "ledger.to": "Received to",
    "ledger.warning.yellow": "Yellow", "ledger.warning.red": "Red", "ledger.warning.none": "No warning",
    "ledger.provisional": "Provisional deadline", "ledger.escalated": "Escalated L{level}", "ledger.all": "All",
  },
});

const PER_PAGE = 30;
const FILTERS = ["q", "state", "warning", "channel", "case_type", "jurisdiction", "hall", "department", "category",
  "date_from", "date_to", "overdue", "sort"];
let metaCache = null;

export async function caseMeta() {
  if (!metaCache) metaCache = await api.get("/cases/meta");
  return metaCache;
}

export function localTime(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false }).slice(0, -3);
}

export function warningBadge(item) {
  const parts = [];
  if (item.warning && item.warning !== "none") parts.push(badge(t(`ledger.warning.${item.warning}`), `warn-${item.warning}`));
  if (item.escalation_level) parts.push(badge(t("ledger.escalated", { level: item.escalation_level }), "warn-red"));
  if (item.due_provisional) parts.push(badge(t("ledger.provisional"), "muted"));
  return parts;
}

export function caseCard(item, meta, selectable) {
  const stateLabel = meta.states.find((s) => s.key === item.state)?.label || item.state;
  return h("li", { class: "case-row", dataset: { state: item.state, id: item.id } },
    selectable ? h("input", { type: "checkbox", name: "pick", value: item.id, dataset: { version: item.version },
      "aria-label": item.number }) : null,
    h("a", { class: "card case-card", href: `#/cases/${item.id}` },
      h("div", { class: "card-head" }, h("span", { class: "number" }, item.number), h("strong", { class: "card-title" },
        item.summary), badge(stateLabel), ...warningBadge(item)),
      h("p", { class: "card-line muted" }, [item.jurisdiction?.name, item.department?.name, item.point?.name,
        item.category].filter(Boolean).join(" · ")),
      h("p", { class: "card-line" }, localTime(item.created_at),
        item.due_at ? ` · ${t("ledger.due", { due: localTime(item.due_at) })}` : "")));
}

export default {
  path: "/cases",
  title: "ledger.title",
  roles: ["admin", "inspector", "handler"],
  menu: true,
  async render(container, { query }) {
    const filters = Object.fromEntries(FILTERS.map((k) => [k, query.get(k) || ""]));
    const page = Math.max(1, Number(query.get("page")) || 1);
    rememberList("cases");
    const [meta, places, hallList, deptList] = await Promise.all([caseMeta(), jurisdictions(), halls(), departments()]);
    const go = (values) => navigate(hashWith("/cases", { ...filters, ...values, page: 1 }));
    const form = filterBar(
      { name: "q", label: t("ledger.search"), value: filters.q, placeholder: t("ledger.search") },
      [
        { name: "state", label: t("ledger.allStates"), options: meta.states.map((s) => [s.key, s.label]), value: filters.state, placeholder: t("ledger.allStates") },
        { name: "warning", label: t("ledger.allWarnings"), options: ["red", "yellow", "none"].map((w) => [w, t(`ledger.warning.${w}`)]), value: filters.warning, placeholder: t("ledger.allWarnings") },
        { name: "channel", label: t("ledger.allChannels"), options: meta.channels.map((c) => [c.key, c.label]), value: filters.channel, placeholder: t("ledger.allChannels") },
        { name: "case_type", label: t("ledger.allTypes"), options: meta.case_types.map((c) => [c.key, c.label]), value: filters.case_type, placeholder: t("ledger.allTypes") },
        { name: "jurisdiction", label: t("ledger.allPlaces"), options: jurisdictionOptions(places), value: filters.jurisdiction, placeholder: t("ledger.allPlaces") },
        { name: "hall", label: t("ledger.allHalls"), options: hallList.map((x) => [x.id, x.name]), value: filters.hall, placeholder: t("ledger.allHalls") },
        { name: "department", label: t("ledger.allDepartments"), options: deptList.map((x) => [x.id, x.name]), value: filters.department, placeholder: t("ledger.allDepartments") },
        { name: "overdue", label: t("ledger.overdue"), options: [["true", t("ledger.overdue")]], value: filters.overdue, placeholder: t("ledger.all") },
      ],
      (values) => go(values),
    );
    const dates = h("div", { class: "filter-row cols-2" },
      field({ name: "date_from", type: "date", label: t("ledger.from"), value: filters.date_from }),
      field({ name: "date_to", type: "date", label: t("ledger.to"), value: filters.date_to }));
    dates.addEventListener("change", (e) => go({ [e.target.name]: e.target.value }));
    const tabs = h("nav", { class: "state-counts", "aria-label": t("ledger.allStates") });
    const results = h("section", { class: "results", "aria-live": "polite" }, loading());
    const canAssign = hasRole("admin", "inspector");
    const assignTo = field({ name: "bulk_department", type: "select", label: t("ledger.bulkAssign"),
      options: deptList.map((x) => [x.id, x.name]), placeholder: t("ledger.allDepartments") });
    const exportLink = h("a", { class: "btn", href: `/api/v1/cases/export.xlsx${hashWith("", filters).slice(1)}`,
      download: "" }, t("ledger.export"));
    container.append(...heading(t("ledger.title")), form, dates, tabs, results,
      actionBar(exportLink, button(t("ledger.print"), { onclick: () => window.print() }),
        canAssign ? assignTo : null,
        canAssign ? button(t("ledger.bulkAssign"), { class: "btn primary", onclick: () => bulkAssign() }) : null));

    const bulkAssign = async () => {
      const department = assignTo.control ? assignTo.control.value : assignTo.querySelector("select").value;
      const picked = [...results.querySelectorAll("input[name=pick]:checked")]
        .map((box) => ({ id: Number(box.value), version: Number(box.dataset.version) }));
      if (!department || !picked.length) return;
      try {
        const answer = await api.post("/cases/bulk-assign", { department_id: Number(department), cases: picked });
        toast(t("ledger.assigned", { n: answer.assigned }));
        await load();
      } catch (error) {
        toast(error.message);
      }
    };

    const load = async () => {
      clear(results).append(loading());
      try {
        const answer = await api.get("/cases", { ...filters, page, per_page: PER_PAGE });
        clear(tabs).append(h("a", { href: hashWith("/cases", { ...filters, state: "", page: 1 }), class: filters.state ? "" : "current" },
          `${t("ledger.all")} ${Object.values(answer.counts).reduce((a, b) => a + b, 0)}`),
        ...meta.states.filter((s) => answer.counts[s.key]).map((s) => h("a", {
          href: hashWith("/cases", { ...filters, state: s.key, page: 1 }), class: filters.state === s.key ? "current" : "",
          dataset: { state: s.key } }, `${s.label} ${answer.counts[s.key]}`)));
        clear(results);
        if (!answer.items.length) {
          results.append(emptyState(t("ledger.empty")));
          return;
        }
        results.append(h("ul", { class: "cards ledger" }, answer.items.map((item) => caseCard(item, meta, canAssign))),
          pager(answer, (to) => navigate(hashWith("/cases", { ...filters, page: to }))));
      } catch (error) {
        clear(results).append(errorBlock(error, load));
      }
    };
    await load();
  },
};
