// 承办单位待办: what is assigned to the handler's department, most urgent first; sign for at once.
import { api } from "../api.js";
import { addMessages, t } from "../i18n.js";
import { clear, emptyState, errorBlock, h, heading, loading } from "../ui.js";
import { caseCard, caseMeta } from "./ledger.js";

addMessages({
  zh: { "inbox.title": "待办案件", "inbox.toSign": "待签收", "inbox.inHand": "办理中", "inbox.dueSoon": "即将到期或已超期",
    "inbox.empty": "暂无" },
  en: { "inbox.title": "Inbox", "inbox.toSign": "To sign for", "inbox.inHand": "In hand", "inbox.dueSoon": "Due soon or overdue",
    "inbox.empty": "Nothing here" },
});

export default {
  path: "/inbox",
  title: "inbox.title",
  roles: ["handler"],
  menu: true,
  tab: 1,
  async render(container) {
    const meta = await caseMeta();
    const body = h("div", { class: "inbox" }, loading());
    container.append(...heading(t("inbox.title")), body);
    const load = async () => {
      try {
        const [toSign, inHand, urgent] = await Promise.all([
          api.get("/cases", { state: "assigned", sort: "due_at", per_page: 100 }),
          api.get("/cases", { state: "signed,parked", sort: "due_at", per_page: 100 }),
          api.get("/cases", { warning: "red", open: true, sort: "due_at", per_page: 100 }),
        ]);
        const yellow = await api.get("/cases", { warning: "yellow", open: true, sort: "due_at", per_page: 100 });
        const section = (title, answer, key) => h("section", { class: "inbox-section", dataset: { section: key } },
          h("h3", {}, `${title}（${answer.total}）`),
          answer.items.length ? h("ul", { class: "cards" }, answer.items.map((i) => caseCard(i, meta, false)))
            : emptyState(t("inbox.empty")));
        clear(body).append(
          section(t("inbox.dueSoon"), { total: urgent.total + yellow.total, items: [...urgent.items, ...yellow.items] }, "urgent"),
          section(t("inbox.toSign"), toSign, "to-sign"),
          section(t("inbox.inHand"), inHand, "in-hand"));
      } catch (error) {
        clear(body).append(errorBlock(error, load));
      }
    };
    await load();
  },
};
