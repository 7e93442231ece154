// 未能投递的通知: events the push capability gave up on after its last retry, with their error;
// an administrator can send one again once the cause (a rule, a bad payload) is fixed.
import { api } from "../../api.js";
import { addMessages, localTime, t } from "../../i18n.js";
import { badge, clear, emptyState, errorBlock, h, heading, loading, navigate, toast } from "../../ui.js";

addMessages({
  zh: {
    "parked.title": "未能投递的通知",
    "parked.intro": "这些事件重试多次仍未能生成通知，已暂停处理。排除原因后可重新投递。",
    "parked.empty": "没有未能投递的通知",
    "parked.attempts": "已尝试 {n} 次",
    "parked.retry": "重新投递",
    "parked.retried": "已重新排队投递",
  },
  en: {
    "parked.title": "Undelivered notifications",
    "parked.intro": "These events failed every retry and were set aside. Fix the cause, then send them again.",
    "parked.empty": "No undelivered notifications",
    "parked.attempts": "{n} attempts",
    "parked.retry": "Send again",
    "parked.retried": "Queued again",
  },
});

function eventCard(event, onRetry) {
  return h("li", { class: "card" },
    h("div", { class: "card-head" },
      h("strong", { class: "card-title" }, event.kind),
      badge(t("parked.attempts", { n: event.attempts }), "muted")),
    h("p", { class: "card-line" }, event.error || ""),
    h("p", { class: "card-line muted" }, localTime(event.created_at)),
    h("button", { type: "button", class: "btn", onclick: () => onRetry(event) }, t("parked.retry")));
}

export default {
  path: "/notify/parked",
  title: "parked.title",
  roles: ["admin"],
  menu: true,
  async render(container) {
    const results = h("section", { class: "results" }, loading());
    container.append(...heading(t("parked.title"), t("parked.intro")), results);
    const retry = async (event) => {
      try {
        await api.post(`/notify/parked/${event.id}/retry`, {});
        toast(t("parked.retried"));
        navigate(location.hash);
      } catch (error) {
        toast(error.message);
      }
    };
    try {
      const answer = await api.get("/notify/parked");
      clear(results);
      if (!answer.items.length) {
        results.append(emptyState(t("parked.empty")));
        return;
      }
      results.append(h("ul", { class: "cards" }, answer.items.map((event) => eventCard(event, retry))));
    } catch (error) {
      clear(results).append(errorBlock(error, () => navigate(location.hash)));
    }
  },
};
