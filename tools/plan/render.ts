// Prints a plan as a tree people can read: each resource under its parent, with its inputs.
import type { Plan, PlannedResource } from "./plan";
import type { PolicyViolation } from "./policy";

const MAX_VALUE_LENGTH = 120;

function formatValue(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  const oneLine = text.replace(/\s*\r?\n\s*/g, " ");
  return oneLine.length > MAX_VALUE_LENGTH ? `${oneLine.slice(0, MAX_VALUE_LENGTH - 1)}…` : oneLine;
}

function formatTags(tags: unknown): string {
  if (!tags || typeof tags !== "object") return formatValue(tags);
  return Object.entries(tags)
    .map(([key, value]) => `${key}=${formatValue(value)}`)
    .join(", ");
}

function renderResource(resource: PlannedResource, indent: string, lines: string[]): void {
  lines.push(`${indent}+ ${resource.type}  ${resource.name}`);
  for (const [key, value] of Object.entries(resource.inputs).sort(([a], [b]) =>
    a.localeCompare(b),
  )) {
    const shown = key === "tags" ? formatTags(value) : formatValue(value);
    lines.push(`${indent}    ${key}: ${shown}`);
  }
}

export function renderPlan(plan: Plan): string {
  const children = new Map<string | null, PlannedResource[]>();
  const names = new Set(plan.resources.map((resource) => resource.name));
  for (const resource of plan.resources) {
    const parent = resource.parent && names.has(resource.parent) ? resource.parent : null;
    children.set(parent, [...(children.get(parent) ?? []), resource]);
  }
  const header = `Stack ${plan.stack}: ${plan.resources.length} resources (offline plan, nothing created)`;
  const lines = [header, ""];
  // Parents are known by name; a child may share its parent's name, so never revisit.
  const shown = new Set<PlannedResource>();
  const walk = (parent: string | null, indent: string): void => {
    for (const resource of children.get(parent) ?? []) {
      if (shown.has(resource)) continue;
      shown.add(resource);
      renderResource(resource, indent, lines);
      walk(resource.name, `${indent}    `);
    }
  };
  walk(null, "");
  lines.push("", "Outputs:");
  for (const [key, value] of Object.entries(plan.outputs)) {
    lines.push(`    ${key}: ${formatValue(value)}`);
  }
  return lines.join("\n");
}

/** The policy pack's verdict on a plan: every violation by policy and resource. */
export function renderViolations(violations: readonly PolicyViolation[]): string {
  const mandatory = violations.filter((violation) => violation.enforcement === "mandatory");
  const advisory = violations.filter((violation) => violation.enforcement === "advisory");
  const line = (violation: PolicyViolation) => `  ${violation.policy}: ${violation.message}`;
  return [
    mandatory.length === 0
      ? "Policy pack: no violations."
      : `Policy pack: ${mandatory.length} violation${mandatory.length === 1 ? "" : "s"} (mandatory):`,
    ...mandatory.map(line),
    ...(advisory.length > 0
      ? [
          "Not checked in a preview (advisory, as in `pulumi preview`):",
          ...advisory.map((v) => `  ${v.policy}: ${v.resource}: ${v.message}`),
        ]
      : []),
  ].join("\n");
}
