// Compares two offline plans resource by resource, as a reviewer reads a change: what is
// created, updated (field by field, old -> new), replaced (and which force-new field
// forces it) or deleted; and, in one line, whether the Windows image is rebuilt and how
// many hosts the host-manager will roll to a new generation.
import { forcesReplacement } from "./force-new";
import type { Plan, PlannedResource } from "./plan";
import { COMPUTED } from "../mocks/values";

export interface FieldChange {
  /** Where in the inputs, e.g. `containers[0].environmentVars[HOST_MANAGER_PORT].value`. */
  readonly path: string;
  /** undefined: the field is not set on that side. */
  readonly before: unknown;
  readonly after: unknown;
}

export type ResourceChange =
  | { readonly kind: "create"; readonly resource: PlannedResource }
  | { readonly kind: "delete"; readonly resource: PlannedResource }
  | {
      readonly kind: "update" | "replace";
      readonly resource: PlannedResource;
      readonly fields: readonly FieldChange[];
      /** For a replace: the changed fields that force it. */
      readonly forcedBy: readonly string[];
    };

export interface PlanDiffSummary {
  readonly create: number;
  readonly update: number;
  readonly replace: number;
  readonly delete: number;
  /** Whether `pulumi up` would run a new Packer build. */
  readonly imageRebuild: "yes" | "no" | "unknown";
  /** Hosts the host-manager would replace with a new generation: all of them, or none. */
  readonly hostsToRoll: number | "unknown";
  /** Why they roll (or why that is unknown); null when they do not. */
  readonly rollReason: string | null;
}

export interface PlanDiff {
  readonly stack: string;
  readonly summary: PlanDiffSummary;
  readonly changes: readonly ResourceChange[];
}

const COMMAND = "command:local:Command";
const SCALING_CONFIGURATION = "alicloud:ess/scalingConfiguration:ScalingConfiguration";
const SCALING_GROUP = "alicloud:ess/scalingGroup:ScalingGroup";
/** What the hosts are built from: a change to any of these makes a new generation. */
const HOST_DEFINITION = [
  "imageId",
  "instanceTypes",
  "hostName",
  "securityGroupIds",
  "systemDiskCategory",
  "systemDiskSize",
  "internetChargeType",
  "internetMaxBandwidthOut",
  "spotStrategy",
  "spotPriceLimits",
  "userData",
];

function keyOf(resource: Pick<PlannedResource, "type" | "name">): string {
  return `${resource.type}::${resource.name}`;
}

/** An array element's identity when every element has a distinct string `key` or `name`. */
function identityField(items: readonly unknown[]): "key" | "name" | undefined {
  for (const field of ["key", "name"] as const) {
    const ids = items.map((item) =>
      item && typeof item === "object" ? (item as Record<string, unknown>)[field] : undefined,
    );
    if (
      ids.length > 0 &&
      ids.every((id) => typeof id === "string") &&
      new Set(ids).size === ids.length
    ) {
      return field;
    }
  }
  return undefined;
}

/** Every leaf of `value`, by path; arrays of named objects keyed by their name. */
function leaves(value: unknown, path: string, into: Map<string, unknown>): void {
  if (Array.isArray(value)) {
    if (value.length === 0) into.set(path, []);
    const field = identityField(value);
    value.forEach((item, index) => {
      const id = field ? String((item as Record<string, unknown>)[field]) : String(index);
      leaves(item, `${path}[${id}]`, into);
    });
  } else if (value && typeof value === "object") {
    const entries = Object.entries(value);
    if (entries.length === 0) into.set(path, {});
    for (const [key, inner] of entries) leaves(inner, path ? `${path}.${key}` : key, into);
  } else {
    into.set(path, value);
  }
}

export function fieldChanges(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): FieldChange[] {
  const old = new Map<string, unknown>();
  const now = new Map<string, unknown>();
  leaves(before, "", old);
  leaves(after, "", now);
  const paths = [...new Set([...old.keys(), ...now.keys()])].sort();
  return paths
    .filter((path) => JSON.stringify(old.get(path)) !== JSON.stringify(now.get(path)))
    .map((path) => ({ path, before: old.get(path), after: now.get(path) }));
}

function topField(path: string): string {
  return path.split(/[.[]/)[0];
}

function summarize(base: Plan, head: Plan, changes: readonly ResourceChange[]): PlanDiffSummary {
  const count = (kind: ResourceChange["kind"]) =>
    changes.filter((change) => change.kind === kind).length;
  const changeOf = (type: string) => changes.find((change) => change.resource.type === type);

  // Any change to the build command runs Packer again: a trigger replaces the command,
  // and an update with no `update` command runs `create` again (pulumi-command).
  const headBuild = head.resources.find((resource) => resource.type === COMMAND);
  const triggersUnknown = JSON.stringify(headBuild?.inputs.triggers ?? []).includes(COMPUTED);
  const imageRebuild: PlanDiffSummary["imageRebuild"] = !headBuild
    ? "no"
    : changeOf(COMMAND)
      ? "yes"
      : triggersUnknown
        ? "unknown"
        : "no";

  const configuration = changeOf(SCALING_CONFIGURATION);
  const definitionChanges =
    configuration && configuration.kind !== "create" && configuration.kind !== "delete"
      ? [...new Set(configuration.fields.map((field) => topField(field.path)))].filter((field) =>
          HOST_DEFINITION.includes(field),
        )
      : [];
  const group = head.resources.find((resource) => resource.type === SCALING_GROUP);
  const fleetExists = base.resources.some((resource) => resource.type === SCALING_GROUP);
  const desired = Number(group?.inputs.desiredCapacity ?? 0);
  const reasons = [
    ...(imageRebuild === "yes" ? ["a new image"] : []),
    ...(definitionChanges.length > 0 ? [`the hosts' ${definitionChanges.join(", ")}`] : []),
  ];
  const roll: Pick<PlanDiffSummary, "hostsToRoll" | "rollReason"> =
    !fleetExists || !group
      ? { hostsToRoll: 0, rollReason: null }
      : reasons.length > 0
        ? { hostsToRoll: desired, rollReason: reasons.join(" and ") }
        : imageRebuild === "unknown"
          ? {
              hostsToRoll: "unknown",
              rollReason:
                "whether the image is rebuilt is unknown (client files absent, no checksum list)",
            }
          : { hostsToRoll: 0, rollReason: null };
  return {
    create: count("create"),
    update: count("update"),
    replace: count("replace"),
    delete: count("delete"),
    imageRebuild,
    ...roll,
  };
}

/** What changes from `base` to `head`, in head's order (deletions last). */
export function diffPlans(base: Plan, head: Plan): PlanDiff {
  const before = new Map(base.resources.map((resource) => [keyOf(resource), resource]));
  // A resource renamed with an alias (its old type or name) is the same resource.
  for (const resource of base.resources) {
    for (const alias of resource.aliases ?? []) before.set(keyOf(alias), resource);
  }
  const matched = new Set<PlannedResource>();
  const changes: ResourceChange[] = [];
  for (const resource of head.resources) {
    const previous =
      before.get(keyOf(resource)) ??
      (resource.aliases ?? []).map((alias) => before.get(keyOf(alias))).find(Boolean);
    if (!previous) {
      changes.push({ kind: "create", resource });
      continue;
    }
    matched.add(previous);
    const fields = fieldChanges(previous.inputs, resource.inputs);
    if (fields.length === 0) continue;
    const forcedBy = fields
      .filter((field) => forcesReplacement(resource.type, field.path))
      .map((field) => field.path);
    changes.push({
      kind: forcedBy.length > 0 ? "replace" : "update",
      resource,
      fields,
      forcedBy,
    });
  }
  for (const resource of base.resources) {
    if (!matched.has(resource)) changes.push({ kind: "delete", resource });
  }
  return { stack: head.stack, summary: summarize(base, head, changes), changes };
}
