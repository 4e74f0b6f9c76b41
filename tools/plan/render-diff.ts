// Prints a plan diff for a pull-request reviewer: one summary line that says whether the
// Windows image is rebuilt and how many hosts roll, then each changed resource with its
// changed fields (a long text such as the user-data as the lines that changed).
import { diffLines } from "diff";
import type { FieldChange, PlanDiff, PlanDiffSummary, ResourceChange } from "./diff";

const MARKS: Record<ResourceChange["kind"], string> = {
  create: "+",
  update: "~",
  replace: "+-",
  delete: "-",
};
const MAX_VALUE_LENGTH = 160;

function shown(value: unknown): string {
  if (value === undefined) return "(unset)";
  const text = JSON.stringify(value);
  return text.length > MAX_VALUE_LENGTH ? `${text.slice(0, MAX_VALUE_LENGTH - 1)}…` : text;
}

function isMultiline(value: unknown): value is string {
  return typeof value === "string" && value.includes("\n");
}

function renderField(field: FieldChange, indent: string): string[] {
  if (isMultiline(field.before) && isMultiline(field.after)) {
    const lines = [`${indent}${field.path}:`];
    for (const part of diffLines(
      field.before.replace(/\r\n/g, "\n"),
      field.after.replace(/\r\n/g, "\n"),
    )) {
      if (!part.added && !part.removed) continue;
      const mark = part.added ? "+" : "-";
      for (const line of part.value.replace(/\n$/, "").split("\n")) {
        lines.push(`${indent}  ${mark} ${line}`);
      }
    }
    return lines;
  }
  return [`${indent}${field.path}: ${shown(field.before)} → ${shown(field.after)}`];
}

export function summaryLine(summary: PlanDiffSummary): string {
  const image =
    summary.imageRebuild === "yes"
      ? "Windows image rebuilt"
      : summary.imageRebuild === "unknown"
        ? "Windows image rebuild unknown (client files absent and no checksum list)"
        : "Windows image not rebuilt";
  const hosts =
    summary.hostsToRoll === "unknown"
      ? "hosts to roll unknown"
      : summary.hostsToRoll === 0
        ? "no host rolled"
        : `${summary.hostsToRoll} host${summary.hostsToRoll === 1 ? "" : "s"} rolled by the host-manager (${summary.rollReason})`;
  return `${image}; ${hosts}.`;
}

export function renderDiff(diff: PlanDiff, baseLabel: string): string {
  const { summary } = diff;
  const lines = [
    `Stack ${diff.stack} against ${baseLabel}: ${summary.create} to create, ${summary.update} to update, ` +
      `${summary.replace} to replace, ${summary.delete} to delete (offline diff)`,
    summaryLine(summary),
    "",
  ];
  if (diff.changes.length === 0) lines.push("No changes.");
  for (const change of diff.changes) {
    const forced =
      change.kind === "replace" ? `  (replaced: ${change.forcedBy.join(", ")} forces it)` : "";
    lines.push(`${MARKS[change.kind]} ${change.resource.type}  ${change.resource.name}${forced}`);
    if (change.kind === "update" || change.kind === "replace") {
      for (const field of change.fields) lines.push(...renderField(field, "    "));
    }
  }
  return lines.join("\n");
}
