// Builds the real Alibaba Cloud driver pointed at a FakeAlicloud, with fast retries.
import Credential, { Config as CredentialConfig } from "@alicloud/credentials";
import type { Clock } from "../../src/clock";
import { AlicloudDriver } from "../../src/adapters/cloud/alicloud";
import type { RetryOptions } from "../../src/adapters/cloud/retry";
import {
  FAKE_ACCESS_KEY_ID,
  FAKE_ACCESS_KEY_SECRET,
  FAKE_GROUP,
  FAKE_REGION,
} from "./fake-alicloud";

export const FAST_RETRY: RetryOptions = { retries: 3, baseDelayMs: 5, maxDelayMs: 20 };

/** The fake's access key, or another secret (which the fake refuses). */
export function fakeCredential(secret: string = FAKE_ACCESS_KEY_SECRET): Credential {
  return new Credential(
    new CredentialConfig({
      type: "access_key",
      accessKeyId: FAKE_ACCESS_KEY_ID,
      accessKeySecret: secret,
    }),
  );
}

export function fakeDriver(
  endpoint: string,
  overrides: {
    secret?: string;
    retry?: RetryOptions;
    readTimeoutMs?: number;
    connectTimeoutMs?: number;
    clock?: Clock;
  } = {},
): AlicloudDriver {
  const credential = fakeCredential(overrides.secret);
  return new AlicloudDriver({
    region: FAKE_REGION,
    scalingGroupId: FAKE_GROUP,
    credential,
    ecsEndpoint: endpoint,
    essEndpoint: endpoint,
    protocol: "HTTP",
    readTimeoutMs: overrides.readTimeoutMs ?? 2_000,
    connectTimeoutMs: overrides.connectTimeoutMs ?? 1_000,
    retry: overrides.retry ?? FAST_RETRY,
    ...(overrides.clock ? { clock: overrides.clock } : {}),
  });
}
