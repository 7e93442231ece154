// Lists the forms choose from (halls, departments, jurisdictions…), fetched once and kept for a
// minute so moving between screens stays quick. Writes that change them call invalidate().
import { fetchAll } from "./api.js";
import { onSessionChange } from "./state.js";

const TTL_MS = 60 * 1000;
const cache = new Map();

function cached(key, load) {
  const hit = cache.get(key);
  if (hit && Date.now() - hit.at < TTL_MS) return hit.promise;
  const promise = load().catch((error) => {
    cache.delete(key);
    throw error;
  });
  cache.set(key, { at: Date.now(), promise });
  return promise;
}

export function invalidate(...keys) {
  if (keys.length === 0) cache.clear();
  keys.forEach((key) => cache.delete(key));
}

onSessionChange(() => cache.clear());

export const halls = () => cached("halls", () => fetchAll("/halls"));
export const departments = () => cached("departments", () => fetchAll("/units", { kind: "department" }));
export const units = () => cached("units", () => fetchAll("/units"));
export const jurisdictions = () => cached("jurisdictions", () => fetchAll("/jurisdictions"));
export const projects = () => cached("projects", () => fetchAll("/projects"));

/** Depth of a jurisdiction in the tree, from its path "/1/4/" → 1. */
export function depthOf(jurisdiction) {
  return Math.max(0, (jurisdiction.path || "/").split("/").filter(Boolean).length - 1);
}

/** [[id, "　name"], …] for a select, indented by depth. */
export function jurisdictionOptions(list) {
  return list.map((j) => [j.id, `${"\u3000".repeat(depthOf(j))}${j.name}`]);
}
