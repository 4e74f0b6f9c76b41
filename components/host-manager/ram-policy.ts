// The host-manager's RAM role: trusted by ECI's instances, allowed only what the
// health check needs, scoped to this stack's region, hosts and scaling group.

/** Lets the container group's instances (ECI runs on ECS's RAM-role mechanism) assume the role. */
export function containerTrustPolicy(): string {
  return JSON.stringify({
    Version: "1",
    Statement: [
      { Effect: "Allow", Action: "sts:AssumeRole", Principal: { Service: ["ecs.aliyuncs.com"] } },
    ],
  });
}

export interface PolicyScope {
  readonly region: string;
  readonly project: string;
  readonly stack: string;
  readonly scalingGroupId: string;
}

/**
 * Describe calls cannot be scoped to resources, so they are scoped to the region;
 * reboot only hosts tagged with this project and stack; ESS changes only this group.
 */
export function hostManagerPolicyDocument(scope: PolicyScope): string {
  const { region, project, stack, scalingGroupId } = scope;
  return JSON.stringify({
    Version: "1",
    Statement: [
      {
        Effect: "Allow",
        Action: ["ecs:DescribeInstances"],
        Resource: [`acs:ecs:${region}:*:instance/*`],
      },
      {
        Effect: "Allow",
        Action: ["ecs:RebootInstance"],
        Resource: [`acs:ecs:${region}:*:instance/*`],
        Condition: { StringEquals: { "ecs:tag/project": project, "ecs:tag/stack": stack } },
      },
      {
        Effect: "Allow",
        Action: ["ess:DescribeScalingInstances", "ess:RemoveInstances", "ess:SetInstanceHealth"],
        Resource: [`acs:ess:${region}:*:scalinggroup/${scalingGroupId}`],
      },
    ],
  });
}
