// What the offline plan of the dev stack shows for reachability: the NAT egress and the
// operator endpoint with its self-signed certificate as shipped, and the endpoint with an
// existing certificate or none (copies of the dev stack file, as `pulumi config` would make).
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
  CERTIFICATE,
  EIP,
  EIP_ASSOCIATION,
  NAT_GATEWAY,
  SECURITY_GROUP_RULE,
  SESSION_MANAGER,
  SNAT_ENTRY,
  TLS_PRIVATE_KEY,
  TLS_SELF_SIGNED_CERT,
} from "../helpers/types";

const DEV_STACK_FILE = join(PROJECT_DIR, "Pulumi.dev.yaml");

const ofType = (plan: Plan, type: string): PlannedResource[] =>
  plan.resources.filter((resource) => resource.type === type);

function only(plan: Plan, type: string): PlannedResource {
  const found = ofType(plan, type);
  expect(found).toHaveLength(1);
  return found[0];
}

/** The operator endpoint's own resources of `type` (the host-manager has TLS keys too). */
const endpointOwn = (plan: Plan, type: string): PlannedResource[] =>
  ofType(plan, type).filter((resource) => resource.parent === "hpc-dev-operator-access");

function onlyOfEndpoint(plan: Plan, type: string): PlannedResource {
  const found = endpointOwn(plan, type);
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
  let withCertificateId: Plan;
  let withoutCertificate: Plan;
  const dirs: string[] = [];

  /** The plan of a copy of the dev stack file with `operatorAccess` set. */
  async function planWith(operatorAccess: Record<string, unknown>): Promise<Plan> {
    const copy = devStackWith(operatorAccess);
    dirs.push(copy.dir);
    return planStack(copy.file, undefined, "dev");
  }

  beforeAll(async () => {
    shipped = await planStack(DEV_STACK_FILE);
    withCertificateId = await planWith({ selfSigned: undefined, certificateId: "12345678" });
    withoutCertificate = await planWith({ selfSigned: undefined });
  }, 180_000);
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

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

  it("shows Session Manager on and no RDP rule", () => {
    only(shipped, SESSION_MANAGER);
    const rules = ofType(shipped, SECURITY_GROUP_RULE).map((rule) => rule.inputs.portRange);
    expect(rules).not.toContain("3389/3389");
  });

  it("as shipped, shows the ALB, its white list, its HTTPS listener and its backend", () => {
    expect(only(shipped, ALB).inputs).toMatchObject({
      addressType: "Internet",
      loadBalancerEdition: "Standard",
    });
    expect(only(shipped, ALB_LISTENER).inputs).toMatchObject({
      listenerProtocol: "HTTPS",
      listenerPort: 443,
    });
    expect(only(shipped, ALB_ACL_ENTRY).inputs).toMatchObject({
      entries: [expect.objectContaining({ entry: "203.0.113.0/28" })],
    });
    only(shipped, ALB_ACL);
    expect(only(shipped, ALB_LISTENER_ACL).inputs).toMatchObject({ aclType: "White" });
    expect(only(shipped, ALB_SERVER_GROUP).inputs).toMatchObject({
      serverGroupType: "Instance",
      servers: [expect.objectContaining({ serverType: "Eci", port: 8080 })],
    });
  });

  it("as shipped, shows the self-signed certificate uploaded to CAS, its key only as a secret", () => {
    const key = "[secret:hpc-dev-operator-access-self-signed-key]";
    expect(onlyOfEndpoint(shipped, TLS_PRIVATE_KEY).inputs).toEqual({
      algorithm: "RSA",
      rsaBits: 2048,
    });
    expect(onlyOfEndpoint(shipped, TLS_SELF_SIGNED_CERT).inputs).toMatchObject({
      privateKeyPem: key,
      allowedUses: ["server_auth", "digital_signature", "key_encipherment"],
    });
    expect(only(shipped, CERTIFICATE).inputs).toMatchObject({ key });
    expect(JSON.stringify(shipped)).not.toMatch(/PRIVATE KEY|offline-plan-generated-secret/);
  });

  it("with a certificate id, lists it on the listener and makes no certificate", () => {
    expect(only(withCertificateId, ALB_LISTENER).inputs).toMatchObject({
      certificates: { certificateId: "12345678-cn-beijing" },
    });
    for (const type of [CERTIFICATE, TLS_PRIVATE_KEY, TLS_SELF_SIGNED_CERT]) {
      expect(endpointOwn(withCertificateId, type)).toEqual([]);
    }
  });

  it("without a certificate, shows no endpoint", () => {
    for (const type of [ALB, ALB_LISTENER, CERTIFICATE, TLS_PRIVATE_KEY]) {
      expect(endpointOwn(withoutCertificate, type)).toEqual([]);
    }
  });
});
