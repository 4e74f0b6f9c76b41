// Every invalid config fails before any resource exists, naming the exact key.
import { ConfigError } from "../../config";
import { ConfigOverrides, stackConfig } from "../helpers/stacks";

function problemsFor(overrides: ConfigOverrides, stack = "dev"): Map<string, string> {
  try {
    stackConfig(stack, overrides);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return new Map(error.problems.map((problem) => [problem.key, problem.reason]));
  }
  throw new Error("the config was accepted");
}

const cases: Array<[string, ConfigOverrides, string, RegExp]> = [
  [
    "a negative instance count",
    { fleet: { instanceCount: -1 } },
    "hpc-fleet:fleet.instanceCount",
    /whole number from 0 to 1000 \(got -1\)/,
  ],
  [
    "a fractional instance count",
    { fleet: { instanceCount: 2.5 } },
    "hpc-fleet:fleet.instanceCount",
    /whole number/,
  ],
  [
    "an instance count over 1000",
    { fleet: { instanceCount: 1001 } },
    "hpc-fleet:fleet.instanceCount",
    /got 1001/,
  ],
  [
    "an instance count that is not a number",
    { fleet: { instanceCount: "many" } },
    "hpc-fleet:fleet.instanceCount",
    /got "many"/,
  ],
  [
    "a missing instance count",
    { fleet: { instanceCount: undefined } },
    "hpc-fleet:fleet.instanceCount",
    /is required/,
  ],
  [
    "a mistyped fleet key",
    { fleet: { instanceCont: 3 } },
    "hpc-fleet:fleet.instanceCont",
    /unknown key \(did you mean instanceCount\?\)/,
  ],
  [
    "a mistyped section",
    { fleeet: { instanceCount: 3 } },
    "hpc-fleet:fleeet",
    /did you mean fleet\?/,
  ],
  [
    "a zone of another region",
    { network: { zones: ["cn-hangzhou-h"] } },
    "hpc-fleet:network.zones[0]",
    /not in region cn-beijing/,
  ],
  [
    "a zone listed twice",
    { network: { zones: ["cn-beijing-h", "cn-beijing-h"] } },
    "hpc-fleet:network.zones[1]",
    /listed twice/,
  ],
  ["no zones", { network: { zones: [] } }, "hpc-fleet:network.zones", /1 to 5 zones/],
  ["a malformed region", { region: "Beijing" }, "alicloud:region", /region id/],
  [
    "the operator endpoint open to the internet",
    { network: { adminCidrs: ["0.0.0.0/0"] } },
    "hpc-fleet:network.adminCidrs[0]",
    /whole internet/,
  ],
  [
    "the builder open to the internet",
    { network: { builderCidrs: ["10.0.0.0/8", "0.0.0.0/0"] } },
    "hpc-fleet:network.builderCidrs[1]",
    /whole internet/,
  ],
  [
    "a malformed CIDR",
    { network: { vpcCidr: "10.0.0.0/33" } },
    "hpc-fleet:network.vpcCidr",
    /IPv4 CIDR/,
  ],
  [
    "a vSwitch outside the VPC",
    { network: { vSwitchCidrs: ["10.42.0.0/20", "192.168.0.0/24"] } },
    "hpc-fleet:network.vSwitchCidrs[1]",
    /not inside/,
  ],
  [
    "overlapping vSwitches",
    { network: { vSwitchCidrs: ["10.42.0.0/20", "10.42.8.0/24"] } },
    "hpc-fleet:network.vSwitchCidrs[1]",
    /overlaps 10.42.0.0\/20/,
  ],
  [
    "a VPC id without vSwitch ids",
    { network: { existingVpcId: "vpc-2ze0abc" } },
    "hpc-fleet:network.existingVSwitchIds",
    /is required/,
  ],
  [
    "min size above the count",
    { fleet: { minSize: 3 } },
    "hpc-fleet:fleet.minSize",
    /must not exceed fleet.instanceCount \(3 > 2\)/,
  ],
  [
    "max size below the count",
    { fleet: { instanceCount: 5, maxSize: 4 } },
    "hpc-fleet:fleet.maxSize",
    /must not be below/,
  ],
  [
    "no instance types",
    { fleet: { instanceTypes: [] } },
    "hpc-fleet:fleet.instanceTypes",
    /1 to 10 instance types/,
  ],
  [
    "a malformed instance type",
    { fleet: { instanceTypes: ["c7.large"] } },
    "hpc-fleet:fleet.instanceTypes[0]",
    /ECS instance type/,
  ],
  [
    "a host name prefix too long for Windows",
    { fleet: { hostNamePrefix: "performance" } },
    "hpc-fleet:fleet.hostNamePrefix",
    /1 to 9/,
  ],
  [
    "a spot price limit without prices",
    { fleet: { spot: { strategy: "SpotWithPriceLimit" } } },
    "hpc-fleet:fleet.spot.priceLimits",
    /no price for ecs.c7.2xlarge/,
  ],
  [
    "a price for a type not in the fleet",
    { fleet: { spot: { priceLimits: [{ instanceType: "ecs.g7.large", maxPricePerHour: 1 }] } } },
    "hpc-fleet:fleet.spot.priceLimits[0].instanceType",
    /not in fleet.instanceTypes/,
  ],
  [
    "an unknown spot strategy",
    { fleet: { spot: { strategy: "Cheap" } } },
    "hpc-fleet:fleet.spot.strategy",
    /one of NoSpot, SpotWithPriceLimit, SpotAsPriceGo/,
  ],
  [
    "a 5-field cron schedule",
    { healthCheck: { schedule: "*/5 * * * *" } },
    "hpc-fleet:healthCheck.schedule",
    /6 fields/,
  ],
  [
    "an invalid cron field",
    { healthCheck: { schedule: "0 */5 * * * funday" } },
    "hpc-fleet:healthCheck.schedule",
    /funday/,
  ],
  [
    "a startup timeout shorter than the check interval",
    {
      healthCheck: {
        schedule: "0 0 * * * *",
        startupTimeoutMinutes: 20,
        heartbeatTimeoutMinutes: 90,
      },
    },
    "hpc-fleet:healthCheck.startupTimeoutMinutes",
    /longer than the check interval \(60 min\)/,
  ],
  [
    "a heartbeat timeout shorter than two heartbeats",
    { fleet: { heartbeatSeconds: 600 } },
    "hpc-fleet:fleet.heartbeatSeconds",
    /at most half/,
  ],
  [
    "a freeze window that starts on a 5-field cron",
    { healthCheck: { freezeWindows: [{ start: "0 20 * * 1-5", durationMinutes: 60 }] } },
    "hpc-fleet:healthCheck.freezeWindows[0].start",
    /6-field cron/,
  ],
  [
    "a freeze window longer than a week",
    { healthCheck: { freezeWindows: [{ start: "0 0 20 * * 1-5", durationMinutes: 20_000 }] } },
    "hpc-fleet:healthCheck.freezeWindows[0].durationMinutes",
    /at most 10080/,
  ],
  [
    "a freeze window in an unknown time zone",
    {
      healthCheck: {
        freezeWindows: [{ start: "0 0 20 * * *", durationMinutes: 60, timeZone: "Mars/Olympus" }],
      },
    },
    "hpc-fleet:healthCheck.freezeWindows[0].timeZone",
    /IANA time zone/,
  ],
  [
    "a storm cap that is neither count nor percentage",
    { healthCheck: { maxUnhealthy: "lots" } },
    "hpc-fleet:healthCheck.maxUnhealthy",
    /count such as 5 or a percentage/,
  ],
  [
    "a percentage over 100",
    { healthCheck: { maxUnhealthy: "140%" } },
    "hpc-fleet:healthCheck.maxUnhealthy",
    /got "140%"/,
  ],
  [
    "a NAS mount target typed in (the stack declares its own NAS now)",
    { hostManager: { nasServer: "0a1b2c3d4e-abc12.cn-beijing.nas.aliyuncs.com" } },
    "hpc-fleet:hostManager.nasServer",
    /unknown key/,
  ],
  [
    "Statuspage ids without an API key",
    {
      hostManager: {
        statuspage: {
          pageId: "p1",
          metricIds: {
            hostsTotal: "a",
            running: "b",
            unhealthy: "c",
            remediating: "d",
            remediations: "e",
          },
        },
      },
    },
    "hpc-fleet:statuspageApiKey",
    /is required/,
  ],
  [
    "no source image and no image id",
    { image: { sourceImage: undefined, sourceImageName: undefined } },
    "hpc-fleet:image.sourceImage",
    /is required to build the image \(or set image.sourceImageName, or image.existingImageId\)/,
  ],
  [
    "a source image both by id and by name pattern",
    { image: { sourceImage: "win2022_21H2_x64_dtc_en-us_40G_alibase_20251015.vhd" } },
    "hpc-fleet:image.sourceImageName",
    /must not be set with image.sourceImage:/,
  ],
  [
    "a source image name pattern that is no regular expression",
    { image: { sourceImageName: "^win2022_(" } },
    "hpc-fleet:image.sourceImageName",
    /is not a valid regular expression/,
  ],
  [
    "a client executable that is not uploaded",
    { fleet: { clientExecutable: "C:\\tools\\other.exe" } },
    "hpc-fleet:fleet.clientExecutable",
    /destination of one of image.clientFiles/,
  ],
  [
    "an unknown environment",
    { environment: "qa" },
    "hpc-fleet:environment",
    /one of dev, test, staging, prod/,
  ],
  [
    "a tag the fleet owns",
    { tags: { stack: "other" } },
    "hpc-fleet:tags.stack",
    /set by hpc-fleet/,
  ],
  [
    "more tags than a host can carry besides the fleet's own seven",
    { tags: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`extra-${i}`, "x"])) },
    "hpc-fleet:tags",
    /at most 13 tags: every host also carries Name, project, .*hpc-fleet-generation.*\(got 21\)/,
  ],
  [
    "a tag key longer than ESS takes",
    { tags: { ["k".repeat(65)]: "v" } },
    `hpc-fleet:tags.${"k".repeat(65)}`,
    /at most 64 characters/,
  ],
  [
    "a tag key with a URL",
    { tags: { "see-https://example.com": "v" } },
    "hpc-fleet:tags.see-https://example.com",
    /without ", \\, http:\/\/ or https:\/\//,
  ],
  [
    "a tag value with a quote, which the provider would write into JSON unescaped",
    { tags: { team: 'perf "lab"' } },
    "hpc-fleet:tags.team",
    /a tag value of at most 128 characters, without "/,
  ],
  [
    "a tag value that starts like Alibaba's own",
    { tags: { team: "acs:perf" } },
    "hpc-fleet:tags.team",
    /not start with aliyun or acs:/,
  ],
  [
    "a container memory size ECI does not offer with its vCPUs",
    { hostManager: { cpu: 2, memoryGb: 3 } },
    "hpc-fleet:hostManager.memoryGb",
    /one of 1, 2, 4, 8, 16 with 2 vCPUs.*\(got 3\)/,
  ],
  [
    "a container vCPU count ECI does not offer",
    { hostManager: { cpu: 3, memoryGb: 6 } },
    "hpc-fleet:hostManager.cpu",
    /vCPU count ECI offers/,
  ],
  [
    "a system disk too small for Windows",
    { fleet: { systemDisk: { sizeGb: 20 } } },
    "hpc-fleet:fleet.systemDisk.sizeGb",
    /40 to 500/,
  ],
  [
    "a system disk larger than the scaling configuration takes",
    { fleet: { systemDisk: { sizeGb: 501 } } },
    "hpc-fleet:fleet.systemDisk.sizeGb",
    /40 to 500 \(got 501\)/,
  ],
  [
    "a spot price finer than the cents the provider sends",
    {
      fleet: {
        spot: {
          priceLimits: [{ instanceType: "ecs.c7.2xlarge", maxPricePerHour: 0.015 }],
        },
      },
    },
    "hpc-fleet:fleet.spot.priceLimits[0].maxPricePerHour",
    /at most 2 decimals.*\(got 0.015\)/,
  ],
  [
    "a spot price below a cent",
    {
      fleet: {
        spot: { priceLimits: [{ instanceType: "ecs.c7.2xlarge", maxPricePerHour: 0.004 }] },
      },
    },
    "hpc-fleet:fleet.spot.priceLimits[0].maxPricePerHour",
    /from 0.01 to 1000 \(got 0.004\)/,
  ],
  [
    "a system disk category the scaling configuration refuses",
    { fleet: { systemDisk: { category: "cloud_auto" } } },
    "hpc-fleet:fleet.systemDisk.category",
    /one of cloud_essd, cloud_ssd, cloud_efficiency \(got "cloud_auto"\)/,
  ],
];

describe("invalid stack config", () => {
  test.each(cases)("rejects %s, naming the key", (_label, overrides, key, reason) => {
    const problems = problemsFor(overrides);
    expect([...problems.keys()]).toContain(key);
    expect(problems.get(key)).toMatch(reason);
  });

  test("reports every problem at once, in one error", () => {
    const problems = problemsFor({
      fleet: { instanceCount: -1, instanceTypes: [] },
      network: { zones: ["cn-hangzhou-h"], vpcCidr: "nope" },
      healthCheck: { schedule: "bad" },
    });
    expect([...problems.keys()]).toEqual(
      expect.arrayContaining([
        "hpc-fleet:fleet.instanceCount",
        "hpc-fleet:fleet.instanceTypes",
        "hpc-fleet:network.vpcCidr",
        "hpc-fleet:network.zones[0]",
        "hpc-fleet:healthCheck.schedule",
      ]),
    );
  });

  test("the error message lists each problem as key: reason", () => {
    expect(() => stackConfig("dev", { fleet: { instanceCount: -1 } })).toThrow(
      "hpc-fleet:fleet.instanceCount: must be a whole number from 0 to 1000 (got -1)",
    );
  });

  test("a secret set in plain text is refused without echoing its value", () => {
    let message = "";
    try {
      stackConfig("dev", { statuspageApiKey: "sk-live-very-secret" });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("hpc-fleet:statuspageApiKey: is stored in plain text");
    expect(message).not.toContain("sk-live-very-secret");
  });
});

describe("user-data budget", () => {
  test("client arguments that could not fit the 16 KB user-data are refused, naming the key", () => {
    const clientArguments = Array.from({ length: 30 }, () => "x".repeat(500));
    expect(() => stackConfig("dev", { fleet: { clientArguments } })).toThrow(
      /hpc-fleet:fleet.clientArguments: must total at most 12000 characters/,
    );
  });
});
