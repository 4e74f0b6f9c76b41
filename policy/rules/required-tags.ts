// Every taggable resource carries the `project` and `stack` tags: the host-manager finds
// its hosts by them, the RAM policy scopes reboots by them, and cost reports split by them.
// Which types are taggable comes from the provider's own typings (taggable-types.ts), so
// types without a `tags` input (security-group rules, DNS records) are not asked.
import { describe, plain, PolicyResource } from "./resource";
import { TAGGABLE_TYPES } from "./taggable-types";

export const REQUIRED_TAGS: readonly string[] = ["project", "stack"];

export interface RequiredTagOptions {
  /** When known (under mocks), the values the tags must have; the pack checks presence only. */
  readonly expected?: Readonly<Record<string, string>>;
}

/** Tags as a map, whether the provider takes a map or a list of `{ key, value }`. */
function tagMap(tags: unknown): Record<string, unknown> {
  if (Array.isArray(tags)) {
    return Object.fromEntries(
      tags
        .filter((tag): tag is { key: unknown; value: unknown } => typeof tag === "object" && tag)
        .map((tag) => [String(tag.key), tag.value]),
    );
  }
  return typeof tags === "object" && tags !== null ? (tags as Record<string, unknown>) : {};
}

export function requiredTagViolations(
  resource: PolicyResource,
  options: RequiredTagOptions = {},
): string[] {
  if (!TAGGABLE_TYPES.has(resource.type)) return [];
  const tags = tagMap(plain(resource.props.tags));
  const violations: string[] = [];
  for (const key of REQUIRED_TAGS) {
    const value = tags[key];
    const expected = options.expected?.[key];
    if (typeof value !== "string" || value.trim() === "") {
      violations.push(`${describe(resource)}: missing the "${key}" tag`);
    } else if (expected !== undefined && value !== expected) {
      violations.push(`${describe(resource)}: tag "${key}" is "${value}", expected "${expected}"`);
    }
  }
  return violations;
}
