// 群众反映: ratings and reports from window codes and website embeds in the inspector's scope,
// newest first, with filters; new ones appear as they arrive (polled while the screen is open).
// A card opens to the report's detail: photos, the case it opened, and (for inspectors and
// admins) the reporter's contact details, revealed on request — every reveal is logged.
import { api } from "../../api.js";
import { addMessages, getLanguage, localTime, t } from "../../i18n.js";
import {
  badge, button, clear, confirmDialog, emptyState, errorBlock, filterBar, h, hashWith, heading, loading, navigate,
  pager, rememberList,
} from "../../ui.js";

addMessages({
  zh: {
    "reports.title": "群众反映",
    "reports.intro": "扫码评价与问题反映，最新的在前，新到的会自动出现",
    "reports.search": "搜索内容",
    "reports.searchPlaceholder": "反映内容中的文字",
    "reports.allKinds": "评价和反映",
    "reports.kind.rating": "评价",
    "reports.kind.report": "反映",
    "reports.allRatings": "全部满意度",
    "reports.bad": "差评（不满意及以下）",
    "reports.good": "好评（基本满意及以上）",
    "reports.allCategories": "全部问题类型",
    "reports.empty": "暂无符合条件的反映",
    "reports.new": "新到 {n} 条",
    "reports.newBadge": "新",
    "reports.anonymous": "匿名",
    "reports.realName": "实名",
    "reports.case": "案件 {number}",
    "reports.noCase": "未立案（好评）",
    "reports.photos": "照片 {n} 张",
    "reports.from": "来自网站 {site}",
    "reports.open": "查看详情",
    "reports.contact": "联系方式",
    "reports.contactKept": "实名反映，联系方式已加密保存，查看须记录",
    "reports.reveal": "查看实名联系方式",
    "reports.revealConfirm": "查看反映人的姓名和电话将被记录在审计日志中。确定查看？",
    "reports.revealed": "姓名：{name}　电话：{phone}",
    "reports.feedback": "回访：{resolved}，满意度 {satisfaction}/5",
    "reports.resolved": "已解决",
    "reports.unresolved": "未解决",
    "reports.openCase": "打开案件",
  },
  en: {
    "reports.title": "Citizen reports",
    "reports.intro": "Ratings and reports from window codes; newest first, new ones appear by themselves",
    "reports.search": "Search",
    "reports.searchPlaceholder": "Words in the report",
    "reports.allKinds": "Ratings and reports",
    "reports.kind.rating": "Rating",
    "reports.kind.report": "Report",
    "reports.allRatings": "Any rating",
    "reports.bad": "Negative (dissatisfied or worse)",
    "reports.good": "Positive (fairly satisfied or better)",
    "reports.allCategories": "Any category",
    "reports.empty": "Nothing matches",
    "reports.new": "{n} new",
    "reports.newBadge": "New",
    "reports.anonymous": "Anonymous",
    "reports.realName": "Named",
    "reports.case": "Case {number}",
    "reports.noCase": "No case (positive rating)",
    "reports.photos": "{n} photo(s)",
    "reports.from": "From website {site}",
    "reports.open": "Details",
    "reports.contact": "Contact",
    "reports.contactKept": "Named report; the contact details are kept encrypted, and viewing them is logged",
    "reports.reveal": "Show the reporter's contact",
    "reports.revealConfirm": "Viewing the reporter's name and phone is recorded in the audit log. Continue?",
    "reports.revealed": "Name: {name}  Phone: {phone}",
    "reports.feedback": "Follow-up: {resolved}, satisfaction {satisfaction}/5",
    "reports.resolved": "solved",
    "reports.unresolved": "not solved",
    "reports.openCase": "Open the case",
  },
});

const PER_PAGE = 20;
const POLL_MS = 30000;
const RATING_RANGES = { bad: { rating_min: 4 }, good: { rating_max: 3 } };

let categoriesCache = null;

async function categories() {
  if (!categoriesCache) categoriesCache = await api.get("/report-categories");
  return categoriesCache;
}

function headline(item) {
  if (item.kind === "rating") {
    return `${t("reports.kind.rating")} · ${item.rating_label || ""}`;
  }
  return `${t("reports.kind.report")} · ${item.category_name || item.category || ""}`;
}

function card(item, fresh) {
  const isBad = item.kind === "report" || (item.rating || 0) >= 4;
  const details = h("details", { class: "card report-card", dataset: { id: item.id, kind: item.kind } },
    h("summary", {},
      h("div", { class: "card-head" },
        fresh ? badge(t("reports.newBadge"), "ok") : null,
        h("strong", { class: "card-title" }, headline(item)),
        isBad ? null : badge(t("reports.kind.rating"), "muted")),
      h("p", { class: "card-line" }, item.point.label),
      item.reasons.length ? h("p", { class: "card-line" }, item.reasons.join("、")) : null,
      item.description ? h("p", { class: "card-line" }, item.description) : null,
      h("p", { class: "card-line muted" },
        [localTime(item.created_at, { short: true }),
          item.anonymous ? t("reports.anonymous") : t("reports.realName"),
          item.case_number ? t("reports.case", { number: item.case_number }) : t("reports.noCase"),
          item.photo_count ? t("reports.photos", { n: item.photo_count }) : null,
          item.origin_site ? t("reports.from", { site: item.origin_site }) : null,
        ].filter(Boolean).join(" · "))),
    h("div", { class: "report-detail" }));
  details.addEventListener("toggle", () => {
    if (details.open && !details.dataset.loaded) {
      details.dataset.loaded = "1";
      showDetail(details.querySelector(".report-detail"), item.id);
    }
  });
  return h("li", {}, details);
}

async function showDetail(box, id) {
  clear(box).append(loading());
  try {
    const report = await api.get(`/reports/${id}`);
    clear(box);
    if (report.photos.length) {
      box.append(h("div", { class: "report-photos" }, report.photos.map((photo) =>
        h("a", { href: photo.url, target: "_blank", rel: "noopener" },
          h("img", { src: photo.url, alt: t("reports.photos", { n: 1 }), width: 96, height: 96, loading: "lazy" })))));
    }
    if (report.feedback) {
      box.append(h("p", { class: "card-line" }, t("reports.feedback", {
        resolved: report.feedback.resolved ? t("reports.resolved") : t("reports.unresolved"),
        satisfaction: report.feedback.satisfaction ?? "-",
      })));
    }
    if (report.has_contact) {
      // Not even masked here: the contact leaves the server only through the audited reveal.
      const line = h("p", { class: "card-line", dataset: { contact: "" } },
        `${t("reports.contact")}：${t("reports.contactKept")}`);
      box.append(line);
      if (report.can_reveal_contact) {
        box.append(button(t("reports.reveal"), {
          class: "btn",
          onclick: async (event) => {
            const target = event.currentTarget;
            if (!(await confirmDialog(t("reports.revealConfirm")))) return;
            try {
              const contact = await api.get(`/reports/${id}/contact`);
              clear(line).append(t("reports.revealed", { name: contact.name || "", phone: "" }),
                contact.phone ? h("a", { href: `tel:${contact.phone}` }, contact.phone) : "");
              target.remove();
            } catch (error) {
              line.after(errorBlock(error));
            }
          },
        }));
      }
    }
    if (report.case_id) {
      box.append(h("p", {}, h("a", { class: "btn", href: `#/cases/${report.case_id}` }, t("reports.openCase"))));
    }
  } catch (error) {
    clear(box).append(errorBlock(error, () => showDetail(box, id)));
  }
}

export default {
  path: "/reports",
  title: "reports.title",
  roles: ["admin", "inspector"],
  menu: true,
  tab: 3,
  async render(container, { query }) {
    const filters = {
      kind: query.get("kind") || "",
      rating: query.get("rating") || "",
      category: query.get("category") || "",
      q: query.get("q") || "",
    };
    const page = Math.max(1, Number(query.get("page")) || 1);
    rememberList("reports");
    let categoryList = [];
    try {
      categoryList = await categories();
    } catch {
      categoryList = [];
    }
    const en = getLanguage() === "en";
    const form = filterBar(
      { name: "q", label: t("reports.search"), value: filters.q, placeholder: t("reports.searchPlaceholder") },
      [
        { name: "kind", label: t("reports.allKinds"), value: filters.kind, placeholder: t("reports.allKinds"),
          options: [["rating", t("reports.kind.rating")], ["report", t("reports.kind.report")]] },
        { name: "rating", label: t("reports.allRatings"), value: filters.rating, placeholder: t("reports.allRatings"),
          options: [["bad", t("reports.bad")], ["good", t("reports.good")]] },
        { name: "category", label: t("reports.allCategories"), value: filters.category,
          placeholder: t("reports.allCategories"),
          options: categoryList.map((c) => [c.code, en ? c.name_en || c.name : c.name]) },
      ],
      (values) => navigate(hashWith("/reports", values)),
    );
    const fresh = h("button", { type: "button", class: "btn primary", hidden: true });
    const results = h("section", { class: "results", "aria-live": "polite" }, loading());
    container.append(...heading(t("reports.title"), t("reports.intro")), form, fresh, results);

    const params = {
      kind: filters.kind || undefined,
      category: filters.category || undefined,
      q: filters.q || undefined,
      ...(RATING_RANGES[filters.rating] || {}),
    };
    if (filters.rating && !filters.kind) params.kind = "rating";
    let list = null;
    let newest = 0;
    let waiting = [];

    const load = async () => {
      clear(results).append(loading());
      try {
        const answer = await api.get("/reports", { ...params, page, per_page: PER_PAGE });
        clear(results);
        newest = Math.max(0, ...answer.items.map((i) => i.id));
        if (!answer.items.length) {
          results.append(emptyState(t("reports.empty")));
          list = h("ul", { class: "cards" });
          return;
        }
        list = h("ul", { class: "cards" }, answer.items.map((item) => card(item, false)));
        results.append(list,
          pager(answer, (to) => navigate(hashWith("/reports", { ...filters, page: to }))));
      } catch (error) {
        clear(results).append(errorBlock(error, load));
      }
    };

    // New arrivals: asked for with since_id, shown behind a button so the list does not jump.
    const poll = async () => {
      if (!container.isConnected) {
        clearInterval(timer);
        return;
      }
      if (document.hidden || page !== 1 || list === null) return;
      try {
        const answer = await api.get("/reports", { ...params, since_id: newest, per_page: 50 });
        if (!answer.items.length) return;
        newest = Math.max(newest, ...answer.items.map((i) => i.id));
        waiting = [...answer.items, ...waiting];
        fresh.textContent = t("reports.new", { n: waiting.length });
        fresh.hidden = false;
      } catch {
        // offline or signed out: the next tick tries again
      }
    };
    fresh.addEventListener("click", () => {
      if (!list) return;
      if (!list.isConnected) clear(results).append(list);
      list.prepend(...waiting.map((item) => card(item, true)));
      waiting = [];
      fresh.hidden = true;
    });
    const timer = setInterval(poll, POLL_MS);
    document.addEventListener("visibilitychange", () => { if (!document.hidden) poll(); });
    await load();
  },
};
