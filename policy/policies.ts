// The pack's policies: each wraps one pure rule from ./rules, so what the tests check is
// exactly what `pulumi preview --policy-pack policy` runs. Kept apart from index.ts, which
// only serves the pack, so tests can load the policies without starting a policy server.
import type { Policies, ReportViolation, ResourceValidationArgs } from "@pulumi/policy";
import {
  ingressViolations,
  PolicyResource,
  publicBandwidthViolations,
  ramActionViolations,
  requiredTagViolations,
} from "./rules";

export const PACK_NAME = "hpc-fleet";

/** Runs one rule on the resource the engine hands over and reports what it finds. */
function report(
  rule: (resource: PolicyResource) => string[],
): (args: ResourceValidationArgs, reportViolation: ReportViolation) => void {
  return (args, reportViolation) => {
    for (const message of rule({ type: args.type, name: args.name, props: args.props })) {
      reportViolation(message);
    }
  };
}

/** The stack's policy config for the public-bandwidth policy (policy/config/<stack>.json). */
export interface PublicBandwidthConfig {
  readonly allowPublicBandwidth: boolean;
}

export const policies: Policies = [
  {
    name: "no-internet-remote-access",
    description:
      "No security-group ingress from a /0 source on RDP (3389) or WinRM (5985, 5986), none on RDP from outside private address space (Session Manager is the way in), and none on plain-HTTP WinRM (5985) at all.",
    enforcementLevel: "mandatory",
    validateResource: report(ingressViolations),
  },
  {
    name: "no-public-bandwidth-on-hosts",
    description:
      "Fleet hosts (scaling configurations, instances) get no public bandwidth unless the stack's policy config sets allowPublicBandwidth.",
    enforcementLevel: "mandatory",
    configSchema: {
      properties: { allowPublicBandwidth: { type: "boolean", default: false } },
    },
    validateResource: (args, reportViolation) => {
      const config = args.getConfig<PublicBandwidthConfig>();
      const resource = { type: args.type, name: args.name, props: args.props };
      for (const message of publicBandwidthViolations(resource, config)) reportViolation(message);
    },
  },
  {
    name: "ram-policy-names-its-actions",
    description: "RAM policies allow named actions only: no '*', no 'ecs:*' or other wildcards.",
    enforcementLevel: "mandatory",
    validateResource: report(ramActionViolations),
  },
  {
    name: "project-and-stack-tags",
    description: "Every taggable Alibaba Cloud resource carries the project and stack tags.",
    enforcementLevel: "mandatory",
    validateResource: report((resource) => requiredTagViolations(resource)),
  },
];

/**
 * Rules the pack cannot enforce, run by the tests instead: @pulumi/policy 1.21 unwraps
 * secrets before validateResource/validateStack see them (deserializeProperties(..., false)
 * in its server.js), so secretness is invisible to a policy; and whether a rule's source
 * can reach its group's members needs the ids that tie rules, groups and members together,
 * which a preview leaves unknown.
 */
export const TEST_ONLY_RULES = ["plainSecretViolations", "unreachableSourceViolations"] as const;
