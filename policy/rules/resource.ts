// What every rule sees of a resource, in the two forms the rules meet it: the policy
// engine's (secrets already unwrapped to plain values) and the mocks' wire form, where a
// secret is an envelope `{ [sig]: SECRET_SIG, value }`. Rules unwrap with `plain()` so
// they judge the same value either way; only the plain-secrets rule looks at envelopes.

import * as pulumi from "@pulumi/pulumi";

export interface PolicyResource {
  /** Type token, e.g. `alicloud:ecs/securityGroupRule:SecurityGroupRule`. */
  readonly type: string;
  /** The resource's Pulumi name, which every message starts with. */
  readonly name: string;
  /** The resource's inputs. */
  readonly props: Readonly<Record<string, unknown>>;
}

/** A rule: the violations one resource commits, as messages naming it; empty when it complies. */
export type Rule<Options = void> = (resource: PolicyResource, options: Options) => string[];

export function isSecretEnvelope(value: unknown): value is { readonly value: unknown } {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<string, unknown>)[pulumi.runtime.specialSigKey] ===
      pulumi.runtime.specialSecretSig
  );
}

/**
 * The value with any secret envelope taken off (deeply), as the policy engine shows it;
 * tests name what they expect inside as `T`.
 */
export function plain<T = unknown>(value: unknown): T {
  if (isSecretEnvelope(value)) return plain<T>(value.value);
  if (Array.isArray(value)) return value.map((item) => plain(item)) as T;
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [key, plain(inner)]),
    ) as T;
  }
  return value as T;
}

/** `name (type)`: how messages name a resource, so a report says which one to fix. */
export function describe(resource: PolicyResource): string {
  return `${resource.name} (${resource.type})`;
}
