// The answer form of a checklist, shared by visits (spot-checks) and tasks (self-checks): one
// block per item with its guidance; a "no" can be turned into a case (a finding) in one tap.
import { t } from "../i18n.js";
import { h } from "../ui.js";
import "./messages.js";

let seq = 0;

function choice(type, name, value, label, checked) {
  seq += 1;
  const id = `c-${seq}`;
  return h("label", { class: "choice", for: id },
    h("input", { type, id, name, value, checked }), " ", label);
}

/** → {element, collect(): {answers, photoFiles: {itemId: File[]}, toCase: [itemId]}} */
export function checklistForm(template) {
  const blocks = template.items.map((item) => {
    const name = `item-${item.id}`;
    let control;
    if (item.kind === "yes_no") {
      control = h("div", { class: "choices", role: "radiogroup" },
        choice("radio", name, "yes", t("fw.yes")), choice("radio", name, "no", t("fw.no")));
    } else if (item.kind === "single") {
      control = h("div", { class: "choices", role: "radiogroup" }, item.options.map((o) => choice("radio", name, o, o)));
    } else if (item.kind === "multiple") {
      control = h("div", { class: "choices" }, item.options.map((o) => choice("checkbox", name, o, o)));
    } else if (item.kind === "number") {
      control = h("input", { type: "number", name, inputmode: "decimal", "aria-label": item.label });
    } else if (item.kind === "text") {
      control = h("textarea", { name, rows: 2, "aria-label": item.label });
    } else {
      control = h("span", { class: "muted" }, t("fw.photoItem"));
    }
    const photos = h("input", { type: "file", name: `${name}-photos`, accept: "image/*", capture: "environment",
      multiple: true, "aria-label": `${item.label} ${t("fw.photos")}` });
    const toCase = h("label", { class: "to-case", hidden: true },
      h("input", { type: "checkbox", name: `${name}-case` }), " ", t("fw.noToCase"));
    const block = h("fieldset", { class: "checklist-item", dataset: { item: item.id, kind: item.kind } },
      h("legend", {}, item.label, item.required ? h("span", { class: "req", "aria-hidden": "true" }, " *") : null),
      item.guidance ? h("p", { class: "hint" }, item.guidance) : null,
      control,
      h("div", { class: "item-photos" }, photos),
      item.kind === "yes_no" ? toCase : null,
      h("p", { class: "field-error", hidden: true }));
    if (item.kind === "yes_no") {
      block.addEventListener("change", () => {
        const picked = block.querySelector(`input[name="${name}"]:checked`);
        toCase.hidden = !(picked && picked.value === "no");
      });
    }
    block.read = () => {
      let value = null;
      if (item.kind === "yes_no") {
        const picked = block.querySelector(`input[name="${name}"]:checked`);
        value = picked ? picked.value === "yes" : null;
      } else if (item.kind === "single") {
        value = block.querySelector(`input[name="${name}"]:checked`)?.value ?? null;
      } else if (item.kind === "multiple") {
        value = [...block.querySelectorAll(`input[name="${name}"]:checked`)].map((el) => el.value);
      } else if (item.kind === "number") {
        value = control.value === "" ? null : Number(control.value);
      } else if (item.kind === "text") {
        value = control.value.trim() || null;
      }
      const wantsCase = item.kind === "yes_no" && value === false && block.querySelector(`input[name="${name}-case"]`).checked;
      return { item, value, files: [...photos.files], wantsCase };
    };
    return block;
  });
  const element = h("div", { class: "checklist-form" }, blocks);
  return {
    element,
    collect() {
      const out = { answers: [], files: {}, toCase: [], missing: [] };
      for (const block of blocks) {
        const { item, value, files, wantsCase } = block.read();
        const error = block.querySelector(".field-error");
        error.hidden = true;
        const empty = value === null || (Array.isArray(value) && !value.length);
        if (item.required && ((item.kind === "photo" && !files.length) || (item.kind !== "photo" && empty))) {
          error.textContent = item.kind === "photo" ? t("fw.needPhoto") : t("form.required");
          error.hidden = false;
          out.missing.push(item.id);
        }
        out.answers.push({ item_id: item.id, value: item.kind === "photo" ? null : value });
        out.files[item.id] = files;
        if (wantsCase) out.toCase.push(item);
      }
      return out;
    },
  };
}
