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
