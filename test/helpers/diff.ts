// What changed between two runs of a program: the basis of the "changing X changes only Y"
// rules, which catch an edit that would update, replace or roll more than it should.
import type { RecordedResource } from "../../tools/mocks/recorder";

function byKey(resources: readonly RecordedResource[]): Map<string, RecordedResource> {
  return new Map(resources.map((resource) => [`${resource.type}::${resource.name}`, resource]));
}

/**
 * Each resource (`type::name`) whose inputs differ between the runs, with the names of the
 * inputs that differ, sorted: ["(new)"] or ["(removed)"] for a resource only one run has.
 * A secret input is compared by what it holds, so a change inside one shows too.
 */
export function changedInputs(
  before: readonly RecordedResource[],
  after: readonly RecordedResource[],
): Record<string, string[]> {
  const old = byKey(before);
  const current = byKey(after);
  const changes: Record<string, string[]> = {};
  for (const [key, resource] of current) {
    const previous = old.get(key);
    if (!previous) {
      changes[key] = ["(new)"];
      continue;
    }
    const names = new Set([...Object.keys(resource.inputs), ...Object.keys(previous.inputs)]);
    const differing = [...names].filter(
      (name) => JSON.stringify(resource.inputs[name]) !== JSON.stringify(previous.inputs[name]),
    );
    if (differing.length > 0) changes[key] = differing.sort();
  }
  for (const key of old.keys()) if (!current.has(key)) changes[key] = ["(removed)"];
  return changes;
}
