// 承办单位待办: what is assigned to the handler's department, most urgent first; sign for at once.
import { api } from "../../api.js";
import { addMessages, t } from "../../i18n.js";
import { clear, emptyState, errorBlock, h, heading, loading } from "../../ui.js";
import { caseCard, caseMeta } from "./ledger.js";

addMessages({
  zh: { "inbox.title": "待办案件", "inbox.toSign": "待签收", "inbox.inHand": "办理中", "inbox.dueSoon": "即将到期或已超期",
    "inbox.empty": "暂无", "inbox.allCases": "查看本单位全部案件", "inbox.intro": "转办给本单位的案件：签收后在期限内反馈办理结果。" },
  en: { "inbox.title": "Inbox", "inbox.toSign": "To sign for", "inbox.inHand": "In hand", "inbox.dueSoon": "Due soon or overdue",
    "inbox.empty": "Nothing here", "inbox.allCases": "All of your unit's cases",
    "inbox.intro": "Cases assigned to your unit: sign for them, then answer before the deadline." },
});

const PER_PAGE = 100;

export default {
  path: "/inbox",
  title: "inbox.title",
  roles: ["handler"],
  menu: true,
  tab: 1,
  async render(container) {
    const meta = await caseMeta();
    const body = h("div", { class: "inbox" }, loading());
    container.append(...heading(t("inbox.title"), t("inbox.intro")), body,
      h("p", { class: "inbox-more" }, h("a", { href: "#/cases" }, t("inbox.allCases"))));
    const load = async () => {
      try {
        const list = (query) => api.get("/cases", { sort: "due_at", per_page: PER_PAGE, ...query });
        const [toSign, inHand, red, yellow] = await Promise.all([
          list({ state: "assigned" }),
          list({ state: "signed,parked" }),
          list({ warning: "red", open: true }),
          list({ warning: "yellow", open: true }),
        ]);
        const section = (title, answer, key) => h("section", { class: "inbox-section", dataset: { section: key } },
          h("h3", {}, `${title}（${answer.total}）`),
          answer.items.length
            ? h("ul", { class: "cards case-cards" }, answer.items.map((i) => h("li", {}, caseCard(i, meta))))
            : emptyState(t("inbox.empty")));
        const urgent = { total: red.total + yellow.total, items: [...red.items, ...yellow.items] };
        clear(body).append(...[
          urgent.total ? section(t("inbox.dueSoon"), urgent, "urgent") : null,
          section(t("inbox.toSign"), toSign, "to-sign"),
          section(t("inbox.inHand"), inHand, "in-hand")].filter(Boolean));
      } catch (error) {
        clear(body).append(errorBlock(error, load));
      }
    };
    await load();
  },
};
