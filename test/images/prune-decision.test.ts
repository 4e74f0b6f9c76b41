// Which images a prune deletes: the N newest this stack built stay, so does anything a
// scaling configuration or an instance uses, and nothing is deleted on doubt.
import {
  decidePrune,
  type ListedImage,
  type PruneDecision,
  type PruneInputs,
} from "../../tools/images/prune-decision";

const STACK = { project: "hpc-fleet", stack: "dev" };
const HASH = "c".repeat(64);

/** This stack's image `n`, made on day `n` of 2026. */
function image(n: number, overrides: Partial<ListedImage> = {}): ListedImage {
  return {
    id: `m-${n}`,
    creationTime: new Date(Date.UTC(2026, 0, n, 10, 58)).toISOString().replace(/\.000Z$/, "Z"),
    tags: { ...STACK, role: "image", Name: "hpc-dev-image", "content-hash": HASH },
    usage: "none",
    snapshotIds: [`s-${n}`],
    ...overrides,
  };
}

function decide(overrides: Partial<PruneInputs>): PruneDecision {
  return decidePrune({
    images: [1, 2, 3, 4, 5].map((n) => image(n)),
    inUseImageIds: new Set(),
    currentImageId: "m-5",
    keep: 3,
    stackTags: STACK,
    ...overrides,
  });
}

const removed = (decision: PruneDecision) =>
  decision.kind === "prune" ? decision.remove.map((listed) => listed.id) : decision.reason;
const reasons = (decision: PruneDecision) =>
  Object.fromEntries(decision.kept.map((kept) => [kept.id, kept.reason]));

describe("the prune decision", () => {
  it("keeps the N newest this stack built, the current one among them, in any listing order", () => {
    const decision = decide({ images: [3, 1, 5, 2, 4].map((n) => image(n)) });
    expect(removed(decision)).toEqual(["m-2", "m-1"]);
    expect(reasons(decision)).toEqual({
      "m-5": "the current build",
      "m-4": "one of the 3 newest",
      "m-3": "one of the 3 newest",
    });
  });

  it("with keep 1 deletes all but the current image", () => {
    expect(removed(decide({ keep: 1 }))).toEqual(["m-4", "m-3", "m-2", "m-1"]);
  });

  it("deletes nothing while there are no more than N", () => {
    expect(removed(decide({ images: [image(4), image(5)] }))).toEqual([]);
  });

  it("keeps the current image even when it is not among the newest", () => {
    const decision = decide({ currentImageId: "m-1", keep: 2 });
    expect(removed(decision)).toEqual(["m-3", "m-2"]);
    expect(reasons(decision)["m-1"]).toBe("the current build");
  });

  it("never deletes an image a scaling configuration uses, an instance runs or another account shares", () => {
    const decision = decide({
      images: [
        image(1, { usage: "instance" }),
        image(2, { shared: true }),
        image(3),
        image(4),
        image(5),
      ],
      inUseImageIds: new Set(["m-3"]),
      keep: 2,
    });
    expect(removed(decision)).toEqual([]);
    expect(reasons(decision)).toMatchObject({
      "m-3": "a scaling configuration uses it",
      "m-2": "it is shared with other accounts",
      "m-1": "instances use it (Usage instance)",
    });
  });

  it.each([
    ["another stack", { stack: "prod-cn-hangzhou" }],
    ["another project", { project: "other" }],
    ["another role", { role: "host-manager" }],
    ["no content hash (not a Packer build)", { "content-hash": undefined }],
  ])("never deletes an image of %s, whatever the listing's filter let through", (_case, tags) => {
    const foreign = image(0, { id: "m-foreign" });
    const listed = { ...foreign, tags: { ...foreign.tags, ...tags } as Record<string, string> };
    const decision = decide({ images: [listed, ...[1, 2, 3, 4, 5].map((n) => image(n))] });
    expect(removed(decision)).toEqual(["m-2", "m-1"]);
    expect(reasons(decision)["m-foreign"]).toBe("this stack did not build it");
  });

  it("deletes nothing when the listing lacks the image just built (incomplete, or a failed build)", () => {
    const decision = decide({ images: [1, 2, 3, 4].map((n) => image(n)) });
    expect(decision.kind).toBe("refuse");
    expect(removed(decision)).toMatch(/does not hold the image just built \(m-5\)/);
  });

  it("deletes nothing when an image's age is unknown", () => {
    const decision = decide({ images: [image(1, { creationTime: "soon" }), image(4), image(5)] });
    expect(removed(decision)).toMatch(/no creation time for m-1/);
  });

  it("deletes nothing when the listing names an image twice", () => {
    const decision = decide({
      images: [image(1), image(1), image(2), image(3), image(4), image(5)],
    });
    expect(removed(decision)).toMatch(/names an image twice/);
  });

  it.each([0, -1, 1.5, Number.NaN])("deletes nothing with keep %s", (keep) => {
    expect(removed(decide({ keep }))).toMatch(/keep must be at least 1/);
  });

  it("deletes nothing without both of the stack's tags", () => {
    expect(removed(decide({ stackTags: { project: "hpc-fleet", stack: "" } }))).toMatch(
      /project and stack tags/,
    );
  });
});
