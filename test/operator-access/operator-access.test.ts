// The operators' ways in, as the fleet declares them for a shipped stack under the mocks:
// Session Manager to the hosts, and the HTTPS endpoint to the host-manager.
import { certificateDigest, TLS_POLICY } from "../../components/operator-access";
import type { FleetOutputs } from "../../components/fleet";
import { findResource, isSecretEnvelope, plain, resourcesOfType, runStack } from "../helpers/mocks";
import type { ConfigOverrides } from "../helpers/stacks";
import { tlsPrivateKeyOutputs, tlsCertificateOutputs } from "../../tools/mocks/provider-outputs";
import type { RecordedResource } from "../../tools/mocks/recorder";
import {
  ALB,
  ALB_ACL,
  ALB_ACL_ENTRY,
  ALB_LISTENER,
  ALB_LISTENER_ACL,
  ALB_SERVER_GROUP,
  CERTIFICATE,
  CONTAINER_GROUP,
  SECURITY_GROUP_RULE,
  SESSION_MANAGER,
  TLS_PRIVATE_KEY,
  TLS_SELF_SIGNED_CERT,
} from "../helpers/types";
import {
  CERTIFICATE_PEM,
  PEM_SECRETS,
  WITH_CERTIFICATE_ID,
  WITH_IMAGE,
  WITH_PEM,
  WITHOUT_CERTIFICATE,
} from "./fixtures";

const NAME = "hpc-dev-operator-access";
/** The mock ALB's DNS name (test/helpers/mocks.ts). */
/** The endpoint's own resources of `type` (the host-manager has TLS keys of its own). */
function ownResourcesOfType(resources: readonly RecordedResource[], type: string) {
  return resourcesOfType(resources, type).filter((resource) => resource.parent === NAME);
}

const ALB_DNS_NAME = `alb-${NAME}-alb.cn-beijing.alb.aliyuncs.com`;
const ENDPOINT_TYPES = [
  ALB,
  ALB_SERVER_GROUP,
  ALB_LISTENER,
  ALB_ACL,
  ALB_ACL_ENTRY,
  ALB_LISTENER_ACL,
  CERTIFICATE,
];

const run = (overrides: ConfigOverrides = {}, secrets = {}, stack = "dev") =>
  runStack(stack, { ...WITH_IMAGE, ...overrides }, { secrets });

/** The value of a stack output once it resolves. */
function outputValue<T>(outputs: unknown, key: keyof FleetOutputs): Promise<T> {
  const output = (outputs as Record<string, { apply: (f: (v: T) => void) => void }>)[key];
  return new Promise((resolve) => output.apply(resolve));
}

function cookieSecure(resources: Parameters<typeof findResource>[0]): unknown {
  const group = findResource(resources, CONTAINER_GROUP, "hpc-dev-host-manager-container");
  const [container] = plain<{ environmentVars: { key: string; value: unknown }[] }[]>(
    group.inputs.containers,
  );
  return container.environmentVars.find((v) => v.key === "HOST_MANAGER_COOKIE_SECURE")?.value;
}

describe("operator access", () => {
  describe("as the dev stack ships", () => {
    let resources: Awaited<ReturnType<typeof run>>["resources"];
    let outputs: unknown;
    beforeAll(async () => ({ resources, outputs } = await run()));

    it("turns Session Manager on, the RDP/WinRM path that needs no inbound rule", () => {
      expect(findResource(resources, SESSION_MANAGER, `${NAME}-session-manager`).inputs).toEqual({
        sessionManagerStatusName: "sessionManagerStatus",
        status: "Enabled",
      });
    });

    it("makes an RSA 2048 key and a year's self-signed server certificate for the ALB's name", () => {
      expect(findResource(resources, TLS_PRIVATE_KEY, `${NAME}-self-signed-key`).inputs).toEqual({
        algorithm: "RSA",
        rsaBits: 2048,
      });
      const certificate = findResource(resources, TLS_SELF_SIGNED_CERT, `${NAME}-self-signed-cert`);
      expect(certificate.parent).toBe(NAME);
      expect(certificate.inputs).toMatchObject({
        subject: { organization: "hpc-fleet", commonName: ALB_DNS_NAME },
        dnsNames: [ALB_DNS_NAME],
        validityPeriodHours: 8760,
        earlyRenewalHours: 720,
        allowedUses: ["server_auth", "digital_signature", "key_encipherment"],
      });
      expect(isSecretEnvelope(certificate.inputs.privateKeyPem)).toBe(true);
    });

    it("uploads the self-signed certificate to CAS, its key a secret, and listens with it", () => {
      const selfSigned = findResource(resources, TLS_SELF_SIGNED_CERT, `${NAME}-self-signed-cert`);
      const certPem = tlsCertificateOutputs(selfSigned.inputs, selfSigned.name).certPem;
      const upload = findResource(resources, CERTIFICATE, `${NAME}-certificate`);
      expect(upload.inputs).toMatchObject({
        certificateName: `${NAME}-${certificateDigest(String(certPem))}`,
        cert: certPem,
      });
      const key = upload.inputs.key;
      expect(isSecretEnvelope(key)).toBe(true);
      expect(isSecretEnvelope(key) && key.value).toBe(
        tlsPrivateKeyOutputs({}, `${NAME}-self-signed-key`).privateKeyPem,
      );
      expect(findResource(resources, ALB_LISTENER, `${NAME}-https`).inputs.certificates).toEqual({
        certificateId: `${NAME}-certificate-id-cn-beijing`,
      });
    });

    it("declares the whole endpoint, makes the cookie Secure and gives the URL", async () => {
      for (const type of ENDPOINT_TYPES) expect(resourcesOfType(resources, type)).not.toEqual([]);
      expect(await outputValue(outputs, "operatorUrl")).toBe(`https://${ALB_DNS_NAME}`);
      expect(cookieSecure(resources)).toBe("true");
    });
  });

  it("declares no endpoint without a certificate, and keeps the cookie plain", async () => {
    const { resources, outputs } = await run(WITHOUT_CERTIFICATE);
    for (const type of [...ENDPOINT_TYPES, TLS_PRIVATE_KEY, TLS_SELF_SIGNED_CERT]) {
      expect(ownResourcesOfType(resources, type)).toEqual([]);
    }
    expect(await outputValue(outputs, "operatorUrl")).toBeUndefined();
    expect(cookieSecure(resources)).toBe("false");
  });

  it("names the self-signed certificate as configured", async () => {
    const { resources } = await run({
      operatorAccess: { selfSignedDnsName: "fleet.lab.example.com" },
    });
    expect(
      findResource(resources, TLS_SELF_SIGNED_CERT, `${NAME}-self-signed-cert`).inputs,
    ).toMatchObject({
      subject: { commonName: "fleet.lab.example.com" },
      dnsNames: ["fleet.lab.example.com"],
    });
  });

  it("leaves Session Manager to the account when told to", async () => {
    const { resources } = await run({ operatorAccess: { sessionManager: false } });
    expect(resourcesOfType(resources, SESSION_MANAGER)).toEqual([]);
  });

  describe("with the endpoint on and a PEM certificate", () => {
    let resources: Awaited<ReturnType<typeof run>>["resources"];
    let outputs: unknown;
    beforeAll(async () => ({ resources, outputs } = await run(WITH_PEM, PEM_SECRETS)));

    it("uploads the certificate to CAS under a name of its digest, the key a secret", () => {
      const certificate = findResource(resources, CERTIFICATE, `${NAME}-certificate`);
      expect(certificate.inputs).toMatchObject({
        certificateName: `${NAME}-${certificateDigest(CERTIFICATE_PEM)}`,
        cert: CERTIFICATE_PEM,
      });
      expect(isSecretEnvelope(certificate.inputs.key)).toBe(true);
    });

    it("declares an internet-facing Standard ALB in the first two zones' vSwitches", () => {
      expect(findResource(resources, ALB, `${NAME}-alb`).inputs).toMatchObject({
        loadBalancerName: `${NAME}-alb`,
        vpcId: "hpc-dev-network-vpc-id",
        addressType: "Internet",
        loadBalancerEdition: "Standard",
        loadBalancerBillingConfig: { payType: "PayAsYouGo" },
        zoneMappings: [
          { zoneId: "cn-beijing-h", vswitchId: "hpc-dev-network-vsw-cn-beijing-h-id" },
          { zoneId: "cn-beijing-i", vswitchId: "hpc-dev-network-vsw-cn-beijing-i-id" },
        ],
      });
    });

    it("forwards over HTTPS to the host-manager's container group by id, on its port, with weight", () => {
      expect(
        findResource(resources, ALB_SERVER_GROUP, `${NAME}-host-manager`).inputs,
      ).toMatchObject({
        serverGroupType: "Instance",
        // The service serves only HTTPS on its port.
        protocol: "HTTPS",
        vpcId: "hpc-dev-network-vpc-id",
        healthCheckConfig: {
          healthCheckEnabled: true,
          healthCheckProtocol: "HTTPS",
          healthCheckPath: "/healthz",
        },
        servers: [
          {
            serverType: "Eci",
            serverId: "hpc-dev-host-manager-container-id",
            port: 8080,
            weight: 100,
          },
        ],
      });
    });

    it("listens on HTTPS 443 with the certificate, TLS 1.2 and later", () => {
      expect(findResource(resources, ALB_LISTENER, `${NAME}-https`).inputs).toMatchObject({
        loadBalancerId: `${NAME}-alb-id`,
        listenerProtocol: "HTTPS",
        listenerPort: 443,
        certificates: { certificateId: `${NAME}-certificate-id-cn-beijing` },
        securityPolicyId: TLS_POLICY,
        defaultActions: [
          {
            type: "ForwardGroup",
            forwardGroupConfig: {
              serverGroupTuples: [{ serverGroupId: `${NAME}-host-manager-id` }],
            },
          },
        ],
      });
    });

    it("white-lists the admin CIDRs, attached only once the entries exist", () => {
      const entries = resourcesOfType(resources, ALB_ACL_ENTRY);
      expect(entries.map((entry) => entry.inputs)).toEqual([
        {
          aclId: `${NAME}-admins-id`,
          entries: [{ entry: "203.0.113.0/28", description: "hpc-fleet/network.adminCidrs" }],
        },
      ]);
      const whiteList = findResource(resources, ALB_LISTENER_ACL, `${NAME}-https-white-list`);
      expect(whiteList.inputs).toEqual({
        listenerId: `${NAME}-https-id`,
        aclId: `${NAME}-admins-id`,
        aclType: "White",
      });
      expect(whiteList.options?.dependsOn).toEqual(
        entries.map((entry) => `${ALB_ACL_ENTRY}::${entry.name}`),
      );
    });

    it("opens the host-manager's port to the ALB's vSwitches only, once the white list is on", () => {
      const rules = resourcesOfType(resources, SECURITY_GROUP_RULE).filter((rule) =>
        rule.name.startsWith(`${NAME}-`),
      );
      expect(rules.map((rule) => rule.inputs)).toEqual(
        ["10.42.0.0/20", "10.42.16.0/20"].map((cidrIp) =>
          expect.objectContaining({
            securityGroupId: "hpc-dev-network-sg-host-manager-id",
            type: "ingress",
            ipProtocol: "tcp",
            portRange: "8080/8080",
            cidrIp,
          }),
        ),
      );
      for (const rule of rules) {
        expect(rule.options?.dependsOn).toEqual([`${ALB_LISTENER_ACL}::${NAME}-https-white-list`]);
      }
    });

    it("makes the status page's cookie Secure and gives the operators their URL", async () => {
      expect(cookieSecure(resources)).toBe("true");
      expect(await outputValue(outputs, "operatorUrl")).toBe(
        `https://alb-${NAME}-alb.cn-beijing.alb.aliyuncs.com`,
      );
    });
  });

  it("uses an existing certificate by its id and region, uploading none", async () => {
    const { resources } = await run(WITH_CERTIFICATE_ID);
    for (const type of [CERTIFICATE, TLS_PRIVATE_KEY, TLS_SELF_SIGNED_CERT]) {
      expect(ownResourcesOfType(resources, type)).toEqual([]);
    }
    expect(findResource(resources, ALB_LISTENER, `${NAME}-https`).inputs.certificates).toEqual({
      certificateId: "12345678-cn-beijing",
    });
  });

  it("takes two of Hangzhou's three zones for the ALB and for the rules", async () => {
    const { resources } = await run(WITH_CERTIFICATE_ID, {}, "prod-cn-hangzhou");
    const name = "hpc-prod-cn-hangzhou-operator-access";
    const zones = (
      findResource(resources, ALB, `${name}-alb`).inputs.zoneMappings as { zoneId: string }[]
    ).map((mapping) => mapping.zoneId);
    expect(zones).toEqual(["cn-hangzhou-h", "cn-hangzhou-i"]);
    const cidrs = resourcesOfType(resources, SECURITY_GROUP_RULE)
      .filter((rule) => rule.name.startsWith(`${name}-`))
      .map((rule) => rule.inputs.cidrIp);
    expect(cidrs).toEqual(["10.60.0.0/20", "10.60.16.0/20"]);
  });

  it("keeps the private key a secret in a preview too", async () => {
    const { resources } = await runStack(
      "dev",
      { ...WITH_IMAGE, ...WITH_PEM },
      { secrets: PEM_SECRETS, preview: true },
    );
    expect(
      isSecretEnvelope(findResource(resources, CERTIFICATE, `${NAME}-certificate`).inputs.key),
    ).toBe(true);
  });
});
