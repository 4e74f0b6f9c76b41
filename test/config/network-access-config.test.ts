// The egress and operator-access keys: what they default to, and every bad value refused
// under its full key before any resource exists.
import { ConfigError } from "../../config";
import { type ConfigOverrides, stackConfig } from "../helpers/stacks";
import {
  CERTIFICATE_PEM,
  PEM_SECRETS,
  PRIVATE_KEY_PEM,
  WITH_CERTIFICATE_ID,
  WITHOUT_CERTIFICATE,
} from "../operator-access/fixtures";

function problemsFor(
  overrides: ConfigOverrides,
  secrets: Record<string, string> = {},
  stack = "dev",
): Map<string, string[]> {
  try {
    stackConfig(stack, overrides, secrets);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const problems = new Map<string, string[]>();
    for (const { key, reason } of error.problems) {
      problems.set(key, [...(problems.get(key) ?? []), reason]);
    }
    return problems;
  }
  throw new Error("the config was accepted");
}

const EXISTING_VPC = { existingVpcId: "vpc-2ze0lab", existingVSwitchIds: ["vsw-h", "vsw-i"] };

describe("egress and operator-access config", () => {
  it("defaults to a NAT gateway in the first zone, Session Manager on, a self-signed endpoint", () => {
    const config = stackConfig("dev");
    expect(config.network).toMatchObject({
      egress: "nat",
      natZone: "cn-beijing-h",
      egressBandwidthMbps: 100,
    });
    expect(config.operatorAccess).toEqual({
      sessionManager: true,
      selfSigned: true,
      endpoint: true,
    });
    expect(config.secrets.operatorAccessPrivateKey).toBeUndefined();
    expect(stackConfig("dev", WITHOUT_CERTIFICATE).operatorAccess.endpoint).toBe(false);
  });

  it("turns the endpoint on with a certificate, and names no NAT zone without a NAT", () => {
    expect(
      stackConfig("dev", { operatorAccess: WITH_CERTIFICATE_ID.operatorAccess }).operatorAccess
        .endpoint,
    ).toBe(true);
    expect(stackConfig("dev", { network: { egress: "none" } }).network.natZone).toBeUndefined();
  });

  const cases: Array<[string, ConfigOverrides, Record<string, string>, string, RegExp]> = [
    [
      "an egress that is neither nat, none nor a gateway id",
      { network: { egress: "internet" } },
      {},
      "hpc-fleet:network.egress",
      /must be nat, none or a NAT gateway id such as ngw-2ze0abc \(got "internet"\)/,
    ],
    [
      "an existing NAT gateway in a VPC this stack creates",
      { network: { egress: "ngw-2ze0lab" } },
      {},
      "hpc-fleet:network.egress",
      /needs network\.existingVpcId, the VPC it is in/,
    ],
    [
      "a NAT zone outside the fleet's zones",
      { network: { natZone: "cn-beijing-k" } },
      {},
      "hpc-fleet:network.natZone",
      /must be one of network\.zones \(cn-beijing-h, cn-beijing-i\)/,
    ],
    [
      "a NAT zone without a NAT gateway",
      { network: { egress: "none", natZone: "cn-beijing-h" } },
      {},
      "hpc-fleet:network.natZone",
      /applies only when network\.egress is nat/,
    ],
    [
      "an EIP cap beyond pay-by-traffic's",
      { network: { egressBandwidthMbps: 500 } },
      {},
      "hpc-fleet:network.egressBandwidthMbps",
      /whole number from 1 to 200/,
    ],
    [
      "an endpoint with an empty white list",
      { network: { adminCidrs: [] }, operatorAccess: WITH_CERTIFICATE_ID.operatorAccess },
      {},
      "hpc-fleet:network.adminCidrs",
      /an empty white list admits everyone/,
    ],
    [
      "an endpoint open to the whole internet",
      { network: { adminCidrs: ["0.0.0.0/0"] } },
      {},
      "hpc-fleet:network.adminCidrs[0]",
      /would admit the whole internet to the endpoint/,
    ],
    [
      "an endpoint asked for without a certificate",
      { operatorAccess: { endpoint: true, selfSigned: undefined } },
      {},
      "hpc-fleet:operatorAccess.certificateId",
      /is required when operatorAccess\.endpoint is true \(or give operatorAccess\.certificatePem, or operatorAccess\.selfSigned true for a lab\)/,
    ],
    [
      "a self-signed certificate and a CAS certificate id",
      { operatorAccess: { certificateId: "12345678" } },
      {},
      "hpc-fleet:operatorAccess.selfSigned",
      /conflicts with operatorAccess\.certificateId: give one certificate/,
    ],
    [
      "a self-signed certificate and a PEM certificate",
      { operatorAccess: { certificatePem: CERTIFICATE_PEM } },
      PEM_SECRETS,
      "hpc-fleet:operatorAccess.selfSigned",
      /conflicts with operatorAccess\.certificatePem: give one certificate/,
    ],
    [
      "a self-signed certificate's name without the self-signed certificate",
      {
        operatorAccess: {
          ...WITH_CERTIFICATE_ID.operatorAccess,
          selfSignedDnsName: "fleet.lab.example.com",
        },
      },
      {},
      "hpc-fleet:operatorAccess.selfSignedDnsName",
      /applies only with operatorAccess\.selfSigned true/,
    ],
    [
      "a self-signed certificate's name that is no DNS name",
      { operatorAccess: { selfSignedDnsName: "Fleet Lab" } },
      {},
      "hpc-fleet:operatorAccess.selfSignedDnsName",
      /must be a lower-case DNS name of at most 64 characters/,
    ],
    [
      "two certificates",
      {
        operatorAccess: {
          certificateId: "12345678",
          certificatePem: CERTIFICATE_PEM,
          selfSigned: undefined,
        },
      },
      PEM_SECRETS,
      "hpc-fleet:operatorAccess.certificatePem",
      /conflicts with operatorAccess\.certificateId/,
    ],
    [
      "a PEM certificate without its key",
      { operatorAccess: { certificatePem: CERTIFICATE_PEM, selfSigned: undefined } },
      {},
      "hpc-fleet:operatorAccessPrivateKey",
      /operatorAccess\.certificatePem and operatorAccessPrivateKey go together/,
    ],
    [
      "a certificate that is not PEM",
      { operatorAccess: { certificatePem: "MIIB...", selfSigned: undefined } },
      PEM_SECRETS,
      "hpc-fleet:operatorAccess.certificatePem",
      /must be a PEM certificate \(chain\)/,
    ],
    [
      "a certificate id that is not CAS's",
      { operatorAccess: { certificateId: "cert-abc", selfSigned: undefined } },
      {},
      "hpc-fleet:operatorAccess.certificateId",
      /must be a CAS certificate id such as 12345678/,
    ],
    [
      "an endpoint in one zone",
      { network: { zones: ["cn-beijing-h"] }, operatorAccess: WITH_CERTIFICATE_ID.operatorAccess },
      {},
      "hpc-fleet:network.zones",
      /must list at least 2 zones: the load balancer needs two/,
    ],
    [
      "an endpoint on existing vSwitches whose blocks are not given",
      { network: EXISTING_VPC, operatorAccess: WITH_CERTIFICATE_ID.operatorAccess },
      {},
      "hpc-fleet:network.vSwitchCidrs",
      /must list the existing vSwitches' CIDR blocks when the operator endpoint is on/,
    ],
  ];

  it.each(cases)("refuse %s, under its key", (_case, overrides, secrets, key, reason) => {
    const problems = problemsFor(overrides, secrets);
    expect(problems.get(key)).toContainEqual(expect.stringMatching(reason));
  });

  it("refuse the private key in plain text, and never echo it", () => {
    const problems = problemsFor({
      operatorAccess: { certificatePem: CERTIFICATE_PEM, selfSigned: undefined },
      operatorAccessPrivateKey: PRIVATE_KEY_PEM,
    });
    expect(problems.get("hpc-fleet:operatorAccessPrivateKey")).toEqual([
      "is stored in plain text: set it with pulumi config set --secret hpc-fleet:operatorAccessPrivateKey",
    ]);
    const badKey = problemsFor(
      { operatorAccess: { certificatePem: CERTIFICATE_PEM, selfSigned: undefined } },
      { operatorAccessPrivateKey: "not-a-key-but-still-secret" },
    );
    expect(badKey.get("hpc-fleet:operatorAccessPrivateKey")).toContain("must be a PEM private key");
    expect([...badKey.values()].flat().join("\n")).not.toContain("not-a-key-but-still-secret");
  });

  it("accept an existing gateway in the existing VPC, and the endpoint there with the blocks given", () => {
    const config = stackConfig("dev", {
      network: {
        ...EXISTING_VPC,
        egress: "ngw-2ze0lab",
        vSwitchCidrs: ["172.16.0.0/24", "172.16.1.0/24"],
        vpcCidr: "172.16.0.0/16",
      },
      operatorAccess: WITH_CERTIFICATE_ID.operatorAccess,
    });
    expect(config.network).toMatchObject({ egress: "ngw-2ze0lab", natZone: undefined });
    expect(config.operatorAccess.endpoint).toBe(true);
  });
});
