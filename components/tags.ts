// Tags on every resource, merged from general to specific: the operator's own,
// then project, stack, environment and region, then the resource's role and Name.
import type { StackConfig } from "../config";

export type Tags = Readonly<Record<string, string>>;

/** The tags every resource of this stack carries. */
export function stackTags(
  config: Pick<StackConfig, "project" | "stack" | "environment" | "region" | "tags">,
): Tags {
  return {
    ...config.tags,
    project: config.project,
    stack: config.stack,
    environment: config.environment,
    region: config.region,
  };
}

/** One resource's tags: the stack's, then its role, then its Name (the resource's own name). */
export function resourceTags(common: Tags, role: string, name: string): Tags {
  return { ...common, role, Name: name };
}
