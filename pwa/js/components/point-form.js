// The form for a point (监督点位), shared by "新建点位" and the edit screen.
import { t } from "../i18n.js";
import { departments, halls, jurisdictionOptions, jurisdictions, projects } from "../lookups.js";
import { field, h, idOrNull, orNull, setOptions } from "../ui.js";

export const POINT_TYPES = ["window", "hall", "party_centre", "convenience_station", "law_enforcement",
  "grassroots_station", "website", "project"];

export function typeOptions() {
  return POINT_TYPES.map((type) => [type, t(`pointType.${type}`)]);
}

/** Build the form. point: the current record when editing. Returns {form, body(values)}. */
export async function pointForm(point = null, { id = "point-form" } = {}) {
  const [hallList, departmentList, jurisdictionList, projectList] = await Promise.all([
    halls(), departments(), jurisdictions(), projects().catch(() => []),
  ]);
  const type = field({ name: "type", label: t("point.type"), type: "select", required: true,
    options: typeOptions(), value: point ? point.type : "window" });
  const name = field({ name: "name", label: t("point.name"), required: true, value: point?.name, maxlength: 128 });
  const number = field({ name: "number", label: t("point.number"), value: point?.number, maxlength: 16,
    hint: t("point.numberHint"), inputmode: "text" });
  const hall = field({ name: "hall_id", label: t("point.hall"), type: "select", placeholder: t("common.none"),
    options: hallList.filter((x) => x.active || x.id === point?.hall?.id).map((x) => [x.id, x.name]),
    value: point?.hall?.id });
  const department = field({ name: "department_id", label: t("point.department"), type: "select",
    placeholder: t("common.none"), options: [], value: point?.department?.id });
  const jurisdiction = field({ name: "jurisdiction_id", label: t("point.jurisdiction"), type: "select",
    placeholder: t("point.jurisdictionFromHall"), options: jurisdictionOptions(jurisdictionList),
    value: point && !point.hall ? point.jurisdiction?.id : "", hint: t("point.jurisdictionHint") });
  const project = field({ name: "project_id", label: t("point.project"), type: "select",
    placeholder: t("common.none"), options: projectList.map((x) => [x.id, x.name]), value: point?.project?.id });
  const address = field({ name: "address", label: t("point.address"), value: point?.address, maxlength: 255 });

  const hallById = new Map(hallList.map((x) => [String(x.id), x]));

  // Departments of the chosen hall's jurisdiction (all of them when it has none, or no hall).
  function refreshDepartments() {
    const chosenHall = hallById.get(hall.control.value);
    const current = department.control.value || (point?.department?.id ? String(point.department.id) : "");
    let list = departmentList.filter((d) => d.active || String(d.id) === current);
    if (chosenHall) {
      const local = list.filter((d) => d.jurisdiction?.id === chosenHall.jurisdiction?.id || String(d.id) === current);
      if (local.length) list = local;
    }
    setOptions(department.control, list.map((d) => [d.id, d.name]),
      list.some((d) => String(d.id) === current) ? current : "", t("common.none"));
  }

  function refreshType() {
    const value = type.control.value;
    project.hidden = value !== "project";
    project.control.disabled = value !== "project";
    number.querySelector("label").firstChild.textContent = value === "window" ? t("point.windowNumber") : t("point.number");
    for (const f of [number, hall, department]) f.classList.toggle("wanted", value === "window");
  }

  hall.control.addEventListener("change", refreshDepartments);
  type.control.addEventListener("change", refreshType);
  refreshDepartments();
  refreshType();

  const form = h("form", { class: "form", id, novalidate: true },
    type, name, number, hall, department, jurisdiction, project, address);

  function body(values) {
    return {
      type: values.type,
      name: values.name,
      number: orNull(values.number),
      hall_id: idOrNull(values.hall_id),
      department_id: idOrNull(values.department_id),
      jurisdiction_id: idOrNull(values.jurisdiction_id),
      ...(values.type === "project" ? { project_id: idOrNull(values.project_id) } : {}),
      address: orNull(values.address),
    };
  }

  return { form, body };
}
