// 案件台账: every case in scope, filtered and counted per state; export to Excel, print, bulk assign.
// On a phone the cases are cards; on a wide screen and on paper, a table with the same columns.
import { api } from "../../api.js";
import { addMessages, getLanguage, localTime, t } from "../../i18n.js";
import { departments, halls, jurisdictionOptions, jurisdictions } from "../../lookups.js";
import { hasRole, session } from "../../state.js";
import {
  badge, button, clear, emptyState, errorBlock, field, h, hashWith, heading, loading, navigate, pager, rememberList,
  toast,
} from "../../ui.js";

addMessages({
  zh: {
    "ledger.title": "案件台账", "ledger.search": "编号或内容", "ledger.allStates": "全部状态", "ledger.allWarnings": "全部预警",
    "ledger.allChannels": "全部渠道", "ledger.allTypes": "全部类型", "ledger.allPlaces": "全部辖区", "ledger.allHalls": "全部大厅",
    "ledger.allDepartments": "全部承办单位", "ledger.allCategories": "全部类别", "ledger.overdue": "只看超期", "ledger.export": "导出 Excel",
    "ledger.print": "打印", "ledger.empty": "没有符合条件的案件", "ledger.due": "期限 {due}", "ledger.received": "受理 {at}",
    "ledger.bulkAssign": "批量转办", "ledger.bulkTo": "转办给", "ledger.assigned": "已转办 {n} 件",
    "ledger.refused": "{n} 件未能转办：{why}", "ledger.chooseDepartment": "请选择承办单位", "ledger.picked": "已选 {n} 件",
    "ledger.pick": "选择 {number}", "ledger.pickAll": "选择本页可转办的案件",
    "ledger.from": "受理起", "ledger.to": "受理止", "ledger.more": "更多筛选", "ledger.moreCount": "更多筛选（{n}）",
    "ledger.sort": "排序", "ledger.sort.-created_at": "最新受理在前", "ledger.sort.created_at": "最早受理在前",
    "ledger.sort.due_at": "期限最近在前", "ledger.sort.-updated_at": "最近办理在前",
    "ledger.warning.yellow": "黄色预警", "ledger.warning.red": "红色预警", "ledger.warning.none": "无预警",
    "ledger.provisional": "期限待定", "ledger.escalated": "督办 {level} 级", "ledger.overdueBadge": "已超期", "ledger.all": "全部",
    "ledger.col.number": "案件编号", "ledger.col.state": "状态", "ledger.col.summary": "诉求摘要", "ledger.col.type": "类型",
    "ledger.col.category": "类别", "ledger.col.jurisdiction": "辖区", "ledger.col.department": "承办单位",
    "ledger.col.point": "点位", "ledger.col.created": "受理时间", "ledger.col.due": "办理期限", "ledger.col.warning": "预警",
    "ledger.col.pick": "选择",
    "ledger.printFilters": "筛选条件：{filters}", "ledger.printNoFilters": "全部案件（本人负责范围）",
    "ledger.printTime": "打印时间：{at}", "ledger.printRange": "共 {total} 件，本表为第 {from}–{to} 件",
    "ledger.printBy": "打印人：{name}", "ledger.filter.q": "关键词", "ledger.filter.dates": "受理日期",
    "ledger.filter.sort": "排序", "ledger.filter.channel": "渠道", "ledger.filter.hall": "大厅",
    "ledger.filterPart": "{label}：{value}", "ledger.partJoin": "；", "ledger.listJoin": "、", "ledger.dateRange": "{from} 至 {to}",
  },
  en: {
    "ledger.title": "Case ledger", "ledger.search": "Number or text", "ledger.allStates": "All states",
    "ledger.allWarnings": "All warnings", "ledger.allChannels": "All channels", "ledger.allTypes": "All types",
    "ledger.allPlaces": "All jurisdictions", "ledger.allHalls": "All halls", "ledger.allDepartments": "All departments",
    "ledger.allCategories": "All categories", "ledger.overdue": "Overdue only", "ledger.export": "Export to Excel", "ledger.print": "Print",
    "ledger.empty": "No cases match", "ledger.due": "Due {due}", "ledger.received": "Received {at}",
    "ledger.bulkAssign": "Assign selected", "ledger.bulkTo": "Assign to", "ledger.assigned": "{n} assigned",
    "ledger.refused": "{n} not assigned: {why}", "ledger.chooseDepartment": "Choose a department",
    "ledger.picked": "{n} selected", "ledger.pick": "Select {number}", "ledger.pickAll": "Select every case on this page that can be assigned",
    "ledger.from": "Received from", "ledger.to": "Received to", "ledger.more": "More filters",
    "ledger.moreCount": "More filters ({n})", "ledger.sort": "Sort", "ledger.sort.-created_at": "Newest first",
    "ledger.sort.created_at": "Oldest first", "ledger.sort.due_at": "Nearest deadline first",
    "ledger.sort.-updated_at": "Recently handled first",
    "ledger.warning.yellow": "Yellow", "ledger.warning.red": "Red", "ledger.warning.none": "No warning",
    "ledger.provisional": "Provisional deadline", "ledger.escalated": "Escalated L{level}", "ledger.overdueBadge": "Overdue",
    "ledger.all": "All",
    "ledger.col.number": "Number", "ledger.col.state": "State", "ledger.col.summary": "Summary", "ledger.col.type": "Type",
    "ledger.col.category": "Category", "ledger.col.jurisdiction": "Jurisdiction", "ledger.col.department": "Department",
    "ledger.col.point": "Point", "ledger.col.created": "Received", "ledger.col.due": "Deadline", "ledger.col.warning": "Warning",
    "ledger.col.pick": "Select",
    "ledger.printFilters": "Filters: {filters}", "ledger.printNoFilters": "All cases in your scope",
    "ledger.printTime": "Printed {at}", "ledger.printRange": "{total} in all; this sheet lists {from}–{to}",
    "ledger.printBy": "Printed by {name}", "ledger.filter.q": "Text", "ledger.filter.dates": "Received",
    "ledger.filter.sort": "Sort", "ledger.filter.channel": "Channel", "ledger.filter.hall": "Hall",
    "ledger.filterPart": "{label}: {value}", "ledger.partJoin": "; ", "ledger.listJoin": ", ", "ledger.dateRange": "{from} to {to}",
  },
});

// The server names states, moves, types and channels in Chinese (/cases/meta); English names here.
// Only English: in Chinese t() falls back to the server's label.
addMessages({
  en: {
    "cases.states.received": "Received", "cases.states.registered": "Registered", "cases.states.assigned": "Assigned",
    "cases.states.signed": "Signed for", "cases.states.answered": "Answered", "cases.states.verified": "Verified",
    "cases.states.revisited": "Visited back", "cases.states.closed": "Closed", "cases.states.not_accepted": "Not accepted",
    "cases.states.merged": "Merged", "cases.states.handed_over": "Handed over", "cases.states.parked": "Parked",
    "cases.states.sent_up": "Sent up",
    "cases.actions.receive": "Receive", "cases.actions.register": "Register", "cases.actions.not_accept": "Do not accept",
    "cases.actions.merge": "Merge", "cases.actions.hand_over": "Hand over the lead", "cases.actions.send_up": "Send up",
    "cases.actions.assign": "Assign", "cases.actions.sign": "Sign for", "cases.actions.return": "Return",
    "cases.actions.request_extension": "Ask for more time", "cases.actions.decide_extension": "Decide on more time",
    "cases.actions.answer": "Answer", "cases.actions.verify": "Accept the answer", "cases.actions.send_back": "Send back",
    "cases.actions.urge": "Urge", "cases.actions.escalate": "Escalate", "cases.actions.park": "Park",
    "cases.actions.review_parked": "Review parked case", "cases.actions.unpark": "Unpark",
    "cases.actions.return_visit": "Return visit", "cases.actions.close": "Close", "cases.actions.reopen": "Reopen",
    "cases.case_types.service_request": "Service request", "cases.case_types.work_style": "Work style",
    "cases.case_types.lead": "Lead",
    "cases.channels.window_code": "Window code", "cases.channels.hall_code": "Hall code", "cases.channels.website": "Website",
    "cases.channels.project_app": "Project code", "cases.channels.hotline_12345": "12345 hotline",
    "cases.channels.field_visit": "Field visit", "cases.channels.checklist": "Checklist", "cases.channels.risk_model": "Risk model",
    "cases.channels.other": "Other",
    "cases.satisfaction.5": "Very satisfied", "cases.satisfaction.4": "Satisfied", "cases.satisfaction.3": "Fairly satisfied",
    "cases.satisfaction.2": "Dissatisfied", "cases.satisfaction.1": "Very dissatisfied",
    "cases.severities.normal": "Normal", "cases.severities.serious": "Serious", "cases.severities.grave": "Grave",
  },
});

const PER_PAGE = 30;
const FILTERS = ["q", "state", "warning", "channel", "case_type", "jurisdiction", "hall", "department", "category",
  "date_from", "date_to", "overdue", "sort"];
// Filters kept behind "更多筛选" on a phone; the ones above it are the everyday questions.
const MORE = ["channel", "case_type", "category", "jurisdiction", "hall", "department", "overdue", "date_from", "date_to", "sort"];
const SORTS = ["-created_at", "created_at", "due_at", "-updated_at"];
let metaCache = null;

export async function caseMeta() {
  if (!metaCache) {
    metaCache = api.get("/cases/meta").catch((error) => {
      metaCache = null;
      throw error;
    });
  }
  return metaCache;
}

const labelIn = (list, key) => (list || []).find((x) => String(x.key) === String(key));

/** The name of a key of /cases/meta's list `kind` (states, actions, case_types…) in the current language. */
export function metaLabel(meta, kind, key) {
  if (key === null || key === undefined || key === "") return "";
  return t(`cases.${kind}.${key}`, {}, labelIn(meta[kind], key)?.label || String(key));
}

/** [[key, name]…] of a /cases/meta list, for a select. */
export function metaOptions(meta, kind) {
  return (meta[kind] || []).map((x) => [x.key, metaLabel(meta, kind, x.key)]);
}

export function stateLabel(meta, key) {
  return metaLabel(meta, "states", key);
}

export function typeLabel(meta, key) {
  return metaLabel(meta, "case_types", key);
}

export function categoryLabel(meta, key) {
  if (!key) return "";
  const found = labelIn(meta.categories, key);
  if (!found) return key;
  return getLanguage() === "en" ? found.label_en || found.label : found.label;
}

/** What a typed category stands for: the code of the category with that name (or code); else the text. */
export function categoryKey(meta, text) {
  const value = String(text || "").trim();
  const found = (meta.categories || []).find((c) => c.key === value || c.label === value || c.label_en === value);
  return found ? found.key : value;
}

export function severityLabel(meta, key) {
  return metaLabel(meta, "severities", key);
}

/** The state as a coloured badge: class "state" plus the state's own name. */
export function stateBadge(meta, state) {
  return badge(stateLabel(meta, state), `state st-${state}`);
}

export function warningBadge(item) {
  const parts = [];
  if (item.overdue) parts.push(badge(t("ledger.overdueBadge"), "warn-red"));
  else if (item.warning && item.warning !== "none") parts.push(badge(t(`ledger.warning.${item.warning}`), `warn-${item.warning}`));
  if (item.escalation_level) parts.push(badge(t("ledger.escalated", { level: item.escalation_level }), "warn-red"));
  if (item.due_provisional) parts.push(badge(t("ledger.provisional"), "muted"));
  return parts;
}

function placeLine(item, meta) {
  return [item.department?.name || item.jurisdiction?.name, item.point?.name, categoryLabel(meta, item.category)]
    .filter(Boolean).join(" · ");
}

/** One case as a card (the ledger on a phone, the handler's inbox). */
export function caseCard(item, meta) {
  return h("a", { class: "card case-card", href: `#/cases/${item.id}`, dataset: { state: item.state, id: item.id } },
    h("div", { class: "card-head" }, h("span", { class: "case-no" }, item.number), stateBadge(meta, item.state),
      ...warningBadge(item)),
    h("strong", { class: "card-title case-title" }, item.summary),
    h("p", { class: "card-line muted" }, placeLine(item, meta)),
    h("p", { class: "card-line case-times" }, h("span", {}, t("ledger.received", { at: localTime(item.created_at) })),
      item.due_at ? h("span", { class: item.overdue ? "overdue" : null }, t("ledger.due", { due: localTime(item.due_at) })) : null));
}

const COLUMNS = ["number", "state", "summary", "type", "category", "jurisdiction", "department", "point", "created", "due",
  "warning"];

function cell(column, item, meta) {
  switch (column) {
    case "number": return h("a", { href: `#/cases/${item.id}` }, item.number);
    case "state": return stateBadge(meta, item.state);
    case "summary": return item.summary;
    case "type": return typeLabel(meta, item.case_type);
    case "category": return categoryLabel(meta, item.category);
    case "jurisdiction": return item.jurisdiction?.name || "";
    case "department": return item.department?.name || "";
    case "point": return item.point?.name || "";
    case "created": return localTime(item.created_at);
    case "due": return item.due_at ? localTime(item.due_at) : "";
    case "warning": return warningBadge(item);
    default: return "";
  }
}

const assignable = (item) => item.state === "registered";

/** What the filters ask, in words (for the printed sheet's header). */
function filterSummary(filters, meta, lists) {
  const name = (list, id) => list.find((x) => String(x.id) === String(id))?.name || id;
  const parts = [];
  const add = (label, value) => { if (value) parts.push(t("ledger.filterPart", { label: t(label), value })); };
  add("ledger.filter.q", filters.q && `“${filters.q}”`);
  add("ledger.col.state", filters.state && filters.state.split(",").map((s) => stateLabel(meta, s)).join(t("ledger.listJoin")));
  add("ledger.col.warning", filters.warning && t(`ledger.warning.${filters.warning}`));
  add("ledger.filter.channel", filters.channel && metaLabel(meta, "channels", filters.channel));
  add("ledger.col.type", filters.case_type && typeLabel(meta, filters.case_type));
  add("ledger.col.category", filters.category && categoryLabel(meta, filters.category));
  add("ledger.col.jurisdiction", filters.jurisdiction && name(lists.places, filters.jurisdiction));
  add("ledger.filter.hall", filters.hall && name(lists.halls, filters.hall));
  add("ledger.col.department", filters.department && name(lists.departments, filters.department));
  if (filters.overdue === "true") parts.push(t("ledger.overdue"));
  add("ledger.filter.dates", (filters.date_from || filters.date_to)
    && t("ledger.dateRange", { from: filters.date_from || "…", to: filters.date_to || "…" }));
  add("ledger.filter.sort", filters.sort && filters.sort !== SORTS[0] && t(`ledger.sort.${filters.sort}`, {}, filters.sort));
  return parts.length ? t("ledger.printFilters", { filters: parts.join(t("ledger.partJoin")) }) : t("ledger.printNoFilters");
}

function nowText() {
  return localTime(new Date().toISOString());
}

// The printed page says when it was printed, however the printing was started (button or Ctrl+P).
window.addEventListener("beforeprint", () => {
  for (const el of document.querySelectorAll("[data-print-time]")) el.textContent = t("ledger.printTime", { at: nowText() });
});

export default {
  path: "/cases",
  title: "ledger.title",
  roles: ["admin", "inspector", "handler"],
  menu: true,
  async render(container, { query }) {
    const filters = Object.fromEntries(FILTERS.map((k) => [k, query.get(k) || ""]));
    const page = Math.max(1, Number(query.get("page")) || 1);
    rememberList("cases");
    const [meta, places, hallList, deptList] = await Promise.all([
      caseMeta(), jurisdictions().catch(() => []), halls().catch(() => []), departments().catch(() => [])]);
    const lists = { places, halls: hallList, departments: deptList };
    const canAssign = hasRole("admin", "inspector");
    const go = (values) => navigate(hashWith("/cases", { ...filters, ...values, page: 1 }));

    // --- filters -------------------------------------------------------------------------
    const select = (name, placeholder, options) => field({ name, type: "select", label: placeholder, labelHidden: true,
      options, value: filters[name], placeholder });
    const search = field({ name: "q", type: "search", label: t("ledger.search"), labelHidden: true, value: filters.q,
      placeholder: t("ledger.search"), enterkeyhint: "search" });
    const overdue = h("label", { class: "check-inline" },
      h("input", { type: "checkbox", name: "overdue", value: "true", checked: filters.overdue === "true" }), t("ledger.overdue"));
    const more = [
      select("channel", t("ledger.allChannels"), metaOptions(meta, "channels")),
      select("case_type", t("ledger.allTypes"), metaOptions(meta, "case_types")),
      select("category", t("ledger.allCategories"), (meta.categories || []).filter((c) => c.active || c.key === filters.category)
        .map((c) => [c.key, categoryLabel(meta, c.key)])),
      places.length > 1 ? select("jurisdiction", t("ledger.allPlaces"), jurisdictionOptions(places)) : null,
      hallList.length > 1 ? select("hall", t("ledger.allHalls"), hallList.map((x) => [x.id, x.name])) : null,
      deptList.length > 1 ? select("department", t("ledger.allDepartments"), deptList.map((x) => [x.id, x.name])) : null,
      field({ name: "sort", type: "select", label: t("ledger.sort"), labelHidden: true, value: filters.sort || SORTS[0],
        options: SORTS.map((s) => [s, t(`ledger.sort.${s}`)]) }),
      overdue,
      field({ name: "date_from", type: "date", label: t("ledger.from"), value: filters.date_from }),
      field({ name: "date_to", type: "date", label: t("ledger.to"), value: filters.date_to }),
    ].filter(Boolean);
    const moreSet = MORE.filter((k) => filters[k] && !(k === "sort" && filters.sort === SORTS[0])).length;
    const form = h("form", { class: "filters ledger-filters", role: "search" },
      h("div", { class: "search-row" }, search, h("button", { type: "submit", class: "btn" }, t("common.search"))),
      h("div", { class: "filter-row cols-2" },
        select("state", t("ledger.allStates"), metaOptions(meta, "states")),
        select("warning", t("ledger.allWarnings"), ["red", "yellow", "none"].map((w) => [w, t(`ledger.warning.${w}`)]))),
      h("details", { class: "more-filters", open: moreSet > 0 },
        h("summary", {}, moreSet ? t("ledger.moreCount", { n: moreSet }) : t("ledger.more")),
        h("div", { class: "filter-row more-row" }, more)));
    const collect = () => {
      const out = {};
      for (const name of FILTERS) {
        const control = form.elements.namedItem(name);
        if (!control) continue;
        out[name] = control.type === "checkbox" ? (control.checked ? "true" : "") : control.value.trim();
      }
      if (out.sort === SORTS[0]) out.sort = "";
      return out;
    };
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      go(collect());
    });
    form.addEventListener("change", (event) => {
      if (event.target.name && event.target.name !== "q") go(collect());
    });

    // --- tools, counts, results ---------------------------------------------------------------
    const exportLink = h("a", { class: "btn small", href: `/api/v1/cases/export.xlsx${hashWith("", filters).slice(1)}`,
      download: "" }, t("ledger.export"));
    const printButton = button(t("ledger.print"), { class: "btn small", id: "ledger-print", onclick: () => {
      for (const el of document.querySelectorAll("[data-print-time]")) el.textContent = t("ledger.printTime", { at: nowText() });
      window.print();
    } });
    const tabs = h("nav", { class: "state-counts", "aria-label": t("ledger.allStates") });
    const results = h("section", { class: "results", "aria-live": "polite" }, loading());
    const printHeader = h("header", { class: "print-only print-header" },
      h("p", { class: "print-title" }, t("ledger.title")),
      h("p", {}, filterSummary(filters, meta, lists)),
      h("p", { class: "print-range" }),
      h("p", { class: "print-meta" }, h("span", { "data-print-time": "" }, t("ledger.printTime", { at: nowText() })),
        session.me ? h("span", {}, t("ledger.printBy", { name: session.me.display_name || session.me.username })) : null));

    // Bulk assignment (inspectors): a bar that appears once a case is picked.
    const picked = new Set();
    const assignTo = field({ name: "bulk_department", type: "select", label: t("ledger.bulkTo"), labelHidden: true,
      options: deptList.map((x) => [x.id, x.name]), placeholder: t("ledger.chooseDepartment") });
    const pickedCount = h("span", { class: "picked-count" });
    const bulkBar = h("div", { class: "actionbar bulkbar", hidden: true }, pickedCount, assignTo,
      button(t("ledger.bulkAssign"), { class: "btn primary", onclick: () => bulkAssign() }));
    const showPicked = () => {
      bulkBar.hidden = picked.size === 0;
      pickedCount.textContent = t("ledger.picked", { n: picked.size });
      for (const box of results.querySelectorAll("input[name=pick]")) box.checked = picked.has(box.value);
    };
    const pickBox = (item) => h("input", { type: "checkbox", name: "pick", value: String(item.id),
      dataset: { version: item.version }, "aria-label": t("ledger.pick", { number: item.number }),
      checked: picked.has(String(item.id)),
      onchange: (event) => {
        if (event.target.checked) picked.add(event.target.value);
        else picked.delete(event.target.value);
        showPicked();
      } });

    container.append(h("div", { class: "ledger-view" },
      printHeader,
      ...heading(t("ledger.title")), form,
      h("div", { class: "ledger-tools" }, tabs, h("div", { class: "tool-buttons" }, exportLink, printButton)),
      results,
      canAssign ? bulkBar : null));

    let current = [];
    const bulkAssign = async () => {
      const department = assignTo.control.value;
      const cases = current.filter((item) => picked.has(String(item.id))).map((item) => ({ id: item.id, version: item.version }));
      if (!department) {
        toast(t("ledger.chooseDepartment"));
        assignTo.control.focus();
        return;
      }
      if (!cases.length) return;
      try {
        const answer = await api.post("/cases/bulk-assign", { department_id: Number(department), cases });
        const refused = answer.results.filter((r) => r.result !== "assigned");
        toast(refused.length ? `${t("ledger.assigned", { n: answer.assigned })}；${t("ledger.refused", {
          n: refused.length, why: refused.map((r) => r.message).join("；") })}` : t("ledger.assigned", { n: answer.assigned }));
        picked.clear();
        showPicked();
        await load();
      } catch (error) {
        toast(error.message);
      }
    };

    const table = (items) => {
      const pickable = canAssign && items.some(assignable);
      const all = pickable ? h("input", { type: "checkbox", "aria-label": t("ledger.pickAll"), onchange: (event) => {
        for (const item of items.filter(assignable)) {
          if (event.target.checked) picked.add(String(item.id));
          else picked.delete(String(item.id));
        }
        showPicked();
      } }) : null;
      return h("table", { class: "ledger-table" },
        h("thead", {}, h("tr", {},
          pickable ? h("th", { class: "col-pick", scope: "col" }, all) : null,
          COLUMNS.map((c) => h("th", { scope: "col", class: `col-${c}` }, t(`ledger.col.${c}`))))),
        h("tbody", {}, items.map((item) => h("tr", { dataset: { id: item.id, state: item.state } },
          pickable ? h("td", { class: "col-pick" }, assignable(item) ? pickBox(item) : null) : null,
          COLUMNS.map((c) => h("td", { class: `col-${c}` }, cell(c, item, meta)))))));
    };

    const load = async () => {
      clear(results).append(loading());
      try {
        const answer = await api.get("/cases", { ...filters, page, per_page: PER_PAGE });
        current = answer.items;
        const all = Object.values(answer.counts).reduce((a, b) => a + b, 0);
        const chip = (state, text) => h("a", {
          href: hashWith("/cases", { ...filters, state, page: 1 }), class: "chip",
          "aria-current": filters.state === state ? "page" : null, dataset: { state } }, text);
        clear(tabs).append(chip("", `${t("ledger.all")} ${all}`),
          ...meta.states.filter((s) => answer.counts[s.key] || filters.state === s.key)
            .map((s) => chip(s.key, `${stateLabel(meta, s.key)} ${answer.counts[s.key] || 0}`)));
        const first = answer.total ? (answer.page - 1) * answer.per_page + 1 : 0;
        printHeader.querySelector(".print-range").textContent = answer.items.length
          ? t("ledger.printRange", { total: answer.total, from: first, to: first + answer.items.length - 1 })
          : t("pager.total", { total: answer.total });
        clear(results);
        if (!answer.items.length) {
          results.append(emptyState(t("ledger.empty")));
          return;
        }
        results.append(
          h("ul", { class: "cards case-cards" }, answer.items.map((item) => h("li", { class: "case-row" },
            canAssign && assignable(item) ? h("label", { class: "pick" }, pickBox(item)) : null,
            caseCard(item, meta)))),
          table(answer.items),
          pager(answer, (to) => navigate(hashWith("/cases", { ...filters, page: to }))));
        showPicked();
      } catch (error) {
        clear(results).append(errorBlock(error, load));
      }
    };
    await load();
  },
};
