// What the offline plan of the dev stack shows for reachability: the NAT egress as
// shipped, and the operator endpoint once a certificate is configured (a copy of the
// dev stack file with operatorAccess.certificateId set, as `pulumi config set` would).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import YAML from "yaml";
import { planStack, type Plan, type PlannedResource } from "../../tools/plan/plan";
import { PROJECT_DIR } from "../helpers/stacks";
import {
  ALB,
  ALB_ACL,
  ALB_ACL_ENTRY,
  ALB_LISTENER,
  ALB_LISTENER_ACL,
  ALB_SERVER_GROUP,
  EIP,
  EIP_ASSOCIATION,
  NAT_GATEWAY,
  SECURITY_GROUP_RULE,
  SESSION_MANAGER,
  SNAT_ENTRY,
} from "../helpers/types";

const DEV_STACK_FILE = join(PROJECT_DIR, "Pulumi.dev.yaml");

const ofType = (plan: Plan, type: string): PlannedResource[] =>
  plan.resources.filter((resource) => resource.type === type);

function only(plan: Plan, type: string): PlannedResource {
  const found = ofType(plan, type);
  expect(found).toHaveLength(1);
  return found[0];
}

/** The dev stack file with `operatorAccess` set, written to a directory of its own. */
function devStackWith(operatorAccess: Record<string, unknown>): { file: string; dir: string } {
  const document = YAML.parse(readFileSync(DEV_STACK_FILE, "utf8")) as {
    config: Record<string, unknown>;
  };
  document.config["hpc-fleet:operatorAccess"] = {
    ...(document.config["hpc-fleet:operatorAccess"] as Record<string, unknown> | undefined),
    ...operatorAccess,
  };
  const dir = mkdtempSync(join(tmpdir(), "hpc-fleet-plan-"));
  const file = join(dir, "Pulumi.dev.yaml");
  writeFileSync(file, YAML.stringify(document));
  return { file, dir };
}

describe("the dev stack's offline plan", () => {
  let shipped: Plan;
  let withEndpoint: Plan;
  let dir: string;

  beforeAll(async () => {
    shipped = await planStack(DEV_STACK_FILE);
    const copy = devStackWith({ certificateId: "12345678" });
    dir = copy.dir;
    withEndpoint = await planStack(copy.file, undefined, "dev");
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("shows an Enhanced internet NAT gateway, its EIP and their association", () => {
    expect(only(shipped, NAT_GATEWAY).inputs).toMatchObject({
      natType: "Enhanced",
      networkType: "internet",
      paymentType: "PayAsYouGo",
      internetChargeType: "PayByLcu",
    });
    expect(only(shipped, EIP).inputs).toMatchObject({
      paymentType: "PayAsYouGo",
      internetChargeType: "PayByTraffic",
    });
    expect(only(shipped, EIP_ASSOCIATION).inputs).toMatchObject({ instanceType: "Nat" });
  });

  it("shows one SNAT entry per zone's vSwitch", () => {
    const entries = ofType(shipped, SNAT_ENTRY);
    expect(entries.map((entry) => entry.name).sort()).toEqual([
      "hpc-dev-network-snat-cn-beijing-h",
      "hpc-dev-network-snat-cn-beijing-i",
    ]);
  });

  it("shows Session Manager on, no endpoint without a certificate, and no RDP rule", () => {
    only(shipped, SESSION_MANAGER);
    expect(ofType(shipped, ALB)).toEqual([]);
    const rules = ofType(shipped, SECURITY_GROUP_RULE).map((rule) => rule.inputs.portRange);
    expect(rules).not.toContain("3389/3389");
  });

  it("with a certificate, shows the ALB, its white list, its HTTPS listener and its backend", () => {
    expect(only(withEndpoint, ALB).inputs).toMatchObject({
      addressType: "Internet",
      loadBalancerEdition: "Standard",
    });
    expect(only(withEndpoint, ALB_LISTENER).inputs).toMatchObject({
      listenerProtocol: "HTTPS",
      listenerPort: 443,
      certificates: { certificateId: "12345678-cn-beijing" },
    });
    expect(only(withEndpoint, ALB_ACL_ENTRY).inputs).toMatchObject({
      entries: [expect.objectContaining({ entry: "203.0.113.0/28" })],
    });
    only(withEndpoint, ALB_ACL);
    expect(only(withEndpoint, ALB_LISTENER_ACL).inputs).toMatchObject({ aclType: "White" });
    expect(only(withEndpoint, ALB_SERVER_GROUP).inputs).toMatchObject({
      serverGroupType: "Instance",
      servers: [expect.objectContaining({ serverType: "Eci", port: 8080 })],
    });
  });
});
