// The hosted runner's temporary WinRM admission: the right group, one /32 rule on 5986 only,
// stale CI rules revoked first, nothing before the group exists, and calls signed with the
// job's STS token.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  admit,
  buildGroupOf,
  EcsCall,
  ecsCall,
  revoke,
  RULE_DESCRIPTION,
  runnerCidr,
} from "../../tools/ci/build-access";
import { planStack } from "../../tools/plan/plan";
import { PROJECT_DIR } from "../helpers/stacks";

const REGION = "cn-beijing";
const GROUP = { name: "hpc-dev-network-sg-packer-build", stackTag: "dev" };

/** An ECS that knows `groups` (name -> id) and each group's ingress rules. */
function fakeEcs(
  groups: Record<string, string>,
  rules: Record<string, { SourceCidrIp: string; Description: string }[]> = {},
) {
  const calls: [string, Record<string, string>][] = [];
  const call: EcsCall = async (action, params) => {
    calls.push([action, params]);
    if (action === "DescribeSecurityGroups") {
      const id = groups[params.SecurityGroupName];
      return {
        SecurityGroups: {
          SecurityGroup: id && params["Tag.1.Value"] === "dev" ? [{ SecurityGroupId: id }] : [],
        },
      };
    }
    if (action === "DescribeSecurityGroupAttribute") {
      return { Permissions: { Permission: rules[params.SecurityGroupId] ?? [] } };
    }
    return {};
  };
  return { call, calls };
}

describe("the build group", () => {
  it("is the one the program declares for the packer-build role, by name and stack tag", async () => {
    jest.spyOn(console, "warn").mockImplementation(() => undefined);
    const plan = await planStack(`${PROJECT_DIR}/Pulumi.dev.yaml`);
    expect(buildGroupOf(plan)).toEqual(GROUP);
    jest.restoreAllMocks();
  });
});

describe("runnerCidr", () => {
  it("takes one IPv4 address as /32", () => {
    expect(runnerCidr("20.1.2.3\n")).toBe("20.1.2.3/32");
  });

  it.each(["", "0.0.0.0/0", "20.1.2", "20.1.2.300", "<html>", "2001:db8::1"])(
    "refuses %j",
    (answer) => {
      expect(() => runnerCidr(answer)).toThrow(/not an IPv4 address/);
    },
  );
});

describe("admit and revoke", () => {
  it("adds one rule: tcp 5986 from the runner's /32, described as CI's", async () => {
    const ecs = fakeEcs({ [GROUP.name]: "sg-build" });
    await expect(admit(ecs.call, REGION, GROUP, "20.1.2.3/32")).resolves.toEqual({
      securityGroupId: "sg-build",
      cidr: "20.1.2.3/32",
    });
    const authorizations = ecs.calls.filter(([action]) => action === "AuthorizeSecurityGroup");
    expect(authorizations).toEqual([
      [
        "AuthorizeSecurityGroup",
        {
          RegionId: REGION,
          SecurityGroupId: "sg-build",
          IpProtocol: "tcp",
          PortRange: "5986/5986",
          SourceCidrIp: "20.1.2.3/32",
          NicType: "intranet",
          Policy: "accept",
          Priority: "1",
          Description: RULE_DESCRIPTION,
        },
      ],
    ]);
  });

  it("first revokes rules an earlier runner left, and only those", async () => {
    const ecs = fakeEcs(
      { [GROUP.name]: "sg-build" },
      {
        "sg-build": [
          { SourceCidrIp: "20.9.9.9/32", Description: RULE_DESCRIPTION },
          { SourceCidrIp: "203.0.113.10/32", Description: "WinRM over HTTPS from the Packer host" },
        ],
      },
    );
    await admit(ecs.call, REGION, GROUP, "20.1.2.3/32");
    const changes = ecs.calls.filter(([action]) => /Authorize|Revoke/.test(action));
    expect(changes.map(([action, params]) => [action, params.SourceCidrIp])).toEqual([
      ["RevokeSecurityGroup", "20.9.9.9/32"],
      ["AuthorizeSecurityGroup", "20.1.2.3/32"],
    ]);
  });

  it("admits nothing before the stack's first up created the group", async () => {
    const ecs = fakeEcs({});
    await expect(admit(ecs.call, REGION, GROUP, "20.1.2.3/32")).resolves.toEqual({
      cidr: "20.1.2.3/32",
    });
    expect(ecs.calls.map(([action]) => action)).toEqual(["DescribeSecurityGroups"]);
  });

  it("refuses to guess between two groups of the same name", async () => {
    const call: EcsCall = async () => ({
      SecurityGroups: { SecurityGroup: [{ SecurityGroupId: "sg-a" }, { SecurityGroupId: "sg-b" }] },
    });
    await expect(admit(call, REGION, GROUP, "20.1.2.3/32")).rejects.toThrow(/2 security groups/);
  });

  it("revokes exactly the rule it added", async () => {
    const ecs = fakeEcs({});
    await revoke(ecs.call, REGION, "sg-build", "20.1.2.3/32");
    expect(ecs.calls).toEqual([
      [
        "RevokeSecurityGroup",
        {
          RegionId: REGION,
          SecurityGroupId: "sg-build",
          IpProtocol: "tcp",
          PortRange: "5986/5986",
          SourceCidrIp: "20.1.2.3/32",
          NicType: "intranet",
          Policy: "accept",
          Priority: "1",
        },
      ],
    ]);
  });
});

describe("the ECS client", () => {
  let server: Server;
  let endpoint: string;
  const seen: { action: string; token: string; params: Record<string, string> }[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        const url = new URL(request.url ?? "/", "http://fake");
        const params: Record<string, string> = Object.fromEntries(url.searchParams);
        for (const [key, value] of new URLSearchParams(Buffer.concat(chunks).toString()))
          params[key] = value;
        seen.push({
          action: String(request.headers["x-acs-action"] ?? params.Action),
          token: String(request.headers["x-acs-security-token"] ?? params.SecurityToken),
          params,
        });
        response.writeHead(200, { "content-type": "application/json" });
        response.end(JSON.stringify({ RequestId: "r", SecurityGroups: { SecurityGroup: [] } }));
      });
    });
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    endpoint = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  it("calls ECS with the job's STS credentials", async () => {
    const call = ecsCall({
      region: REGION,
      endpoint,
      protocol: "HTTP",
      env: {
        ALIBABA_CLOUD_ACCESS_KEY_ID: "STS.id",
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: "secret",
        ALIBABA_CLOUD_SECURITY_TOKEN: "sts-token",
      },
    });
    await expect(admit(call, REGION, GROUP, "20.1.2.3/32")).resolves.toEqual({
      cidr: "20.1.2.3/32",
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      action: "DescribeSecurityGroups",
      token: "sts-token",
      params: {
        RegionId: REGION,
        SecurityGroupName: GROUP.name,
        "Tag.1.Key": "stack",
        "Tag.1.Value": "dev",
      },
    });
  });

  it("refuses to run without credentials", () => {
    expect(() => ecsCall({ region: REGION, env: {} })).toThrow(/assume the deploy role first/);
  });
});
