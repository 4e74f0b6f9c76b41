// The real ECS/ESS driver against a local fake speaking the RPC wire format:
// signing, paging, the exact parameters, and retries on throttling, 5xx and timeouts.
import { AlicloudDriver } from "../../../src/adapters/cloud/alicloud";
import { FakeAlicloud, FAKE_GROUP, type FakeInstance } from "../../support/fake-alicloud";
import { fakeCredential, fakeDriver } from "../../support/driver";
import { ManualClock } from "../../support/manual-clock";

describe("AlicloudDriver endpoints", () => {
  it.each([
    ["cn-hangzhou", "ecs-vpc.cn-hangzhou.aliyuncs.com", "ess-vpc.cn-hangzhou.aliyuncs.com"],
    ["cn-beijing", "ecs-vpc.cn-beijing.aliyuncs.com", "ess-vpc.cn-beijing.aliyuncs.com"],
    [
      "ap-southeast-1",
      "ecs-vpc.ap-southeast-1.aliyuncs.com",
      "ess-vpc.ap-southeast-1.aliyuncs.com",
    ],
  ])("sends %s calls to the VPC endpoints by default", (region, ecs, ess) => {
    // Read back from the SDK clients: the host they put in every request's URL. In
    // cn-hangzhou the ECS client's own map would have chosen the public host.
    const driver = new AlicloudDriver({
      region,
      scalingGroupId: "asg-1",
      credential: fakeCredential(),
    });
    expect(driver.endpoints).toEqual({ ecs, ess });
  });

  it("takes explicit endpoints over the defaults", () => {
    const driver = new AlicloudDriver({
      region: "cn-hangzhou",
      scalingGroupId: "asg-1",
      credential: fakeCredential(),
      ecsEndpoint: "ecs.cn-hangzhou.aliyuncs.com",
      essEndpoint: "ess.aliyuncs.com",
    });
    expect(driver.endpoints).toEqual({
      ecs: "ecs.cn-hangzhou.aliyuncs.com",
      ess: "ess.aliyuncs.com",
    });
  });
});

describe("AlicloudDriver", () => {
  let fake: FakeAlicloud;
  let endpoint: string;
  beforeEach(async () => {
    fake = new FakeAlicloud();
    endpoint = await fake.start();
  });
  afterEach(() => fake.stop());

  it("lists the whole scaling group across ESS pages and ECS NextToken pages", async () => {
    const created = Date.UTC(2026, 0, 1, 10, 58);
    for (let i = 0; i < 130; i++) fake.launch(created);
    const instances = await fakeDriver(endpoint).listInstances();
    expect(instances).toHaveLength(130);
    expect(new Set(instances.map((i) => i.instanceId)).size).toBe(130);
    const first = fake.instances.get("i-fake00001");
    expect(instances.find((i) => i.instanceId === "i-fake00001")).toEqual({
      instanceId: "i-fake00001",
      privateIp: first?.privateIp,
      createdAt: created,
      lifecycleState: "InService",
      generation: null,
    });
    const ess = fake.callsOf("DescribeScalingInstances");
    expect(ess.map((c) => c.params.PageNumber)).toEqual(["1", "2", "3"]);
    expect(
      ess.every((c) => c.params.ScalingGroupId === FAKE_GROUP && c.version === "2014-08-28"),
    ).toBe(true);
    const ecs = fake.callsOf("DescribeInstances");
    // 100 ids then 30, each read 7 at a time: 15 + 5 pages.
    expect(ecs).toHaveLength(20);
    expect(ecs.every((c) => JSON.parse(c.params.InstanceIds).length <= 100)).toBe(true);
    expect(ecs.filter((c) => c.params.NextToken).length).toBe(18);
  });

  describe("a listing that does not end or does not add up is refused, after a bounded number of calls", () => {
    /** The listing's outcome within 5 s: a hung one (the defect) fails the test, not the suite. */
    const listWithin5s = (driver: ReturnType<typeof fakeDriver>) =>
      Promise.race([
        driver.listInstances(),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error("the listing did not end within 5 s")), 5_000).unref(),
        ),
      ]);

    it("DescribeScalingInstances repeating its first page under a TotalCount that is never reached", async () => {
      for (let i = 0; i < 60; i++) fake.launch();
      fake.listing.essRepeatFirstPage = true;
      fake.listing.essTotalCount = 1_000_000_000;
      await expect(listWithin5s(fakeDriver(endpoint))).rejects.toMatchObject({
        name: "ListingError",
      });
      expect(fake.callsOf("DescribeScalingInstances").length).toBeLessThanOrEqual(2);
      expect(fake.callsOf("DescribeInstances")).toEqual([]);
    });

    it("DescribeScalingInstances claiming more than a group can hold", async () => {
      for (let i = 0; i < 3; i++) fake.launch();
      fake.listing.essTotalCount = 1_000_000_000;
      await expect(listWithin5s(fakeDriver(endpoint))).rejects.toThrow(/does not add up/);
    });

    it("DescribeInstances repeating its NextToken", async () => {
      for (let i = 0; i < 20; i++) fake.launch();
      fake.listing.ecsRepeatNextToken = true;
      await expect(listWithin5s(fakeDriver(endpoint))).rejects.toThrow(/repeated its NextToken/);
      expect(fake.callsOf("DescribeInstances").length).toBeLessThanOrEqual(3);
    });

    it("a page without TotalCount", async () => {
      fake.launch();
      fake.listing.essOmitTotalCount = true;
      await expect(listWithin5s(fakeDriver(endpoint))).rejects.toThrow(/has no TotalCount/);
    });

    it("a first page shorter than the total (rows lost)", async () => {
      for (let i = 0; i < 120; i++) fake.launch();
      fake.listing.essFirstPageRows = 10;
      await expect(listWithin5s(fakeDriver(endpoint))).rejects.toThrow(
        /80 distinct instances, TotalCount 120/,
      );
    });

    it("stops before its next call once aborted", async () => {
      for (let i = 0; i < 120; i++) fake.launch();
      const controller = new AbortController();
      controller.abort(new Error("deadline"));
      await expect(
        fakeDriver(endpoint).listInstances({ signal: controller.signal }),
      ).rejects.toThrow("deadline");
      expect(fake.calls).toEqual([]);
    });
  });

  it("reads each instance's generation from its ECS tags, null when untagged", async () => {
    fake.launch();
    fake.generation = "0123456789abcdef";
    for (let i = 0; i < 10; i++) fake.launch();
    fake.generation = "fedcba9876543210";
    fake.launch();
    (fake.instances.get("i-fake00003") as FakeInstance).tags["other"] = "x";
    const instances = await fakeDriver(endpoint).listInstances();
    const generationOf = (id: string) => instances.find((i) => i.instanceId === id)?.generation;
    expect(generationOf("i-fake00001")).toBeNull();
    expect(generationOf("i-fake00002")).toBe("0123456789abcdef");
    expect(generationOf("i-fake00003")).toBe("0123456789abcdef");
    expect(generationOf("i-fake00012")).toBe("fedcba9876543210");
    // The tags came over the wire, across DescribeInstances pages (7 a page here).
    expect(fake.callsOf("DescribeInstances").length).toBeGreaterThan(1);
  });

  it("reads each instance's zone from DescribeInstances, absent when ECS leaves it out", async () => {
    fake.launch();
    fake.launch();
    (fake.instances.get("i-fake00001") as FakeInstance).zone = "cn-hangzhou-h";
    const instances = await fakeDriver(endpoint).listInstances();
    expect(instances.find((i) => i.instanceId === "i-fake00001")?.zone).toBe("cn-hangzhou-h");
    expect(instances.find((i) => i.instanceId === "i-fake00002")).not.toHaveProperty("zone");
  });

  it("dates an instance the cloud gives no creation time by the injected clock", async () => {
    fake.launch(null);
    const clock = new ManualClock(Date.UTC(2026, 5, 1));
    const [instance] = await fakeDriver(endpoint, { clock }).listInstances();
    expect(instance?.createdAt).toBe(clock.now());
  });

  it("signs requests: a wrong secret is refused and not retried", async () => {
    fake.launch();
    await expect(
      fakeDriver(endpoint, { secret: "wrong" }).rebootInstance("i-fake00001"),
    ).rejects.toMatchObject({
      code: "SignatureDoesNotMatch",
    });
    expect(fake.calls).toHaveLength(1);
    expect(fake.reboots).toEqual([]);
  });

  it("reboots through ECS RebootInstance", async () => {
    fake.launch();
    await fakeDriver(endpoint).rebootInstance("i-fake00001");
    expect(fake.callsOf("RebootInstance")[0].params.InstanceId).toBe("i-fake00001");
    expect(fake.reboots).toEqual(["i-fake00001"]);
  });

  it("replaces with RemoveInstances without lowering the desired capacity", async () => {
    fake.launch();
    await fakeDriver(endpoint).replaceInstance("i-fake00001", "remove");
    const call = fake.callsOf("RemoveInstances")[0];
    expect(call.params).toMatchObject({
      "InstanceId.1": "i-fake00001",
      DecreaseDesiredCapacity: "false",
      ScalingGroupId: FAKE_GROUP,
    });
    expect(fake.replaced).toEqual([
      expect.objectContaining({ instanceId: "i-fake00001", via: "RemoveInstances" }),
    ]);
  });

  describe("RemoveInstances", () => {
    const ids = (n: number) =>
      Array.from({ length: n }, (_, i) => `i-fake${String(i + 1).padStart(5, "0")}`);
    /** The driver's ESS call, bypassing its own 20-id guard, to see what the fake refuses. */
    const rawEss = (driver: AlicloudDriver) =>
      (
        driver as unknown as { callEss(action: string, query: object): Promise<unknown> }
      ).callEss.bind(driver);

    it("removes up to 20 instances in one call, with a ClientToken, keeping the desired capacity", async () => {
      for (let i = 0; i < 20; i++) fake.launch();
      const answer = await fakeDriver(endpoint).removeInstances(ids(20), "token-1");
      expect(answer.activityId).toMatch(/^asa-/);
      const [call] = fake.callsOf("RemoveInstances");
      expect(call.params).toMatchObject({
        "InstanceId.1": "i-fake00001",
        "InstanceId.20": "i-fake00020",
        DecreaseDesiredCapacity: "false",
        ClientToken: "token-1",
        ScalingGroupId: FAKE_GROUP,
      });
      expect(fake.replaced).toHaveLength(20);
    });

    it("never sends more than 20, and the fake refuses more as ESS does", async () => {
      for (let i = 0; i < 21; i++) fake.launch();
      const driver = fakeDriver(endpoint);
      await expect(driver.removeInstances(ids(21), "t")).rejects.toThrow(RangeError);
      expect(fake.callsOf("RemoveInstances")).toEqual([]);
      const query = Object.fromEntries(ids(21).map((id, i) => [`InstanceId.${i + 1}`, id]));
      await expect(
        rawEss(driver)("RemoveInstances", {
          ScalingGroupId: FAKE_GROUP,
          DecreaseDesiredCapacity: false,
          ...query,
        }),
      ).rejects.toMatchObject({ code: "InvalidParameter" });
      expect(fake.replaced).toEqual([]);
    });

    it("a resent request with the same ClientToken is answered again, not carried out again", async () => {
      for (let i = 0; i < 3; i++) fake.launch();
      const driver = fakeDriver(endpoint);
      const first = await driver.removeInstances(ids(2), "same");
      const again = await driver.removeInstances(ids(2), "same");
      expect(again).toEqual(first);
      expect(fake.replaced).toHaveLength(2);
      await expect(driver.removeInstances([ids(3)[2] as string], "same")).rejects.toMatchObject({
        code: "IdempotentParameterMismatch",
      });
    });

    it("retries while a scaling activity is in progress, then is accepted", async () => {
      fake.launch();
      fake.startActivity(60);
      const driver = fakeDriver(endpoint, {
        retry: { retries: 8, baseDelayMs: 20, maxDelayMs: 60 },
      });
      await driver.removeInstances(ids(1), "t");
      const statuses = fake.callsOf("RemoveInstances").map((c) => c.status);
      expect(statuses[0]).toBe(400);
      expect(statuses.at(-1)).toBe(200);
      expect(fake.replaced).toHaveLength(1);
    });

    it.each([
      ["below MinSize", (f: FakeAlicloud) => (f.minSize = 2), "IncorrectCapacity.MinSize"],
      [
        "the group not Active",
        (f: FakeAlicloud) => (f.groupState = "Inactive"),
        "IncorrectScalingGroupStatus",
      ],
      [
        "an activity in progress",
        (f: FakeAlicloud) => f.startActivity(60_000),
        "ScalingActivityInProgress",
      ],
    ])(
      "is refused with %s, retried with backoff, and gives up with the code",
      async (_name, set, code) => {
        fake.launch();
        fake.launch();
        set(fake);
        await expect(fakeDriver(endpoint).removeInstances(ids(1), "t")).rejects.toMatchObject({
          code,
        });
        // The first try and FAST_RETRY's three retries.
        expect(fake.callsOf("RemoveInstances").map((c) => c.status)).toEqual([400, 400, 400, 400]);
        expect(fake.replaced).toEqual([]);
      },
    );

    it("is throttled past the API's rate as ESS throttles: Throttling.User, HTTP 400", async () => {
      for (let i = 0; i < 3; i++) fake.launch();
      fake.activityMs = 0;
      fake.rateLimits.RemoveInstances = 1;
      const driver = fakeDriver(endpoint, { retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 } });
      await driver.removeInstances(ids(1), "a");
      await expect(driver.removeInstances([ids(2)[1] as string], "b")).rejects.toMatchObject({
        code: "Throttling.User",
        statusCode: 400,
      });
    });
  });

  it("replaces with SetInstanceHealth Unhealthy", async () => {
    fake.launch();
    await fakeDriver(endpoint).replaceInstance("i-fake00001", "set-unhealthy");
    expect(fake.callsOf("SetInstanceHealth")[0].params).toMatchObject({
      InstanceId: "i-fake00001",
      HealthStatus: "Unhealthy",
    });
  });

  it.each([
    ["throttle", 400],
    ["server-error", 500],
    ["unavailable", 503],
  ] as const)("retries a listing on %s and then succeeds", async (kind, status) => {
    fake.launch();
    fake.faults.push({ action: "DescribeScalingInstances", kind, times: 2 });
    expect(await fakeDriver(endpoint).listInstances()).toHaveLength(1);
    expect(fake.callsOf("DescribeScalingInstances").map((c) => c.status)).toEqual([
      status,
      status,
      200,
    ]);
  });

  it("resends a throttled RebootInstance: flow control refuses before ECS acts", async () => {
    fake.launch();
    fake.faults.push({ action: "RebootInstance", kind: "throttle", times: 2 });
    await fakeDriver(endpoint).rebootInstance("i-fake00001");
    expect(fake.callsOf("RebootInstance").map((c) => c.status)).toEqual([400, 400, 200]);
    expect(fake.reboots).toEqual(["i-fake00001"]);
  });

  // RebootInstance has no ClientToken: after an answer that does not say it was not
  // carried out, a second one could reboot twice.
  it.each(["server-error", "unavailable", "gateway-html", "timeout", "lost-answer"] as const)(
    "never resends a RebootInstance after %s",
    async (kind) => {
      fake.launch();
      fake.faults.push({ action: "RebootInstance", kind, times: 5 });
      await expect(
        fakeDriver(endpoint, { readTimeoutMs: 300 }).rebootInstance("i-fake00001"),
      ).rejects.toBeDefined();
      expect(fake.callsOf("RebootInstance")).toHaveLength(1);
    },
  );

  it("retries a read timeout", async () => {
    fake.launch();
    fake.faults.push({ action: "DescribeScalingInstances", kind: "timeout", times: 1 });
    const instances = await fakeDriver(endpoint, { readTimeoutMs: 300 }).listInstances();
    expect(instances).toHaveLength(1);
    expect(fake.callsOf("DescribeScalingInstances").map((c) => c.status)).toEqual([0, 200]);
  });

  it("gives up after the retry limit with the cloud's error code", async () => {
    fake.launch();
    fake.faults.push({ action: "RebootInstance", kind: "throttle", times: 100 });
    await expect(fakeDriver(endpoint).rebootInstance("i-fake00001")).rejects.toMatchObject({
      code: "Throttling.User",
    });
    expect(fake.callsOf("RebootInstance")).toHaveLength(4);
    expect(fake.reboots).toEqual([]);
  });

  it("does not retry a client error", async () => {
    await expect(fakeDriver(endpoint).rebootInstance("i-gone")).rejects.toMatchObject({
      code: "InvalidInstanceId.NotFound",
    });
    expect(fake.callsOf("RebootInstance")).toHaveLength(1);
  });
});
