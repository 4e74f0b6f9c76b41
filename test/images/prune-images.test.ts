// The prune end to end, through the real ECS and ESS SDK clients, against a local fake
// of the calls it makes that refuses what the real API refuses (support/fake-image-cloud.ts
// cites the docs): dry run by default, --apply deletes only what is old, this stack's,
// and used by nothing.
import { ImageCloud } from "../../tools/images/alicloud-images";
import {
  main,
  parseCommandLine,
  pruneImages,
  stackSettings,
  type PruneSettings,
} from "../../tools/images/prune-images";
import {
  FAKE_KEY_ID,
  FAKE_KEY_SECRET,
  FAKE_REGION,
  FakeImageCloud,
} from "./support/fake-image-cloud";

const HASH = "c".repeat(64);
const DEV = { project: "hpc-fleet", stack: "dev", role: "image", "content-hash": HASH };

let fake: FakeImageCloud;
let endpoint: string;

/** Images m-1 (oldest) to m-n of the dev stack, one a day. */
function devImages(n: number): void {
  for (let day = 1; day <= n; day++) {
    fake.addImage({ id: `m-${day}`, createdAt: Date.UTC(2026, 0, day), tags: { ...DEV } });
  }
}

const env = (): NodeJS.ProcessEnv => ({
  ALIBABA_CLOUD_ACCESS_KEY_ID: FAKE_KEY_ID,
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: FAKE_KEY_SECRET,
  HPC_PRUNE_ECS_ENDPOINT: endpoint,
  HPC_PRUNE_ESS_ENDPOINT: endpoint,
  HPC_PRUNE_PROTOCOL: "HTTP",
});

/** Runs the command; its exit code and the report it prints on stdout. */
async function run(...argv: string[]): Promise<{ code: number; report: Record<string, unknown> }> {
  const out: string[] = [];
  const stdout = jest.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    out.push(String(chunk));
    return true;
  });
  const stderr = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
  try {
    const code = await main(argv, env());
    return { code, report: JSON.parse(out.join("")) as Record<string, unknown> };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

const cloud = () =>
  new ImageCloud({
    region: FAKE_REGION,
    credentials: { accessKeyId: FAKE_KEY_ID, accessKeySecret: FAKE_KEY_SECRET },
    ecsEndpoint: endpoint,
    essEndpoint: endpoint,
    protocol: "HTTP",
    retryDelayMs: 1,
  });

beforeEach(async () => {
  fake = new FakeImageCloud();
  endpoint = await fake.start();
});
afterEach(() => fake.stop());

describe("npm run images:prune", () => {
  it("reads the region and image.keepImages (default 3) from the stack file", () => {
    expect(stackSettings("dev")).toEqual({
      region: FAKE_REGION,
      project: "hpc-fleet",
      stack: "dev",
      keep: 3,
    });
  });

  it("says what it would delete and deletes nothing without --apply", async () => {
    devImages(5);
    const { code, report } = await run("-s", "dev", "--current-image", "m-5");
    expect(code).toBe(0);
    expect(report).toMatchObject({ outcome: "dry-run", deleted: ["m-2", "m-1"] });
    expect(fake.callsOf("DeleteImage")).toEqual([]);
    expect([...fake.images.keys()].sort()).toEqual(["m-1", "m-2", "m-3", "m-4", "m-5"]);
  });

  it("with --apply keeps the 3 newest and deletes the older ones and their snapshots", async () => {
    devImages(5);
    const { code, report } = await run("-s", "dev", "--current-image", "m-5", "--apply");
    expect(code).toBe(0);
    expect(report).toMatchObject({ outcome: "pruned", deletedSnapshots: ["s-2", "s-1"] });
    expect([...fake.images.keys()].sort()).toEqual(["m-3", "m-4", "m-5"]);
    expect([...fake.snapshots.keys()].sort()).toEqual(["s-3", "s-4", "s-5"]);
  });

  it("never deletes what a scaling configuration, an instance or the state uses", async () => {
    devImages(7);
    fake.scalingGroups.push({ ScalingGroupId: "asg-1", ActiveScalingConfigurationId: "asc-1" });
    fake.scalingConfigurations.push({
      ScalingConfigurationId: "asc-1",
      ScalingGroupId: "asg-1",
      ImageId: "m-1",
    });
    // Instances run from m-2, but DescribeImages' Usage has not caught up.
    Object.assign(fake.images.get("m-2")!, { instances: 2, reportsUsage: false });
    // Rolled back: the state names m-3, older than the three newest.
    const { report } = await run("-s", "dev", "--current-image", "m-3", "--apply");
    expect(report).toMatchObject({ outcome: "pruned", deleted: ["m-4"] });
    expect([...fake.images.keys()].sort()).toEqual(["m-1", "m-2", "m-3", "m-5", "m-6", "m-7"]);
    // The instances were seen before DeleteImage was asked.
    expect(fake.callsOf("DeleteImage").map((call) => call.params.ImageId)).toEqual(["m-4"]);
    const kept = Object.fromEntries(
      (report.kept as { id: string; reason: string }[]).map((k) => [k.id, k.reason]),
    );
    expect(kept).toMatchObject({
      "m-1": "a scaling configuration uses it",
      "m-2": "2 instance(s) run from it",
      "m-3": "the image the stack uses",
    });
  });

  it("never deletes another stack's image, even when the listing ignores the tag filter", async () => {
    devImages(2);
    fake.addImage({ id: "m-prod", createdAt: 0, tags: { ...DEV, stack: "prod" } });
    fake.faults.push({ action: "DescribeImages", kind: "ignore-tags", times: 1 });
    const { report } = await run("-s", "dev", "--current-image", "m-2", "--apply");
    expect(report).toMatchObject({ outcome: "pruned", deleted: [] });
    expect(fake.images.has("m-prod")).toBe(true);
  });

  it("deletes nothing, and fails, on a listing that came back short", async () => {
    devImages(5);
    fake.faults.push({ action: "DescribeImages", kind: "short-page", times: 1 });
    const { code, report } = await run("-s", "dev", "--current-image", "m-5", "--apply");
    expect(code).toBe(1);
    expect(report).toMatchObject({ outcome: "refused", deleted: [] });
    expect(fake.images.size).toBe(5);
  });

  it("needs -s STACK, and takes only an image id as --current-image", () => {
    expect(() => parseCommandLine(["--apply"])).toThrow(/-s STACK is required/);
    expect(() => parseCommandLine(["-s", "dev", "--current-image", "latest"])).toThrow(
      /--current-image must be an image id/,
    );
    expect(() => parseCommandLine(["-s", "dev", "--force"])).toThrow(/Unknown option '--force'/);
    expect(parseCommandLine(["-s", "dev"])).toMatchObject({ stack: "dev", apply: false });
  });
});

describe("DeleteImage as ECS answers it", () => {
  it("is refused for an image instances run from, and the prune keeps it", async () => {
    devImages(4);
    Object.assign(fake.images.get("m-1")!, { instances: 1, reportsUsage: false });
    await expect(cloud().deleteImage("m-1")).rejects.toMatchObject({
      code: "ImageUsingByInstance",
    });
    // Usage lagging and an instance count that missed them: DeleteImage's refusal still keeps m-1.
    const blind = cloud();
    blind.instanceCount = async () => 0;
    const settings: PruneSettings = {
      region: FAKE_REGION,
      project: "hpc-fleet",
      stack: "dev",
      keep: 3,
      currentImageId: "m-4",
    };
    const report = await pruneImages(blind, settings, { snapshotDelayMs: 1 });
    expect(report.outcome).toBe("pruned");
    expect(report.kept).toContainEqual({
      id: "m-1",
      reason: "ECS refused to delete it (ImageUsingByInstance)",
    });
    expect(fake.images.has("m-1")).toBe(true);
  });
});
