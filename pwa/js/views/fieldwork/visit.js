// One visit, offline: the checklist with its guidance, photos, GPS with accuracy, notes and findings.
// Everything saved goes to the outbox under UUIDs made when this form was opened.
import { t } from "../../i18n.js";
import { put, record, uuid } from "../../offline/db.js";
import { checklistForm } from "../../offline/form.js";
import "../../offline/messages.js";
import { enqueue, keepPhoto } from "../../offline/outbox.js";
import { syncNow } from "../../offline/sync.js";
import { session } from "../../state.js";
import { button, field, h, heading, navigate, toast } from "../../ui.js";

// The default report categories (intake's defaults), so a finding can be filed with no network.
const CATEGORIES = [["attitude", "服务态度"], ["efficiency", "办事效率/超时"], ["extortion", "吃拿卡要"],
  ["buck_passing", "推诿扯皮"], ["illegal_fees", "乱收费"], ["policy", "政策不落实"], ["other", "其他"]];

async function loadVisit(key) {
  if (key.startsWith("u-")) return record("visit", `u:${key.slice(2)}`);
  return record("visit", Number(key));
}

function findingBlock(list) {
  const id = uuid(); // made when the finding is opened: its idempotency key
  const block = h("fieldset", { class: "finding", dataset: { uuid: id } },
    h("legend", {}, t("visit.finding")),
    field({ name: "description", label: t("visit.finding"), type: "textarea", required: true }),
    field({ name: "category", label: t("visit.category"), type: "select", options: CATEGORIES, value: "other" }),
    field({ name: "photo", label: t("visit.findingPhoto"), type: "file", accept: "image/*" }));
  block.uuid = id;
  list.append(block);
  return block;
}

export default {
  path: "/visits/:key",
  title: "visit.title",
  roles: ["admin", "inspector"],
  async render(container, { key }) {
    const visit = await loadVisit(key);
    if (!visit) {
      container.append(...heading(t("visit.title")), h("p", {}, t("visit.notFound")));
      return;
    }
    const template = visit.template_id ? await record("template", visit.template_id) : null;
    const point = visit.point_id ? await record("point", visit.point_id) : null;
    const ids = { record: uuid(), answers: uuid() }; // made when the form is opened
    const position = { latitude: null, longitude: null, accuracy_m: null };
    const startedAt = new Date().toISOString();

    const gpsText = h("p", { class: "muted", id: "gps-status" }, t("visit.gpsNone"));
    const gps = button(t("visit.gps"), { id: "gps-button" });
    gps.addEventListener("click", () => {
      if (!navigator.geolocation) return;
      navigator.geolocation.getCurrentPosition((pos) => {
        position.latitude = pos.coords.latitude;
        position.longitude = pos.coords.longitude;
        position.accuracy_m = Math.round(pos.coords.accuracy * 10) / 10;
        gpsText.textContent = t("visit.gpsAt", { lat: position.latitude.toFixed(5), lng: position.longitude.toFixed(5),
          acc: position.accuracy_m });
      }, (error) => { gpsText.textContent = t("visit.gpsFailed", { message: error.message }); },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
    const notes = field({ name: "notes", label: t("visit.notes"), type: "textarea" });
    const photos = field({ name: "visit-photos", label: t("visit.photos"), type: "file", accept: "image/*" });
    photos.control.multiple = true;
    const checklist = template ? checklistForm(template) : null;
    const findings = h("div", { class: "findings" });
    const addFinding = button(t("visit.addFinding"), { id: "add-finding" });
    addFinding.addEventListener("click", () => findingBlock(findings).querySelector("textarea").focus());
    const save = h("button", { type: "submit", class: "btn primary block", id: "save-visit" }, t("visit.save"));
    const alert = h("p", { class: "form-alert", role: "alert", hidden: true });
    const form = h("form", { class: "form visit-form", novalidate: true }, alert,
      h("section", {}, gps, gpsText),
      notes, photos,
      checklist ? h("section", {}, h("h3", {}, `${t("visit.checklist")}：${template.title}`), checklist.element) : null,
      h("section", {}, h("h3", {}, t("visit.findings")), findings, addFinding),
      save);

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      alert.hidden = true;
      const collected = checklist ? checklist.collect() : null;
      const findingBlocks = [...findings.querySelectorAll("fieldset.finding")];
      const emptyFinding = findingBlocks.find((b) => !b.querySelector("textarea").value.trim());
      if ((collected && collected.missing.length) || emptyFinding) {
        alert.textContent = t("form.fix");
        alert.hidden = false;
        return;
      }
      save.disabled = true;
      const userId = session.me.id;
      const ref = visit.id ? { visit_id: visit.id } : { visit_uuid: visit.uuid };
      let queued = 0;
      const visitPhotos = [];
      for (const file of photos.control.files) visitPhotos.push(await keepPhoto(file, userId));
      await enqueue({ id: ids.record, op: "visit.record", userId, photos: visitPhotos, label: t("visit.title"),
        body: { ...ref, ...position, notes: notes.control.value.trim() || null, photos: visitPhotos,
          started_at: startedAt, finished_at: new Date().toISOString() } });
      queued += 1;
      if (collected) {
        const answerPhotos = [];
        const answers = [];
        for (const answer of collected.answers) {
          const uuids = [];
          for (const file of collected.files[answer.item_id] || []) uuids.push(await keepPhoto(file, userId));
          answerPhotos.push(...uuids);
          answers.push(uuids.length ? { ...answer, photos: uuids } : answer);
        }
        await enqueue({ id: ids.answers, op: "answers.submit", userId, photos: answerPhotos, label: template.title,
          body: { ...ref, template_id: template.id, answers, answered_at: new Date().toISOString() } });
        queued += 1;
        for (const item of collected.toCase) {
          await enqueue({ id: uuid(), op: "finding.create", userId, label: item.label,
            body: { ...ref, answer_set_uuid: ids.answers, item_id: item.id, description: `${item.label}：否` } });
          queued += 1;
        }
      }
      for (const block of findingBlocks) {
        const file = block.querySelector("input[type=file]").files[0];
        const photoIds = file ? [await keepPhoto(file, userId)] : [];
        await enqueue({ id: block.uuid, op: "finding.create", userId, photos: photoIds, label: t("visit.finding"),
          body: { ...ref, description: block.querySelector("textarea").value.trim(),
            category: block.querySelector("select").value, photos: photoIds } });
        queued += 1;
      }
      const storeKey = visit.id ? `visit:${visit.id}` : `visit:u:${visit.uuid}`;
      await put("records", { key: storeKey, type: "visit", data: { ...visit, recorded: true } });
      toast(t("visit.saved", { count: queued }));
      if (navigator.onLine) syncNow();
      navigate("#/sync");
    });

    container.append(...heading(visit.title || point?.name || t("visit.title")),
      point ? h("p", { class: "muted" }, [point.hall, point.name, point.address].filter(Boolean).join(" · ")) : null,
      visit.recorded ? h("p", { class: "badge ok" }, t("visit.recorded")) : null,
      form);
  },
};
