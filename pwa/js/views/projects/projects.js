// 重大项目: for inspectors the board (every project in scope with open blockers, overdue approvals and
// overdue payments, the most troubled first); for an enterprise user its own project(s).
import { api } from "../../api.js";
import { addMessages, t } from "../../i18n.js";
import { session } from "../../state.js";
import { badge, clear, emptyState, errorBlock, filterBar, h, hashWith, heading, loading, navigate, pager, rememberList } from "../../ui.js";

addMessages({
  zh: {
    "projects.title": "重大项目", "projects.board": "项目看板", "projects.mine": "我的项目",
    "projects.search": "搜索", "projects.searchPlaceholder": "项目名称、代码或业主单位",
    "projects.problems": "只看有问题的项目", "projects.all": "全部项目",
    "projects.overdueApprovals": "审批超时 {n}", "projects.yellowApprovals": "审批预警 {n}",
    "projects.overduePayments": "逾期账款 {n}（{amount} 元）", "projects.openBlockers": "未办结堵点 {n}",
    "projects.calm": "无超时、无堵点", "projects.empty": "没有符合条件的项目", "projects.liaison": "包联干部",
    "colour.green": "🟢 正常", "colour.yellow": "🟡 黄色预警", "colour.red": "🔴 超时",
  },
  en: {
    "projects.title": "Major projects", "projects.board": "Project board", "projects.mine": "My projects",
    "projects.search": "Search", "projects.searchPlaceholder": "Name, code or owner",
    "projects.problems": "Only projects with problems", "projects.all": "All projects",
    "projects.overdueApprovals": "Approvals overdue {n}", "projects.yellowApprovals": "Approvals warned {n}",
    "projects.overduePayments": "Payments overdue {n} ({amount} yuan)", "projects.openBlockers": "Open blockers {n}",
    "projects.calm": "Nothing overdue, no blockers", "projects.empty": "No projects", "projects.liaison": "Liaison",
    "colour.green": "🟢 On time", "colour.yellow": "🟡 Warning", "colour.red": "🔴 Overdue",
  },
});

export function colourBadge(colour) {
  return badge(t(`colour.${colour}`), colour === "green" ? "ok" : `colour-${colour}`);
}

function boardCard(p) {
  const problems = [];
  if (p.overdue_approvals) problems.push(badge(t("projects.overdueApprovals", { n: p.overdue_approvals }), "colour-red"));
  if (p.yellow_approvals) problems.push(badge(t("projects.yellowApprovals", { n: p.yellow_approvals }), "colour-yellow"));
  if (p.overdue_payments) {
    problems.push(badge(t("projects.overduePayments", { n: p.overdue_payments, amount: p.overdue_amount }), "colour-red"));
  }
  if (p.open_blockers) problems.push(badge(t("projects.openBlockers", { n: p.open_blockers }), "colour-red"));
  return h("li", { dataset: { project: p.id } },
    h("a", { class: "card project-card", href: `#/projects/${p.id}` },
      h("strong", {}, p.name),
      h("p", { class: "muted" }, [p.jurisdiction, p.stage_label, p.liaison_name ? `${t("projects.liaison")} ${p.liaison_name}` : null]
        .filter(Boolean).join(" · ")),
      h("p", { class: "project-problems" }, problems.length ? problems : badge(t("projects.calm"), "ok"))));
}

async function renderBoard(container, query) {
  const filters = { q: query.get("q") || "", problems: query.get("problems") || "" };
  const page = Math.max(1, Number(query.get("page")) || 1);
  rememberList("projects");
  const form = filterBar(
    { name: "q", label: t("projects.search"), value: filters.q, placeholder: t("projects.searchPlaceholder") },
    [{ name: "problems", label: t("projects.problems"), options: [["1", t("projects.problems")]], value: filters.problems,
      placeholder: t("projects.all") }],
    (values) => navigate(hashWith("/projects", values)),
  );
  const list = h("div", {}, loading());
  container.append(...heading(t("projects.board")), form, list);
  const load = async () => {
    try {
      const answer = await api.get("/projects/board", { ...filters, page, per_page: 20 });
      clear(list).append(
        answer.items.length ? h("ul", { class: "cards project-board" }, answer.items.map(boardCard)) : emptyState(t("projects.empty")),
        pager(answer, (next) => navigate(hashWith("/projects", { ...filters, page: next }))));
    } catch (error) {
      clear(list).append(errorBlock(error, load));
    }
  };
  await load();
}

async function renderMine(container) {
  const answer = await api.get("/projects/mine");
  if (answer.items.length === 1) {
    navigate(`#/projects/${answer.items[0].id}`);
    return;
  }
  container.append(...heading(t("projects.mine")),
    answer.items.length ? h("ul", { class: "cards" }, answer.items.map((p) => h("li", {},
      h("a", { class: "card", href: `#/projects/${p.id}` }, h("strong", {}, p.name), h("p", { class: "muted" }, p.stage_label)))))
      : emptyState(t("projects.empty")));
}

export default {
  path: "/projects",
  title: "projects.title",
  roles: ["admin", "inspector", "enterprise"],
  menu: true,
  tab: 2,
  async render(container, { query }) {
    if (session.me.role === "enterprise") return renderMine(container);
    return renderBoard(container, query);
  },
};
