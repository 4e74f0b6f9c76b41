// Tags on every resource, merged from general to specific: the operator's own, then
// project, stack, environment and region (components/fleet.ts's stackTags), then the
// resource's role and Name.

export type Tags = Readonly<Record<string, string>>;

/** One resource's tags: the stack's, then its role, then its Name (the resource's own name). */
export function resourceTags(common: Tags, role: string, name: string): Tags {
  return { ...common, role, Name: name };
}
