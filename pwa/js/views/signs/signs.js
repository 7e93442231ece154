// 印制监督码: the administrator picks points (by jurisdiction, hall, department, type or a
// search), chooses a template, previews one sign, and starts a print batch. The batch runs as an
// RQ job on the `print` queue; its screen (#/signs?batch=<id>) shows a live progress bar, the PDF
// to download when it is done, the reason when it failed (and a button to start it again), and
// its points, each of which can be reprinted alone. #/signs?point=<id> is one point's code: SVG and
// PNG downloads, and its sign in any template.
import { api, fetchAll } from "../../api.js";
import { addMessages, localTime, t } from "../../i18n.js";
import { departments, halls, jurisdictionOptions, jurisdictions } from "../../lookups.js";
import {
  append, badge, button, clear, emptyState, errorBlock, field, filterBar, h, hashWith, heading, loading, navigate, pager,
  setOptions, showErrors, toast,
} from "../../ui.js";

addMessages({
  zh: {
    "signs.title": "印制监督码",
    "signs.intro": "选择点位和模板，预览后批量生成可打印的 PDF；历史批次可重新下载或单个重印",
    "signs.pick": "1. 选择点位",
    "signs.search": "搜索",
    "signs.searchPlaceholder": "名称、窗口号或监督码",
    "signs.allJurisdictions": "全部辖区",
    "signs.allHalls": "全部大厅",
    "signs.allDepartments": "全部部门",
    "signs.allTypes": "全部类型",
    "signs.activeOnly": "只含在用点位（已停用的不能印制）",
    "signs.found": "符合条件的在用点位 {n} 个，已选 {selected} 个",
    "signs.tooMany": "只列出前 {shown} 个；开始印制时将包含全部 {n} 个",
    "signs.selectAll": "全选",
    "signs.selectNone": "全不选",
    "signs.none": "没有符合条件的在用点位",
    "signs.template": "2. 选择模板",
    "signs.templateHint": "纸张 {paper}，每张 {per} 个，二维码 {qr} 毫米，约 {cm} 厘米外可扫",
    "signs.templateHintNear": "纸张 {paper}，每张 {per} 个，二维码 {qr} 毫米",
    "signs.closeRange": "近距离：约 {cm} 厘米内扫码，50 厘米外扫不出；只宜贴在台面、设备等伸手可及处",
    "signs.preview": "3. 预览",
    "signs.previewPoint": "预览的点位",
    "signs.previewShow": "生成预览",
    "signs.previewAlt": "监督码印制预览",
    "signs.previewWait": "正在生成预览…",
    "signs.sample": "模板样张",
    "signs.check": "检查",
    "signs.checked": "可以印制：{n} 个点位，{pages} 页",
    "signs.start": "开始印制",
    "signs.started": "已开始印制批次 #{id}",
    "signs.history": "印制记录",
    "signs.historyEmpty": "还没有印制过",
    "signs.batch": "批次 #{id}",
    "signs.status.queued": "排队中",
    "signs.status.running": "印制中",
    "signs.status.done": "已完成",
    "signs.status.failed": "失败",
    "signs.progress": "已完成 {done} / {total} 个",
    "signs.eta": "，预计还需 {eta}",
    "signs.seconds": "{n} 秒",
    "signs.minutes": "{m} 分 {s} 秒",
    "signs.download": "下载 PDF（{size}）",
    "signs.pages": "{n} 页",
    "signs.retry": "重新开始",
    "signs.retried": "已重新开始",
    "signs.points": "本批次的点位",
    "signs.reprint": "重印",
    "signs.reprinted": "已开始重印 {label}",
    "signs.reprintOf": "重印自批次 #{id}",
    "signs.created": "创建于 {when}",
    "signs.attempts": "第 {n} 次执行",
    "signs.back": "返回印制",
    "signs.point": "点位的监督码",
    "signs.svg": "下载 SVG（矢量）",
    "signs.png": "下载 PNG",
    "signs.printOne": "印制这一个",
  },
  en: {
    "signs.title": "Print QR signs",
    "signs.intro": "Pick points and a template, preview, then make a printable PDF; past batches can be downloaded again or a single sign reprinted",
    "signs.pick": "1. Points",
    "signs.search": "Search",
    "signs.searchPlaceholder": "Name, window number or code",
    "signs.allJurisdictions": "All jurisdictions",
    "signs.allHalls": "All halls",
    "signs.allDepartments": "All departments",
    "signs.allTypes": "All types",
    "signs.activeOnly": "Points in use only (deactivated points cannot be printed)",
    "signs.found": "{n} points in use match, {selected} selected",
    "signs.tooMany": "Only the first {shown} are listed; the batch will include all {n}",
    "signs.selectAll": "Select all",
    "signs.selectNone": "Select none",
    "signs.none": "No point in use matches",
    "signs.template": "2. Template",
    "signs.templateHint": "{paper} paper, {per} per sheet, QR code {qr} mm, scans from about {cm} cm",
    "signs.templateHintNear": "{paper} paper, {per} per sheet, QR code {qr} mm",
    "signs.closeRange": "Close range: scans from within about {cm} cm, not from 50 cm; only for counters and devices within arm's reach",
    "signs.preview": "3. Preview",
    "signs.previewPoint": "Point to preview",
    "signs.previewShow": "Preview",
    "signs.previewAlt": "Sign preview",
    "signs.previewWait": "Making the preview…",
    "signs.sample": "Template sample",
    "signs.check": "Check",
    "signs.checked": "Ready to print: {n} points, {pages} pages",
    "signs.start": "Start printing",
    "signs.started": "Batch #{id} started",
    "signs.history": "Print history",
    "signs.historyEmpty": "Nothing printed yet",
    "signs.batch": "Batch #{id}",
    "signs.status.queued": "Queued",
    "signs.status.running": "Printing",
    "signs.status.done": "Done",
    "signs.status.failed": "Failed",
    "signs.progress": "{done} of {total} signs done",
    "signs.eta": ", about {eta} left",
    "signs.seconds": "{n} s",
    "signs.minutes": "{m} min {s} s",
    "signs.download": "Download PDF ({size})",
    "signs.pages": "{n} pages",
    "signs.retry": "Start again",
    "signs.retried": "Started again",
    "signs.points": "Points of this batch",
    "signs.reprint": "Reprint",
    "signs.reprinted": "Reprinting {label}",
    "signs.reprintOf": "Reprint from batch #{id}",
    "signs.created": "Created {when}",
    "signs.attempts": "Run {n}",
    "signs.back": "Back to printing",
    "signs.point": "The point's code",
    "signs.svg": "Download SVG (vector)",
    "signs.png": "Download PNG",
    "signs.printOne": "Print this one",
  },
});

const LIST_LIMIT = 200;
const DEFAULT_TEMPLATE = "window-a5-2up";
const POLL_MS = 1000;
const TYPES = ["window", "hall", "party_centre", "convenience_station", "law_enforcement", "grassroots_station",
  "website", "project"];
const STATUS_KIND = { queued: "muted", running: "", done: "ok", failed: "danger" };

function duration(seconds) {
  const n = Math.max(0, Math.round(seconds));
  return n < 60 ? t("signs.seconds", { n }) : t("signs.minutes", { m: Math.floor(n / 60), s: n % 60 });
}

function size(bytes) {
  if (!bytes) return "";
  return bytes > 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1e3))} kB`;
}

function statusBadge(status) {
  return badge(t(`signs.status.${status}`), STATUS_KIND[status] || "");
}

function progressText(batch) {
  let text = t("signs.progress", { done: batch.done, total: batch.total });
  if (batch.status === "running" && batch.eta_seconds !== null && batch.eta_seconds !== undefined) {
    text += t("signs.eta", { eta: duration(batch.eta_seconds) });
  }
  return text;
}

function previewUrl(template, pointId) {
  const query = new URLSearchParams({ template, point_id: pointId, dpi: "60", v: String(Date.now()) });
  return `/api/v1/signs/preview.png?${query}`;
}

/** An <img> that says it is loading, and shows the server's refusal if there is one. */
function previewImage(template, pointId) {
  const status = h("p", { class: "muted", role: "status" }, t("signs.previewWait"));
  const image = h("img", { alt: t("signs.previewAlt"), hidden: true });
  image.style.maxWidth = "100%";
  image.style.border = "1px solid #ccc";
  image.addEventListener("load", () => { status.remove(); image.hidden = false; });
  image.addEventListener("error", async () => {
    try {
      await api.get("/signs/preview.png", { template, point_id: pointId });
    } catch (error) {
      status.textContent = error.message;
      return;
    }
    status.textContent = t("error.generic");
  });
  image.src = previewUrl(template, pointId);
  return h("div", { class: "sign-preview" }, status, image);
}

function templateOptions(templates) {
  return templates.map((x) => [x.name, x.label]);
}

// The issue asks for codes read from 50 cm; a template whose code is smaller says so plainly.
const FAR_ENOUGH_CM = 50;

/** The template's paper, count and code size, and a warning when its code reads only up close. */
function templateHint(template) {
  if (!template) return [];
  const values = { paper: template.page.size, per: template.per_page, qr: template.qr_mm, cm: template.reading_distance_cm };
  if (template.reading_distance_cm >= FAR_ENOUGH_CM) return [t("signs.templateHint", values)];
  return [t("signs.templateHintNear", values), h("br"), h("strong", { class: "close-range" }, t("signs.closeRange", values))];
}

// --- the main screen: pick, preview, start; the history --------------------------------------------

async function pickScreen(container, query) {
  const filters = {
    jurisdiction: query.get("jurisdiction") || "",
    hall: query.get("hall") || "",
    department: query.get("department") || "",
    type: query.get("type") || "",
    q: query.get("q") || "",
  };
  const [templates, hallList, departmentList, jurisdictionList] = await Promise.all([
    api.get("/signs/templates"), halls(), departments(), jurisdictions(),
  ]);

  const filterForm = filterBar(
    { name: "q", label: t("signs.search"), value: filters.q, placeholder: t("signs.searchPlaceholder") },
    [
      { name: "jurisdiction", label: t("point.jurisdiction"), options: jurisdictionOptions(jurisdictionList),
        value: filters.jurisdiction, placeholder: t("signs.allJurisdictions") },
      { name: "hall", label: t("point.hall"), options: hallList.map((x) => [x.id, x.name]), value: filters.hall,
        placeholder: t("signs.allHalls") },
      { name: "department", label: t("point.department"), options: departmentList.map((x) => [x.id, x.name]),
        value: filters.department, placeholder: t("signs.allDepartments") },
      { name: "type", label: t("point.type"), options: TYPES.map((x) => [x, t(`pointType.${x}`)]), value: filters.type,
        placeholder: t("signs.allTypes") },
    ],
    (chosen) => navigate(hashWith("/signs", chosen)),
  );

  const selected = new Set();
  let allIds = [];
  const countLine = h("p", { class: "muted", role: "status" });
  const list = h("div", {}, loading());
  const updateCount = () => {
    countLine.textContent = t("signs.found", { n: allIds.length, selected: selected.size });
    previewPoint.control.disabled = selected.size === 0;
  };

  const templateField = field({ name: "template", label: t("signs.template"), type: "select",
    options: templateOptions(templates),
    value: query.get("template") || (templates.some((x) => x.name === DEFAULT_TEMPLATE) ? DEFAULT_TEMPLATE : templates[0]?.name) });
  const hint = h("p", { class: "hint" });
  const sample = h("div", {});
  const previewPoint = field({ name: "point", label: t("signs.previewPoint"), type: "select", options: [] });
  const previewBox = h("div", {});
  const chosenTemplate = () => templates.find((x) => x.name === templateField.control.value);
  const showTemplate = () => {
    const template = chosenTemplate();
    clear(hint).append(...templateHint(template));
    const image = h("img", { alt: `${t("signs.sample")}: ${template?.label || ""}`, loading: "lazy" });
    image.style.maxWidth = "12rem";
    image.addEventListener("error", () => image.remove());
    image.src = `/api/v1/signs/templates/${encodeURIComponent(template?.name || "")}/preview.png`;
    clear(sample).append(h("p", { class: "muted" }, t("signs.sample")), image);
    clear(previewBox);
  };
  templateField.control.addEventListener("change", showTemplate);
  showTemplate();

  // Not a <form>: the filter bar above is one, and forms do not nest. showErrors works on any box.
  const form = h("div", { class: "form", id: "signs-form" },
    countLine, list,
    templateField, hint, sample,
    h("h3", {}, t("signs.preview")), previewPoint,
    button(t("signs.previewShow"), {
      onclick: () => {
        if (!previewPoint.control.value) return;
        clear(previewBox).append(previewImage(templateField.control.value, previewPoint.control.value));
      },
    }),
    previewBox);

  const selection = () => ({ template: templateField.control.value, point_ids: allIds.filter((id) => selected.has(id)) });
  const check = async () => {
    try {
      const answer = await api.post("/signs/check", selection());
      toast(t("signs.checked", { n: answer.total, pages: answer.pages }));
    } catch (error) {
      showErrors(form, error, (error.extra.problems || []).slice(5, 30).map((p) => p.message));
    }
  };
  const start = async (event) => {
    const target = event.currentTarget;
    target.disabled = true;
    try {
      const batch = await api.post("/signs/batches", selection());
      toast(t("signs.started", { id: batch.id }));
      navigate(hashWith("/signs", { batch: batch.id }));
    } catch (error) {
      showErrors(form, error, (error.extra.problems || []).slice(5, 30).map((p) => p.message));
    } finally {
      target.disabled = false;
    }
  };

  const history = h("section", { class: "section", "aria-live": "polite" }, loading());
  container.append(
    ...heading(t("signs.title"), t("signs.intro")),
    h("h3", {}, t("signs.pick")), filterForm,
    form,
    h("div", { class: "actionbar" },
      button(t("signs.check"), { onclick: check }),
      h("button", { type: "button", class: "btn primary", onclick: start }, t("signs.start"))),
    h("h3", {}, t("signs.history")), history,
  );

  // The points: every active one the filters match (the batch takes them all), the first ones listed.
  const pointQuery = { active: "true" };
  for (const [key, value] of Object.entries(filters)) if (value) pointQuery[key] = value;
  try {
    const points = await fetchAll("/points", pointQuery);
    allIds = points.map((p) => p.id);
    allIds.forEach((id) => selected.add(id));
    const shown = points.slice(0, LIST_LIMIT);
    const boxes = shown.map((point) => {
      const box = h("input", { type: "checkbox", value: point.id, checked: true,
        onchange: (event) => {
          if (event.target.checked) selected.add(point.id);
          else selected.delete(point.id);
          updateCount();
        } });
      return h("label", { class: "check" }, box,
        h("span", {}, [point.number ? `${point.number} · ` : "", point.name].join(""),
          h("span", { class: "muted" }, ` ${point.code} · ${[point.hall?.name, point.department?.name].filter(Boolean).join(" · ")}`)));
    });
    const setAll = (on) => {
      boxes.forEach((label) => { label.querySelector("input").checked = on; });
      allIds.forEach((id) => (on ? selected.add(id) : selected.delete(id)));
      updateCount();
    };
    append(clear(list), [
      points.length ? h("div", { class: "toolbar" },
        button(t("signs.selectAll"), { class: "btn small", onclick: () => setAll(true) }),
        button(t("signs.selectNone"), { class: "btn small", onclick: () => setAll(false) })) : emptyState(t("signs.none")),
      points.length > LIST_LIMIT ? h("p", { class: "hint" }, t("signs.tooMany", { shown: LIST_LIMIT, n: points.length })) : null,
      points.length ? h("div", { class: "check-list" }, boxes) : null,
    ]);
    setOptions(previewPoint.control, shown.map((p) => [p.id, [p.number, p.name].filter(Boolean).join(" · ")]), shown[0]?.id);
    updateCount();
  } catch (error) {
    clear(list).append(errorBlock(error, () => navigate(location.hash)));
  }

  const page = Math.max(1, Number(query.get("page")) || 1);
  try {
    const answer = await api.get("/signs/batches", { page, per_page: 10 });
    clear(history);
    if (!answer.items.length) history.append(emptyState(t("signs.historyEmpty")));
    else {
      history.append(
        h("ul", { class: "cards" }, answer.items.map((batch) => h("li", {},
          h("a", { class: "card", href: hashWith("/signs", { batch: batch.id }) },
            h("div", { class: "card-head" },
              h("strong", { class: "card-title" }, `${t("signs.batch", { id: batch.id })} · ${batch.template_label}`),
              statusBadge(batch.status)),
            h("p", { class: "card-line" }, [batch.selection, progressText(batch)].filter(Boolean).join(" · ")),
            h("p", { class: "card-line muted" }, t("signs.created", { when: localTime(batch.created_at) })))))),
        pager(answer, (to) => navigate(hashWith("/signs", { ...filters, page: to }))),
      );
    }
  } catch (error) {
    clear(history).append(errorBlock(error, () => navigate(location.hash)));
  }
}

// --- one batch: live progress, download, restart, reprint one ---------------------------------------

async function batchScreen(container, id) {
  const title = h("div", {});
  const bar = h("progress", { max: 1, value: 0 });
  bar.style.width = "100%";
  const line = h("p", { role: "status", "aria-live": "polite" });
  const actions = h("div", { class: "toolbar" });
  const error = h("div", {});
  const points = h("section", { class: "section" });
  container.append(...heading(t("signs.batch", { id })), title, bar, line, error, actions,
    h("h3", {}, t("signs.points")), points,
    h("div", { class: "actionbar" }, h("a", { class: "btn", href: "#/signs" }, t("signs.back"))));

  let last = null;
  let previous = null;
  const show = (batch) => {
    clear(title).append(h("p", {}, statusBadge(batch.status), " ", batch.template_label, " · ", batch.selection || "",
      batch.reprint_of ? h("span", { class: "muted" }, " · ", t("signs.reprintOf", { id: batch.reprint_of })) : null));
    bar.max = Math.max(1, batch.total);
    bar.value = batch.status === "done" ? batch.total : batch.done;
    line.textContent = progressText(batch) + (batch.attempts > 1 ? ` · ${t("signs.attempts", { n: batch.attempts })}` : "");
    clear(error);
    if (batch.error) error.append(h("p", { class: batch.status === "failed" ? "form-alert" : "hint", role: "alert" }, batch.error));
    clear(actions);
    if (batch.status === "done") {
      const link = h("a", { class: "btn primary", href: batch.pdf_url, download: `jiandu-signs-${batch.id}.pdf` },
        t("signs.download", { size: [size(batch.pdf_bytes), t("signs.pages", { n: batch.pages })].join(", ") }));
      actions.append(link);
      // Watched to the end on this screen: the PDF downloads by itself (the link stays).
      if (previous === "queued" || previous === "running") link.click();
    }
    previous = batch.status;
    if (batch.status === "failed") {
      actions.append(button(t("signs.retry"), {
        class: "btn primary",
        onclick: async () => {
          try {
            show(await api.post(`/signs/batches/${id}/retry`));
            toast(t("signs.retried"));
            poll();
          } catch (failure) {
            toast(failure.message);
          }
        },
      }));
    }
  };

  let timer = null;
  const poll = async () => {
    clearTimeout(timer);
    if (!container.isConnected) return;
    try {
      last = await api.get(`/signs/batches/${id}`);
      show(last);
    } catch (failure) {
      clear(error).append(errorBlock(failure, poll));
      return;
    }
    if (last.status === "queued" || last.status === "running") timer = setTimeout(poll, POLL_MS);
  };
  await poll();

  try {
    const list = await api.get(`/signs/batches/${id}/points`);
    points.append(h("ul", { class: "cards" }, list.map((point) => h("li", {},
      h("div", { class: "card" },
        h("div", { class: "card-head" }, h("strong", { class: "card-title" }, point.label),
          point.active ? null : badge(t("common.inactive"), "muted")),
        h("div", { class: "card-actions" },
          h("a", { class: "btn small", href: hashWith("/signs", { point: point.id }) }, t("signs.point")),
          button(t("signs.reprint"), {
            class: "btn small",
            disabled: !point.active,
            onclick: async () => {
              try {
                const batch = await api.post(`/signs/batches/${id}/reprint`, { point_id: point.id });
                toast(t("signs.reprinted", { label: point.label }));
                navigate(hashWith("/signs", { batch: batch.id }));
              } catch (failure) {
                toast(failure.message);
              }
            },
          })))))));
  } catch (failure) {
    points.append(errorBlock(failure, () => navigate(location.hash)));
  }
}

// --- one point: its code to download, its sign in any template ---------------------------------------

async function pointScreen(container, id) {
  const [point, templates] = await Promise.all([api.get(`/points/${encodeURIComponent(id)}`), api.get("/signs/templates")]);
  const usable = templates.filter((x) => (!x.kinds || x.kinds.includes(point.type))
    && (!x.requires.includes("name_mn") || point.name_mn));
  const preferred = usable.find((x) => x.kinds?.includes(point.type)) || usable.find((x) => x.name === DEFAULT_TEMPLATE);
  const templateField = field({ name: "template", label: t("signs.template"), type: "select",
    options: templateOptions(usable), value: (preferred || usable[0])?.name });
  const hint = h("p", { class: "hint" });
  const previewBox = h("div", {});
  const refresh = () => {
    clear(hint).append(...templateHint(usable.find((x) => x.name === templateField.control.value)));
    clear(previewBox).append(previewImage(templateField.control.value, point.id));
  };
  templateField.control.addEventListener("change", refresh);
  const form = h("form", { class: "form" }, templateField, hint, previewBox);
  form.addEventListener("submit", (event) => event.preventDefault());
  const printOne = async () => {
    try {
      const batch = await api.post("/signs/batches", { template: templateField.control.value, point_ids: [point.id] });
      toast(t("signs.started", { id: batch.id }));
      navigate(hashWith("/signs", { batch: batch.id }));
    } catch (error) {
      showErrors(form, error);
    }
  };
  container.append(
    ...heading(point.name, t("signs.point")),
    h("dl", { class: "facts card" },
      h("dt", {}, t("point.code")), h("dd", {}, h("span", { class: "code" }, point.code)),
      h("dt", {}, t("point.url")), h("dd", { class: "url" }, point.url)),
    h("div", { class: "toolbar" },
      h("a", { class: "btn", href: `/api/v1/points/${point.id}/qr.svg`, download: `jiandu-${point.code}.svg` }, t("signs.svg")),
      h("a", { class: "btn", href: `/api/v1/points/${point.id}/qr.png?scale=20`, download: `jiandu-${point.code}.png` },
        t("signs.png"))),
    form,
    h("div", { class: "actionbar" },
      h("a", { class: "btn", href: "#/signs" }, t("signs.back")),
      point.active ? h("button", { type: "button", class: "btn primary", onclick: printOne }, t("signs.printOne")) : null),
  );
  refresh();
}

export default {
  path: "/signs",
  title: "signs.title",
  roles: ["admin"],
  menu: true,
  async render(container, { query }) {
    if (query.get("batch")) return batchScreen(container, query.get("batch"));
    if (query.get("point")) return pointScreen(container, query.get("point"));
    return pickScreen(container, query);
  },
};
