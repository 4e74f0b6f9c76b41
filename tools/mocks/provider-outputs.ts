// What the mock providers answer for outputs only a real provider computes, shaped as the
// real ones are, so the values that flow from them (names, image references) look as they
// would in the cloud. Each is derived from the resource's name and inputs: the same inputs
// give the same value, and an input that would make the real provider generate a new one
// (a RandomId's keepers) gives a new one here too. Tests and the offline plan share them.
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import type { CloudOutputs } from "./recorder";

/** Hex digest of `parts`, the seed of every mock value. */
function digestOf(...parts: unknown[]): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex");
}

/** random.RandomId: `byteLength` bytes, as hex, base64 and decimal; new when its keepers change. */
export const randomIdOutputs: CloudOutputs = (inputs, name) => {
  const bytes = Buffer.from(digestOf(name, inputs.keepers ?? null), "hex").subarray(
    0,
    Number(inputs.byteLength),
  );
  return {
    hex: bytes.toString("hex"),
    b64Std: bytes.toString("base64"),
    b64Url: bytes.toString("base64url"),
    dec: BigInt(`0x${bytes.toString("hex") || "0"}`).toString(),
  };
};

/** The stack's region, as the provider is configured (`alicloud:region`). */
function region(): string {
  return new pulumi.Config("alicloud").get("region") ?? "cn-beijing";
}

/** nas.MountTarget: the address an NFS client mounts, `<10 hex>-<5>.<region>.nas.aliyuncs.com`. */
export const nasMountTargetOutputs: CloudOutputs = (inputs, name) => {
  const seed = digestOf(name, inputs.fileSystemId);
  return {
    mountTargetDomain: `${seed.slice(0, 10)}-${seed.slice(10, 15)}.${region()}.nas.aliyuncs.com`,
  };
};

/**
 * docker-build Image: what a push reports, `digest` (`sha256:` and 64 hex digits, the
 * manifest's) and `ref` (the first tag `@` that digest; image.d.ts:544-553, 654-670).
 * New whenever what is built or where it goes changes, as a real build's would be.
 */
export const dockerBuildImageOutputs: CloudOutputs = (inputs, name) => {
  const digest = `sha256:${digestOf(name, inputs.context, inputs.dockerfile, inputs.tags, inputs.platforms, inputs.buildArgs)}`;
  const tags = Array.isArray(inputs.tags) ? (inputs.tags as string[]) : [];
  return { digest, ref: tags.length > 0 ? `${tags[0]}@${digest}` : "" };
};

/**
 * cs.getRegistryEnterpriseInstances: one Enterprise Edition instance per id asked for,
 * named after it, with the login the data source gets from GetAuthorizationToken
 * (data_source_alicloud_cr_ee_instances.go:255-273). An id is an instance only if it
 * starts `cri-`, as the real ones do; any other id matches none, as in the cloud.
 */
export function registryEnterpriseInstancesCall(
  inputs: Record<string, unknown>,
): Record<string, unknown> {
  const ids = (Array.isArray(inputs.ids) ? (inputs.ids as string[]) : []).filter((id) =>
    id.startsWith("cri-"),
  );
  const instances = ids.map((id) => {
    const name = `hpc-${id.slice("cri-".length, "cri-".length + 8)}`;
    return {
      id,
      name,
      region: region(),
      specification: "Basic",
      namespaceQuota: "15",
      namespaceUsage: "0",
      repoQuota: "1000",
      repoUsage: "0",
      publicEndpoints: [],
      vpcEndpoints: [],
      tags: {},
      tempUsername: "cr_temp_user",
      authorizationToken: `mock-authorization-token-${digestOf(id).slice(0, 12)}`,
    };
  });
  return { ids, names: instances.map((instance) => instance.name), instances };
}

/** A PEM block of `label` whose body is `seed`'s digest: PEM-shaped, not a real key or certificate. */
function mockPem(label: string, seed: string): string {
  const body = Buffer.from(digestOf(seed).repeat(2), "hex").toString("base64");
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

/** tls.PrivateKey: a mock PEM key, the same for the same resource (privateKey.d.ts, privateKeyPem). */
export const tlsPrivateKeyOutputs: CloudOutputs = (_inputs, name) => ({
  privateKeyPem: mockPem("PRIVATE KEY", name),
});

/**
 * tls.SelfSignedCert and tls.LocallySignedCert: a mock PEM certificate, new whenever an
 * input changes, as every input but earlyRenewalHours replaces a real one (force-new.ts);
 * and its validity window.
 */
export const tlsCertificateOutputs: CloudOutputs = (inputs, name) => {
  const { earlyRenewalHours: _ignored, ...replacing } = inputs;
  const start = new Date(Date.UTC(2030, 0, 1));
  const end = new Date(start.getTime() + Number(inputs.validityPeriodHours) * 3600 * 1000);
  return {
    certPem: mockPem("CERTIFICATE", JSON.stringify([name, replacing])),
    validityStartTime: start.toISOString(),
    validityEndTime: end.toISOString(),
    readyForRenewal: false,
  };
};

/** tls.CertRequest: a mock PEM request, new whenever an input changes (certRequest.d.ts, certRequestPem). */
export const tlsCertRequestOutputs: CloudOutputs = (inputs, name) => ({
  certRequestPem: mockPem("CERTIFICATE REQUEST", JSON.stringify([name, inputs])),
});
