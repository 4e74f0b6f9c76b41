// The OperatorAccess's own rules, by property path: what it refuses before declaring anything.
import {
  endpointEnabled,
  operatorAccessArgProblems,
  type OperatorAccessArgs,
} from "../../components/operator-access";
import { CERTIFICATE_PEM, PRIVATE_KEY_PEM } from "./fixtures";

const args: OperatorAccessArgs = {
  region: "cn-beijing",
  zones: ["cn-beijing-h", "cn-beijing-i"],
  vpcId: "vpc-1",
  vSwitchIds: ["vsw-h", "vsw-i"],
  vSwitchCidrs: ["10.42.0.0/20", "10.42.16.0/20"],
  adminCidrs: ["203.0.113.0/28"],
  certificateId: "12345678",
  hostManagerContainerGroupId: "eci-1",
  hostManagerPort: 8080,
  hostManagerSecurityGroupId: "sg-hm",
  tags: {},
};

describe("the OperatorAccess's args", () => {
  it("accept an endpoint with a certificate and a white list", () => {
    expect(operatorAccessArgProblems(args)).toEqual([]);
    expect(
      operatorAccessArgProblems({
        ...args,
        certificateId: undefined,
        certificatePem: CERTIFICATE_PEM,
        privateKeyPem: PRIVATE_KEY_PEM,
      }),
    ).toEqual([]);
  });

  it("turn the endpoint on with a certificate unless told otherwise", () => {
    expect(endpointEnabled({})).toBe(false);
    expect(endpointEnabled({ certificateId: "1" })).toBe(true);
    expect(endpointEnabled({ certificatePem: CERTIFICATE_PEM })).toBe(true);
    expect(endpointEnabled({ certificateId: "1", endpoint: false })).toBe(false);
    expect(endpointEnabled({ selfSigned: true })).toBe(true);
    expect(endpointEnabled({ selfSigned: false })).toBe(false);
  });

  it("take a self-signed certificate alone, its name only with it", () => {
    const selfSigned = { ...args, certificateId: undefined, selfSigned: true };
    expect(operatorAccessArgProblems(selfSigned)).toEqual([]);
    expect(
      operatorAccessArgProblems({ ...selfSigned, selfSignedDnsName: "fleet.lab.example.com" }),
    ).toEqual([]);
    expect(operatorAccessArgProblems({ ...selfSigned, certificateId: "12345678" })).toEqual([
      { propertyPath: "selfSigned", reason: "conflicts with certificateId: give one certificate" },
    ]);
    expect(
      operatorAccessArgProblems({
        ...selfSigned,
        certificatePem: CERTIFICATE_PEM,
        privateKeyPem: PRIVATE_KEY_PEM,
      }),
    ).toEqual([
      { propertyPath: "selfSigned", reason: "conflicts with certificatePem: give one certificate" },
    ]);
    expect(
      operatorAccessArgProblems({ ...args, selfSignedDnsName: "fleet.lab.example.com" }),
    ).toEqual([{ propertyPath: "selfSignedDnsName", reason: "applies only with selfSigned true" }]);
  });

  it("refuse an empty white list: a White ACL without entries admits everyone", () => {
    expect(operatorAccessArgProblems({ ...args, adminCidrs: [] })).toEqual([
      {
        propertyPath: "adminCidrs",
        reason: "must list who may reach the endpoint: an empty white list admits everyone",
      },
    ]);
    // Without the endpoint there is no list to be empty.
    expect(operatorAccessArgProblems({ ...args, adminCidrs: [], endpoint: false })).toEqual([]);
  });

  it("refuse a /0 in the white list", () => {
    expect(operatorAccessArgProblems({ ...args, adminCidrs: ["0.0.0.0/0"] })).toEqual([
      {
        propertyPath: "adminCidrs[0]",
        reason: "0.0.0.0/0 would admit the whole internet to the endpoint",
      },
    ]);
  });

  it("need a certificate for an endpoint asked for, one certificate, and a key with a PEM", () => {
    expect(
      operatorAccessArgProblems({ ...args, endpoint: true, certificateId: undefined }),
    ).toEqual([
      {
        propertyPath: "certificateId",
        reason:
          "is required when endpoint is true (or give certificatePem, or selfSigned true for a lab)",
      },
    ]);
    expect(
      operatorAccessArgProblems({
        ...args,
        certificatePem: CERTIFICATE_PEM,
        privateKeyPem: PRIVATE_KEY_PEM,
      }),
    ).toEqual([
      {
        propertyPath: "certificatePem",
        reason: "conflicts with certificateId: give one certificate",
      },
    ]);
    expect(
      operatorAccessArgProblems({
        ...args,
        certificateId: undefined,
        certificatePem: CERTIFICATE_PEM,
      }),
    ).toEqual([
      { propertyPath: "privateKeyPem", reason: "certificatePem and privateKeyPem go together" },
    ]);
  });

  it("need two zones for the load balancer", () => {
    expect(
      operatorAccessArgProblems({
        ...args,
        zones: ["cn-beijing-h"],
        vSwitchCidrs: ["10.42.0.0/20"],
      }),
    ).toEqual([
      { propertyPath: "zones", reason: "must list at least 2 zones: the load balancer needs two" },
    ]);
  });

  it("name the other args in a reason as the caller calls them", () => {
    const problems = operatorAccessArgProblems(
      { certificatePem: CERTIFICATE_PEM },
      (propertyPath) => `operatorAccess.${propertyPath}`,
    );
    expect(problems).toEqual([
      {
        propertyPath: "privateKeyPem",
        reason: "operatorAccess.certificatePem and operatorAccess.privateKeyPem go together",
      },
    ]);
  });
});
