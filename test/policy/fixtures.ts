// Hand-built resources for the policy tests: compliant ones, and helpers to break them.
import * as pulumi from "@pulumi/pulumi";
import type { PolicyResource } from "../../policy/rules";

export const TAGS = { project: "hpc-fleet", stack: "dev", Name: "x" };

/** A value as the engine's wire form marks a secret (and as the mocks record it). */
export function secret(value: unknown): Record<string, unknown> {
  return { [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value };
}

export function ingressRule(props: Record<string, unknown>, name = "hpc-rule"): PolicyResource {
  return {
    type: "alicloud:ecs/securityGroupRule:SecurityGroupRule",
    name,
    props: {
      type: "ingress",
      ipProtocol: "tcp",
      portRange: "5986/5986",
      cidrIp: "203.0.113.0/28",
      nicType: "intranet",
      securityGroupId: "sg-1",
      ...props,
    },
  };
}

export function scalingConfiguration(
  props: Record<string, unknown> = {},
  name = "hpc-hosts-config",
): PolicyResource {
  return {
    type: "alicloud:ess/scalingConfiguration:ScalingConfiguration",
    name,
    props: {
      internetMaxBandwidthOut: 0,
      password: secret("Pa55-word"),
      userData: secret("[powershell]\n$token = 'abc'"),
      tags: TAGS,
      ...props,
    },
  };
}

export function ramPolicy(statements: unknown[], name = "hpc-host-manager-policy"): PolicyResource {
  return {
    type: "alicloud:ram/policy:Policy",
    name,
    props: {
      policyName: name,
      policyDocument: JSON.stringify({ Version: "1", Statement: statements }),
      tags: TAGS,
    },
  };
}

export function containerGroup(
  environmentVars: unknown[],
  name = "hpc-host-manager",
): PolicyResource {
  return {
    type: "alicloud:eci/containerGroup:ContainerGroup",
    name,
    props: {
      containerGroupName: name,
      containers: [{ name: "host-manager", image: "registry/hm:1", environmentVars }],
      tags: TAGS,
    },
  };
}
