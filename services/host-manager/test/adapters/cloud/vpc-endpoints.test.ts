// The driver on the VPC endpoints, end to end: the fake ECS/ESS answers only on
// ecs-vpc.<region> and ess-vpc.<region> (as a host in a VPC without a public address
// sees the APIs), and the driver's default host names resolve to it here (the names
// resolved to the loopback address, as the VPC's DNS resolves them to the endpoints).
// Its calls reach it; a public host name gets no answer.
import dns from "node:dns";
import { AlicloudDriver, vpcEndpoints } from "../../../src/adapters/cloud/alicloud";
import { fakeCredential, FAST_RETRY } from "../../support/driver";
import { FakeAlicloud, FAKE_GROUP, FAKE_REGION } from "../../support/fake-alicloud";

type Lookup = typeof dns.lookup;
const realLookup: Lookup = dns.lookup;

/** Every *.aliyuncs.com name resolves to 127.0.0.1 until the test ends. */
function resolveAliyunToLoopback(): void {
  const lookup = (host: string, options: unknown, callback?: unknown) => {
    const done = (typeof options === "function" ? options : callback) as (
      ...args: unknown[]
    ) => void;
    const opts = typeof options === "object" && options !== null ? options : {};
    if (!host.endsWith(".aliyuncs.com")) return realLookup(host, opts as dns.LookupOptions, done);
    if ((opts as dns.LookupOptions).all) return done(null, [{ address: "127.0.0.1", family: 4 }]);
    return done(null, "127.0.0.1", 4);
  };
  dns.lookup = lookup as unknown as Lookup;
}

let fake: FakeAlicloud;
let port: string;
beforeEach(async () => {
  fake = new FakeAlicloud();
  fake.vpcOnly = true;
  port = (await fake.start()).split(":")[1] as string;
  resolveAliyunToLoopback();
});
afterEach(async () => {
  dns.lookup = realLookup;
  await fake.stop();
});

/** The driver on the region's default endpoints, on the fake's port. */
function driverOn(endpoints: { ecs: string; ess: string }): AlicloudDriver {
  return new AlicloudDriver({
    region: FAKE_REGION,
    scalingGroupId: FAKE_GROUP,
    credential: fakeCredential(),
    ecsEndpoint: `${endpoints.ecs}:${port}`,
    essEndpoint: `${endpoints.ess}:${port}`,
    protocol: "HTTP",
    readTimeoutMs: 500,
    connectTimeoutMs: 500,
    retry: FAST_RETRY,
  });
}

describe("the fake cloud on the VPC endpoints", () => {
  it("answers the driver's ECS and ESS calls on ecs-vpc and ess-vpc", async () => {
    for (let i = 0; i < 3; i++) fake.launch();
    const driver = driverOn(vpcEndpoints(FAKE_REGION));
    expect(await driver.listInstances()).toHaveLength(3);
    await driver.rebootInstance("i-fake00001");
    await driver.removeInstances(["i-fake00002"], "token-1");
    expect(
      new Set(fake.calls.map((call) => `${call.version} ${call.host} ${call.status}`)),
    ).toEqual(
      new Set([
        `2014-08-28 ess-vpc.${FAKE_REGION}.aliyuncs.com 200`,
        `2014-05-26 ecs-vpc.${FAKE_REGION}.aliyuncs.com 200`,
      ]),
    );
  });

  it("gives no answer on the public endpoints", async () => {
    fake.launch();
    const driver = driverOn({
      ecs: `ecs.${FAKE_REGION}.aliyuncs.com`,
      ess: "ess.aliyuncs.com",
    });
    await expect(driver.listInstances()).rejects.toThrow();
    expect(fake.calls.length).toBeGreaterThan(0);
    expect(fake.calls.every((call) => call.status === 0)).toBe(true);
  });
});
