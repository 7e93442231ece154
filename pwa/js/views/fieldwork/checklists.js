// 清单监督: inspectors make checklists (versioned), issue them as tasks (举一反三) and read the ledger
// (台账) with its warnings and Excel export; units answer their tasks with a self-check (offline too).
import { api } from "../../api.js";
import { t } from "../../i18n.js";
import { record, records, saveRecords, uuid } from "../../offline/db.js";
import { checklistForm } from "../../offline/form.js";
import { localTime } from "../../i18n.js";
import { enqueue, keepPhoto } from "../../offline/outbox.js";
import { syncNow } from "../../offline/sync.js";
import { hasRole, session } from "../../state.js";
import { badge, button, clear, emptyState, field, h, heading, navigate, onSubmit, toast } from "../../ui.js";

const KINDS = ["yes_no", "single", "multiple", "number", "text", "photo"];

function itemRow(list) {
  const row = h("fieldset", { class: "template-item" },
    field({ name: "kind", label: t("checklists.kind"), type: "select", options: KINDS.map((k) => [k, t(`kind.${k}`)]) }),
    field({ name: "label", label: t("checklists.label"), required: true }),
    field({ name: "guidance", label: t("checklists.guidance") }),
    field({ name: "options", label: t("checklists.options") }),
    h("label", {}, h("input", { type: "checkbox", name: "required", checked: true }), " ", t("checklists.required")));
  list.append(row);
  return row;
}

function templateForm(onDone) {
  const items = h("div", { class: "template-items" });
  itemRow(items);
  const add = button(t("checklists.addItem"));
  add.addEventListener("click", () => itemRow(items));
  const form = h("form", { class: "form new-template" }, h("h3", {}, t("checklists.newTemplate")),
    field({ name: "title", label: t("checklists.tTitle"), required: true }),
    field({ name: "problem", label: t("checklists.problem"), type: "textarea" }),
    h("h4", {}, t("checklists.items")), items, add,
    h("button", { type: "submit", class: "btn primary" }, t("checklists.create")));
  onSubmit(form, async (values) => {
    const body = {
      title: values.title, problem: values.problem || null,
      items: [...items.querySelectorAll("fieldset.template-item")].map((row) => {
        const kind = row.querySelector("[name=kind]").value;
        const options = row.querySelector("[name=options]").value.split(/[,，]/).map((o) => o.trim()).filter(Boolean);
        return { kind, label: row.querySelector("[name=label]").value.trim(),
          guidance: row.querySelector("[name=guidance]").value.trim() || null,
          options: ["single", "multiple"].includes(kind) ? options : null,
          required: row.querySelector("[name=required]").checked };
      }),
    };
    await api.post("/checklist-templates", body);
    toast(t("checklists.created"));
    onDone();
  });
  return form;
}

function issueForm(templates, onDone) {
  const form = h("form", { class: "form issue-tasks" }, h("h3", {}, t("checklists.issue")),
    field({ name: "template_id", label: t("checklists.templates"), type: "select", required: true,
      options: templates.map((tpl) => [tpl.id, `${tpl.title}（${t("checklists.version", { v: tpl.version })}）`]) }),
    field({ name: "target", label: t("checklists.target"), type: "select", required: true,
      options: [["unit_kind:department", t("checklists.allDepartments")], ["unit_kind:hall", t("checklists.allHalls")],
        ["point_type:window", t("checklists.allWindows")]] }),
    field({ name: "due_workdays", label: t("checklists.days"), value: "10", inputmode: "numeric" }),
    h("button", { type: "submit", class: "btn" }, t("checklists.issue")));
  onSubmit(form, async (values) => {
    const [key, value] = values.target.split(":");
    const answer = await api.post("/checklist-tasks", { template_id: Number(values.template_id), [key]: value,
      due_workdays: Number(values.due_workdays) || 10 });
    toast(t("checklists.issued", { count: answer.count }));
    onDone();
  });
  return form;
}

function taskCard(task, templates, onAnswer) {
  const template = templates.find((tpl) => tpl.id === task.template_id);
  const card = h("li", { class: "card task", dataset: { task: task.id, warning: task.warning } },
    h("strong", {}, template ? template.title : `#${task.template_id}`), " ",
    badge(t(`task.${task.state}`), task.state === "issued" ? "" : "ok"),
    task.warning !== "none" ? badge(t(`warning.${task.warning}`), "warn") : null,
    h("p", { class: "muted" }, [task.unit || task.point, t("checklists.due", { at: localTime(task.due_at) })].filter(Boolean).join(" · ")));
  if (onAnswer && template && task.state === "issued") {
    const open = button(t("checklists.selfCheck"));
    open.addEventListener("click", () => { open.remove(); card.append(selfCheck(task, template)); });
    card.append(open);
  }
  return card;
}

function selfCheck(task, template) {
  const id = uuid(); // made when the form is opened
  const answers = checklistForm(template);
  const form = h("form", { class: "form self-check" }, answers.element,
    h("button", { type: "submit", class: "btn primary" }, t("common.save")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const collected = answers.collect();
    if (collected.missing.length) return;
    const userId = session.me.id;
    const photos = [];
    const list = [];
    for (const answer of collected.answers) {
      const uuids = [];
      for (const file of collected.files[answer.item_id] || []) uuids.push(await keepPhoto(file, userId));
      photos.push(...uuids);
      list.push(uuids.length ? { ...answer, photos: uuids } : answer);
    }
    await enqueue({ id, op: "answers.submit", userId, photos, label: `${t("checklists.selfCheck")}：${template.title}`,
      body: { task_id: task.id, template_id: template.id, answers: list } });
    toast(t("checklists.submitted"));
    if (navigator.onLine) syncNow();
    navigate("#/sync");
  });
  return form;
}

export default {
  path: "/checklists",
  title: "checklists.title",
  roles: ["admin", "inspector", "handler"],
  menu: true,
  async render(container) {
    const body = h("div", {});
    container.append(...heading(t("checklists.title")), body);
    const load = async () => {
      let templates;
      let ledger = null;
      let offline = false;
      try {
        templates = (await api.get("/checklist-templates", { per_page: 200 })).items;
        ledger = await api.get("/checklist-tasks", { per_page: 100 });
        await saveRecords("template", templates);
      } catch (error) {
        if (!error.isNetwork) throw error;
        offline = true;
        templates = (await records("template")).filter((tpl) => tpl.current);
        const tasks = await records("task");
        ledger = { items: tasks, total: tasks.length, counts: null };
      }
      // Templates of the tasks (handlers see a template through its task).
      for (const task of ledger.items) {
        if (!templates.find((tpl) => tpl.id === task.template_id)) {
          const tpl = offline ? await record("template", task.template_id)
            : await api.get(`/checklist-templates/${task.template_id}`).catch(() => null);
          if (tpl) templates.push(tpl);
        }
      }
      const staff = hasRole("admin", "inspector");
      const counts = ledger.counts;
      clear(body).append(
        offline ? h("p", { class: "muted" }, t("checklists.offline")) : null,
        h("section", {}, h("h3", {}, staff ? t("checklists.ledger") : t("checklists.tasks")),
          counts ? h("p", { class: "muted ledger-counts" }, ["issued", "answered", "spot_checked"]
            .map((s) => `${t(`task.${s}`)} ${counts[s]}`).concat([`${t("warning.yellow")} ${counts.yellow}`,
              `${t("warning.red")} ${counts.red}`]).join(" · ")) : null,
          staff && !offline ? h("a", { class: "btn", href: "/api/v1/checklist-tasks/export.xlsx", download: "" },
            t("checklists.export")) : null,
          ledger.items.length ? h("ul", { class: "cards" }, ledger.items.map((task) => taskCard(task, templates, !staff)))
            : emptyState(t("sync.empty"))),
        staff ? h("section", {}, h("h3", {}, t("checklists.templates")),
          h("ul", { class: "cards" }, templates.filter((tpl) => tpl.current !== false).map((tpl) => h("li", { class: "card" },
            h("strong", {}, tpl.title), " ", badge(t("checklists.version", { v: tpl.version })),
            tpl.problem ? h("p", { class: "muted" }, tpl.problem) : null,
            h("ol", {}, tpl.items.map((item) => h("li", {}, `${item.label}（${t(`kind.${item.kind}`)}）`))))))) : null,
        staff && !offline && templates.length ? issueForm(templates.filter((tpl) => tpl.current !== false), load) : null,
        staff && !offline ? templateForm(load) : null,
      );
    };
    await load();
  },
};
