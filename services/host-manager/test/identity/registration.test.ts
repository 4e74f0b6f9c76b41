// Hosts prove who they are (issue 15): registration by instance identity over real HTTP,
// against a local metadata service whose documents a test CA signs as Alibaba's does,
// and reports bound to the credential of the instance that registered.
import {
  CHALLENGE_TTL_SECONDS,
  HostStatus,
  REGISTER_CHALLENGE_PATH,
  REGISTER_PATH,
  REPORT_PATH,
} from "@hpc-fleet/fleet-contract";
import { simInstanceId, simPrivateIp } from "../../src/adapters/cloud/simulated";
import { readIdentity, startFakeMetadata, type FakeInstance } from "../support/fake-metadata";
import { report, TOKEN } from "../support/fixtures";
import { startTestService, type TestService } from "../support/service";
import { signedContent } from "../../src/identity/signed-document";
import { createTestCa, signAsMetadataService, type TestCa } from "../support/test-ca";

const ACCOUNT = "1335926999564873";
const REGION = "cn-beijing";

const instance = (n: number, overrides: Partial<FakeInstance> = {}): FakeInstance => ({
  instanceId: simInstanceId(n),
  accountId: ACCOUNT,
  regionId: REGION,
  privateIp: simPrivateIp(n),
  ...overrides,
});

let alibaba: TestCa;
let impostor: TestCa;
beforeAll(async () => {
  [alibaba, impostor] = await Promise.all([
    createTestCa("Test stand-in for Alibaba's identity signing certificate"),
    createTestCa("Some other CA"),
  ]);
});

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: "POST",
    headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

describe("registration by instance identity", () => {
  let t: TestService;
  let base: string;
  const closers: Array<() => Promise<void>> = [];

  beforeEach(async () => {
    t = await startTestService({
      env: {
        HOST_MANAGER_FLEET_TOKEN_FALLBACK: "false",
        HOST_MANAGER_ACCOUNT_ID: ACCOUNT,
        HOST_MANAGER_REGION: REGION,
        HOST_MANAGER_IDENTITY_SIGNING_CERT_PEM: alibaba.certPem,
      },
    });
    base = await t.listen();
  });
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
    await t.close();
  });

  async function metadataFor(fake: FakeInstance, signer: TestCa = alibaba) {
    const metadata = await startFakeMetadata(fake, signer);
    closers.push(() => metadata.close());
    return metadata.url;
  }

  async function challenge(): Promise<string> {
    const response = await post(`${base}${REGISTER_CHALLENGE_PATH}`, undefined);
    expect(response.status).toBe(200);
    expect(response.body.expiresInSeconds).toBe(CHALLENGE_TTL_SECONDS);
    return response.body.challenge as string;
  }

  /** What a host does at boot: a challenge, its signed identity with it, then registers. */
  async function register(metadataUrl: string, instanceId: string) {
    const audience = await challenge();
    const identity = await readIdentity(metadataUrl, audience);
    const body = { instanceId, challenge: audience, ...identity };
    return { body, response: await post(`${base}${REGISTER_PATH}`, body) };
  }

  const sendReport = (n: number, authorization: string, instanceId = simInstanceId(n)) =>
    post(`${base}${REPORT_PATH}`, report(instanceId, { privateIp: simPrivateIp(n) }), {
      authorization: `Bearer ${authorization}`,
    });

  test("a host in the group registers and reports with its own credential, stored only hashed", async () => {
    const { response } = await register(await metadataFor(instance(1)), simInstanceId(1));
    expect(response.status).toBe(200);
    expect(response.body.instanceId).toBe(simInstanceId(1));
    const credential = response.body.credential as string;
    expect(credential).toMatch(/^hmh_[A-Za-z0-9_-]{43}$/);
    expect((await sendReport(1, credential)).status).toBe(200);
    expect(t.service.store.get(simInstanceId(1))?.lastReportAt).not.toBeNull();
    const stored = t.service.credentials.hashOf(simInstanceId(1));
    expect(stored).toMatch(/^[0-9a-f]{64}$/);
    expect(
      JSON.stringify(t.service.db.prepare("SELECT * FROM host_credentials").all()),
    ).not.toContain(credential);
  });

  test("each registration replaces the host's credential: the last boot's alone is good", async () => {
    const metadata = await metadataFor(instance(1));
    const first = (await register(metadata, simInstanceId(1))).response.body.credential as string;
    const second = (await register(metadata, simInstanceId(1))).response.body.credential as string;
    expect(second).not.toBe(first);
    expect((await sendReport(1, first)).status).toBe(401);
    expect((await sendReport(1, second)).status).toBe(200);
  });

  test("a challenge is good once: a replayed registration is refused", async () => {
    const { body, response } = await register(await metadataFor(instance(1)), simInstanceId(1));
    expect(response.status).toBe(200);
    const replay = await post(`${base}${REGISTER_PATH}`, body);
    expect(replay.status).toBe(401);
    expect(replay.body.error).toMatch(/challenge/);
  });

  test("an expired challenge is refused", async () => {
    const metadata = await metadataFor(instance(1));
    const audience = await challenge();
    const identity = await readIdentity(metadata, audience);
    t.clock.advanceMs(CHALLENGE_TTL_SECONDS * 1000 + 1);
    const late = await post(`${base}${REGISTER_PATH}`, {
      instanceId: simInstanceId(1),
      challenge: audience,
      ...identity,
    });
    expect(late.status).toBe(401);
    expect(late.body.error).toMatch(/challenge/);
  });

  test("a challenge the service never issued is refused", async () => {
    const metadata = await metadataFor(instance(1));
    const made_up = "A".repeat(43);
    const identity = await readIdentity(metadata, made_up);
    const response = await post(`${base}${REGISTER_PATH}`, {
      instanceId: simInstanceId(1),
      challenge: made_up,
      ...identity,
    });
    expect(response.status).toBe(401);
  });

  test.each([
    ["another account", instance(1, { accountId: "9999999999999999" }), /account/],
    ["another region", instance(1, { regionId: "cn-hangzhou" }), /region/],
    ["an instance outside the group", instance(1, { instanceId: "i-outside0001" }), /group/],
  ])("a document for %s is refused, and no credential issued", async (_what, fake, message) => {
    const { response } = await register(await metadataFor(fake), fake.instanceId);
    expect(response.status).toBe(403);
    expect(response.body.error).toMatch(message);
    expect(response.body.credential).toBeUndefined();
    expect(t.service.credentials.hashOf(fake.instanceId)).toBeUndefined();
  });

  test("a document for another instance than the body names is refused", async () => {
    const { response } = await register(await metadataFor(instance(2)), simInstanceId(1));
    expect(response.status).toBe(403);
    expect(t.service.credentials.hashOf(simInstanceId(1))).toBeUndefined();
  });

  test("a tampered document is refused", async () => {
    const metadata = await metadataFor(instance(1));
    const audience = await challenge();
    const identity = await readIdentity(metadata, audience);
    // The signature is host 1's; the document now claims host 2.
    const document = identity.document.replace(simInstanceId(1), simInstanceId(2));
    const response = await post(`${base}${REGISTER_PATH}`, {
      instanceId: simInstanceId(2),
      challenge: audience,
      document,
      signature: identity.signature,
    });
    expect(response.status).toBe(401);
    expect(response.body.error).toMatch(/signature/);
    expect(t.service.credentials.hashOf(simInstanceId(2))).toBeUndefined();
  });

  test("a signature for another audience than the challenge sent is refused", async () => {
    const metadata = await metadataFor(instance(1));
    const audience = await challenge();
    const otherAudience = await challenge();
    const identity = await readIdentity(metadata, otherAudience);
    const response = await post(`${base}${REGISTER_PATH}`, {
      instanceId: simInstanceId(1),
      challenge: audience,
      ...identity,
    });
    expect(response.status).toBe(401);
  });

  test("a document signed by another CA (its certificate attached) is refused", async () => {
    const { response } = await register(await metadataFor(instance(1), impostor), simInstanceId(1));
    expect(response.status).toBe(401);
    expect(response.body.error).toMatch(/signature/);
  });

  test("a signature by another key that names Alibaba's certificate as its signer is refused", async () => {
    const metadata = await metadataFor(instance(1));
    const audience = await challenge();
    const { document } = await readIdentity(metadata, audience);
    const signature = await signAsMetadataService(impostor, signedContent(document, audience), {
      claimAs: alibaba.certificate,
    });
    const response = await post(`${base}${REGISTER_PATH}`, {
      instanceId: simInstanceId(1),
      challenge: audience,
      document,
      signature,
    });
    expect(response.status).toBe(401);
  });

  test("a signature carrying the document inside it is checked against the document sent", async () => {
    const metadata = await metadataFor(instance(1));
    const audience = await challenge();
    const { document } = await readIdentity(metadata, audience);
    const other = document.replace(simInstanceId(1), simInstanceId(2));
    const signature = await signAsMetadataService(alibaba, signedContent(other, audience), {
      attached: true,
    });
    const refused = await post(`${base}${REGISTER_PATH}`, {
      instanceId: simInstanceId(1),
      challenge: audience,
      document,
      signature,
    });
    expect(refused.status).toBe(401);
    // The same, carrying the very document sent: accepted.
    const audience2 = await challenge();
    const accepted = await post(`${base}${REGISTER_PATH}`, {
      instanceId: simInstanceId(1),
      challenge: audience2,
      document,
      signature: await signAsMetadataService(alibaba, signedContent(document, audience2), {
        attached: true,
      }),
    });
    expect(accepted.status).toBe(200);
  });

  test("a signature that is not PKCS#7 is refused", async () => {
    const audience = await challenge();
    const response = await post(`${base}${REGISTER_PATH}`, {
      instanceId: simInstanceId(1),
      challenge: audience,
      document: JSON.stringify({ "instance-id": simInstanceId(1) }),
      signature: Buffer.from("not a signature at all").toString("base64"),
    });
    expect(response.status).toBe(400);
  });

  test("a credential used for another instance is refused, and that host's record is unchanged", async () => {
    const one = (await register(await metadataFor(instance(1)), simInstanceId(1))).response.body
      .credential as string;
    const two = (await register(await metadataFor(instance(2)), simInstanceId(2))).response.body
      .credential as string;
    expect((await sendReport(2, two)).status).toBe(200);
    const before = JSON.stringify(t.service.store.get(simInstanceId(2)));
    const hashBefore = t.service.credentials.hashOf(simInstanceId(2));
    t.clock.advanceMinutes(1);
    const forged = await post(
      `${base}${REPORT_PATH}`,
      report(simInstanceId(2), { privateIp: simPrivateIp(2), status: HostStatus.clientFailed }),
      { authorization: `Bearer ${one}` },
    );
    expect(forged.status).toBe(403);
    expect(forged.body.error).toMatch(/another instance/);
    expect(JSON.stringify(t.service.store.get(simInstanceId(2)))).toBe(before);
    expect(t.service.credentials.hashOf(simInstanceId(2))).toBe(hashBefore);
  });

  test("the fleet token reports nothing while the fallback is off", async () => {
    expect((await sendReport(1, TOKEN)).status).toBe(401);
    expect(t.service.store.get(simInstanceId(1))?.lastReportAt).toBeNull();
  });

  test("challenges are rate-limited per address", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) {
      statuses.push((await post(`${base}${REGISTER_CHALLENGE_PATH}`, undefined)).status);
    }
    expect(statuses.slice(0, 20).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(20).every((s) => s === 429)).toBe(true);
  });
});

describe("the fleet-token fallback", () => {
  test("when on, the fleet token still reports (for one release)", async () => {
    const t = await startTestService({ env: { HOST_MANAGER_FLEET_TOKEN_FALLBACK: "true" } });
    try {
      const base = await t.listen();
      const response = await post(
        `${base}${REPORT_PATH}`,
        report(simInstanceId(1), { privateIp: simPrivateIp(1) }),
        { authorization: `Bearer ${TOKEN}` },
      );
      expect(response.status).toBe(200);
    } finally {
      await t.close();
    }
  });

  test("registration is refused while the signing certificate is not configured", async () => {
    const t = await startTestService({ env: { HOST_MANAGER_ACCOUNT_ID: ACCOUNT } });
    try {
      const base = await t.listen();
      expect((await post(`${base}${REGISTER_CHALLENGE_PATH}`, undefined)).status).toBe(503);
    } finally {
      await t.close();
    }
  });
});
