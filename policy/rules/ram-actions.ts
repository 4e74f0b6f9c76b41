// The RAM policies the program writes (the host-manager's) name every action they allow:
// no "*", no "ecs:*"-style service wildcard, no "ecs:Describe*" prefix either, because a
// wildcard also grants whatever the service adds later. An Allow with NotAction is a
// wildcard in disguise. Deny statements may use wildcards: they only take rights away.
import { describe, plain, PolicyResource } from "./resource";

export const RAM_POLICY = "alicloud:ram/policy:Policy";

interface Statement {
  readonly Effect?: unknown;
  readonly Action?: unknown;
  readonly NotAction?: unknown;
}

function listOf(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

export function ramActionViolations(resource: PolicyResource): string[] {
  if (resource.type !== RAM_POLICY) return [];
  // `document` is the field's name before provider 1.114; the program uses `policyDocument`.
  const text = plain(resource.props.policyDocument ?? resource.props.document);
  if (text === undefined) return [];
  let document: unknown;
  try {
    document = typeof text === "string" ? JSON.parse(text) : text;
  } catch {
    return [`${describe(resource)}: policy document is not valid JSON`];
  }
  const statements = listOf((document as { Statement?: unknown } | null)?.Statement);
  const violations: string[] = [];
  statements.forEach((raw, index) => {
    const statement = (raw ?? {}) as Statement;
    if (statement.Effect !== "Allow") return;
    const where = `${describe(resource)}: statement ${index}`;
    if (statement.NotAction !== undefined) {
      violations.push(`${where} allows NotAction, which grants every other action`);
    }
    for (const action of listOf(statement.Action)) {
      if (typeof action !== "string") {
        violations.push(`${where} has an action that is not a string`);
      } else if (action.includes("*")) {
        violations.push(
          `${where} allows wildcard action "${action}"; name each action the service needs`,
        );
      }
    }
  });
  return violations;
}
