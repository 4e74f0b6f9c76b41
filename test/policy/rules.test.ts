// Each rule on hand-built resources: compliant ones pass, and each deliberate violation
// fires with a message that names the resource and the problem.
import {
  ingressViolations,
  isPrivateCidr,
  parsePortRange,
  plainSecretViolations,
  publicBandwidthViolations,
  ramActionViolations,
  requiredTagViolations,
} from "../../policy/rules";
import { containerGroup, ingressRule, ramPolicy, scalingConfiguration, secret } from "./fixtures";

describe("no-internet-remote-access", () => {
  it("passes WinRM over HTTPS from a named CIDR, and RDP from inside private space", () => {
    expect(ingressViolations(ingressRule({}))).toEqual([]);
    for (const cidrIp of ["10.42.0.0/20", "172.16.4.0/24", "192.168.1.10/32"]) {
      expect(ingressViolations(ingressRule({ portRange: "3389/3389", cidrIp }))).toEqual([]);
    }
    const fromGroup = ingressRule({
      portRange: "3389/3389",
      cidrIp: undefined,
      sourceSecurityGroupId: "sg-2",
    });
    expect(ingressViolations(fromGroup)).toEqual([]);
  });

  it.each(["203.0.113.0/28", "172.32.0.0/16", "8.0.0.0/7", "2001:db8::/32"])(
    "fires on RDP from %s, outside private space: Session Manager is the way in",
    (source) => {
      const field = source.includes(":") ? "ipv6CidrIp" : "cidrIp";
      const rule = ingressRule({ portRange: "3380/3390", cidrIp: undefined, [field]: source });
      expect(ingressViolations(rule)).toEqual([
        expect.stringMatching(
          new RegExp(
            `port 3389 to ${source.replace(/[./]/g, "\\$&")}, outside private address space.*Session Manager`,
          ),
        ),
      ]);
    },
  );

  it("tells a private block from one that only starts inside private space", () => {
    expect(isPrivateCidr("10.0.0.0/8")).toBe(true);
    expect(isPrivateCidr("10.0.0.0/7")).toBe(false);
    expect(isPrivateCidr("192.168.0.0/15")).toBe(false);
    expect(isPrivateCidr("not a cidr")).toBe(false);
  });

  it.each(["3389/3389", "5986/5986", "1/65535", "3000/4000"])(
    "fires on %s from 0.0.0.0/0",
    (portRange) => {
      const messages = ingressViolations(ingressRule({ portRange, cidrIp: "0.0.0.0/0" }));
      expect(messages.length).toBeGreaterThan(0);
      expect(messages[0]).toMatch(
        /^hpc-rule \(alicloud:ecs\/securityGroupRule:SecurityGroupRule\)/,
      );
      expect(messages[0]).toMatch(/0\.0\.0\.0\/0/);
    },
  );

  it("fires on an IPv6 /0 and on protocol all", () => {
    expect(ingressViolations(ingressRule({ cidrIp: undefined, ipv6CidrIp: "::/0" }))).toEqual([
      expect.stringMatching(/port 5986 to ::\/0/),
    ]);
    const all = ingressViolations(
      ingressRule({ ipProtocol: "all", portRange: "-1/-1", cidrIp: "0.0.0.0/0" }),
    );
    expect(all.join("\n")).toMatch(/port 3389/);
    expect(all.join("\n")).toMatch(/5985 \(WinRM over plain HTTP\)/);
  });

  it("fires on 5985 from any source, even another group", () => {
    const rule = ingressRule({
      portRange: "5985/5985",
      cidrIp: undefined,
      sourceSecurityGroupId: "sg-2",
    });
    expect(ingressViolations(rule)).toEqual([
      expect.stringMatching(/opens port 5985 \(WinRM over plain HTTP\)/),
    ]);
  });

  it("ignores egress, ICMP, and ports that miss the remote-access ones", () => {
    expect(
      ingressViolations(ingressRule({ type: "egress", cidrIp: "0.0.0.0/0", portRange: "1/65535" })),
    ).toEqual([]);
    expect(
      ingressViolations(
        ingressRule({ ipProtocol: "icmp", portRange: "-1/-1", cidrIp: "0.0.0.0/0" }),
      ),
    ).toEqual([]);
    expect(ingressViolations(ingressRule({ portRange: "443/443", cidrIp: "0.0.0.0/0" }))).toEqual(
      [],
    );
  });

  it("fails closed on a port range it cannot read", () => {
    expect(ingressViolations(ingressRule({ portRange: "rdp" }))).toEqual([
      expect.stringMatching(/hpc-rule .*cannot read portRange "rdp"/),
    ]);
    expect(parsePortRange("tcp", "10/5")).toBeUndefined();
  });

  it("judges a secret CIDR by its value", () => {
    expect(ingressViolations(ingressRule({ cidrIp: secret("0.0.0.0/0") }))).toHaveLength(1);
  });
});

describe("no-public-bandwidth-on-hosts", () => {
  it("passes hosts without public bandwidth", () => {
    expect(publicBandwidthViolations(scalingConfiguration())).toEqual([]);
    expect(
      publicBandwidthViolations(scalingConfiguration({ internetMaxBandwidthOut: undefined })),
    ).toEqual([]);
  });

  it("fires on a scaling configuration or instance with public bandwidth", () => {
    expect(
      publicBandwidthViolations(scalingConfiguration({ internetMaxBandwidthOut: 10 })),
    ).toEqual([
      expect.stringMatching(
        /^hpc-hosts-config \(alicloud:ess\/scalingConfiguration:ScalingConfiguration\): internetMaxBandwidthOut is 10/,
      ),
    ]);
    const instance = {
      type: "alicloud:ecs/instance:Instance",
      name: "box",
      props: { internetMaxBandwidthOut: 5 },
    };
    expect(publicBandwidthViolations(instance)).toEqual([
      expect.stringMatching(/^box .*allowPublicBandwidth/),
    ]);
  });

  it("passes when the stack's policy config allows it", () => {
    const resource = scalingConfiguration({ internetMaxBandwidthOut: 10 });
    expect(publicBandwidthViolations(resource, { allowPublicBandwidth: true })).toEqual([]);
  });
});

describe("ram-policy-names-its-actions", () => {
  const named = { Effect: "Allow", Action: ["ecs:DescribeInstances"], Resource: ["*"] };

  it("passes named actions, and wildcards in Deny", () => {
    expect(
      ramActionViolations(ramPolicy([named, { Effect: "Deny", Action: "*", Resource: "*" }])),
    ).toEqual([]);
  });

  it.each(["*", "ecs:*", "ess:Describe*"])("fires on Allow %s", (action) => {
    expect(
      ramActionViolations(ramPolicy([named, { Effect: "Allow", Action: action, Resource: "*" }])),
    ).toEqual([
      `hpc-host-manager-policy (alicloud:ram/policy:Policy): statement 1 allows wildcard action "${action}"; name each action the service needs`,
    ]);
  });

  it("fires on Allow with NotAction, and on a document that is not JSON", () => {
    expect(
      ramActionViolations(ramPolicy([{ Effect: "Allow", NotAction: "ram:*", Resource: "*" }])),
    ).toEqual([expect.stringMatching(/statement 0 allows NotAction/)]);
    const broken = { ...ramPolicy([]), props: { policyDocument: "{not json" } };
    expect(ramActionViolations(broken)).toEqual([expect.stringMatching(/not valid JSON/)]);
  });

  it("reads the deprecated `document` field too", () => {
    const old = {
      ...ramPolicy([]),
      props: { document: JSON.stringify({ Statement: { Effect: "Allow", Action: "*" } }) },
    };
    expect(ramActionViolations(old)).toHaveLength(1);
  });
});

describe("project-and-stack-tags", () => {
  it("passes a taggable resource with both tags, and skips types without tags", () => {
    expect(requiredTagViolations(scalingConfiguration())).toEqual([]);
    expect(requiredTagViolations(ingressRule({}))).toEqual([]);
  });

  it("fires on each missing tag", () => {
    const untagged = scalingConfiguration({ tags: { Name: "x" } });
    expect(requiredTagViolations(untagged)).toEqual([
      'hpc-hosts-config (alicloud:ess/scalingConfiguration:ScalingConfiguration): missing the "project" tag',
      'hpc-hosts-config (alicloud:ess/scalingConfiguration:ScalingConfiguration): missing the "stack" tag',
    ]);
    expect(requiredTagViolations(scalingConfiguration({ tags: undefined }))).toHaveLength(2);
  });

  it("fires on a wrong value when the expected values are known", () => {
    expect(
      requiredTagViolations(scalingConfiguration(), {
        expected: { project: "hpc-fleet", stack: "prod" },
      }),
    ).toEqual([expect.stringMatching(/tag "stack" is "dev", expected "prod"/)]);
  });
});

describe("passwords and tokens only as secrets", () => {
  it("passes secret passwords, user-data and credential env vars", () => {
    expect(plainSecretViolations(scalingConfiguration())).toEqual([]);
    const env = [
      { key: "HOST_MANAGER_TOKEN", value: secret("t") },
      { key: "HOST_MANAGER_REGION", value: "cn-beijing" },
    ];
    expect(plainSecretViolations(containerGroup(env))).toEqual([]);
  });

  it("fires on a plain password", () => {
    expect(plainSecretViolations(scalingConfiguration({ password: "Pa55-word" }))).toEqual([
      "hpc-hosts-config (alicloud:ess/scalingConfiguration:ScalingConfiguration): password is a plain-text password; pass it as a secret",
    ]);
  });

  it("fires on plain user-data carrying a token, also when base64-encoded", () => {
    const script = "[powershell]\n$env:HOST_MANAGER_TOKEN = 'abc'";
    for (const userData of [script, Buffer.from(script).toString("base64")]) {
      expect(plainSecretViolations(scalingConfiguration({ userData }))).toEqual([
        expect.stringMatching(
          /^hpc-hosts-config .*userData carries a token or password in plain text/,
        ),
      ]);
    }
    expect(
      plainSecretViolations(scalingConfiguration({ userData: "[powershell]\nStart-Bootstrap" })),
    ).toEqual([]);
  });

  it.each(["HOST_MANAGER_TOKEN", "HOST_MANAGER_STATUSPAGE_API_KEY", "DB_PASSWORD"])(
    "fires on a plain env var %s",
    (key) => {
      expect(plainSecretViolations(containerGroup([{ key, value: "plain" }]))).toEqual([
        expect.stringMatching(
          new RegExp(
            `^hpc-host-manager .*env var ${key} \\(containers\\[0\\]\\.environmentVars\\[0\\]\\) is plain text`,
          ),
        ),
      ]);
    },
  );

  it("fires on a plain registry password nested in the container group", () => {
    const group = containerGroup([]);
    const withRegistry = {
      ...group,
      props: {
        ...group.props,
        imageRegistryCredentials: [{ server: "r", userName: "u", password: "p" }],
      },
    };
    expect(plainSecretViolations(withRegistry)).toEqual([
      expect.stringMatching(/imageRegistryCredentials\[0\]\.password is a plain-text password/),
    ]);
  });
});

describe("credentials in an environment map", () => {
  it("fires on a plain credential and passes a secret one", () => {
    const command = (environment: Record<string, unknown>) => ({
      type: "command:local:Command",
      name: "hpc-image-build",
      props: { create: "packer build .", environment },
    });
    expect(plainSecretViolations(command({ PKR_VAR_winrm_password: "p", REGION: "x" }))).toEqual([
      expect.stringMatching(/^hpc-image-build .*env var PKR_VAR_winrm_password \(environment\)/),
    ]);
    expect(plainSecretViolations(command({ PKR_VAR_winrm_password: secret("p") }))).toEqual([]);
  });
});
