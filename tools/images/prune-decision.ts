// Which of a stack's custom images to delete after a build: a pure function of what the
// cloud listed, so every rule is tested without it. It keeps the N newest images this
// stack built (the current one among them), every image something may still launch or
// run from, and everything it is not sure about: a listing that did not complete, or
// that lacks the image just built, deletes nothing.

/** The tags that say an image is this stack's own build (the Packer template sets them). */
export interface StackImageTags {
  readonly project: string;
  readonly stack: string;
}

/** The image's role tag (components/tags.ts) and the tag Packer adds (windows.pkr.hcl). */
export const IMAGE_ROLE = "image";
export const CONTENT_HASH_TAG = "content-hash";

/** A custom image as DescribeImages lists it. */
export interface ListedImage {
  readonly id: string;
  readonly name?: string;
  /** As ECS prints it, e.g. 2026-01-01T10:58:00Z. */
  readonly creationTime?: string;
  readonly tags: Readonly<Record<string, string>>;
  /** DescribeImages' Usage: `instance` while instances run from it, else `none`. */
  readonly usage?: string;
  /** DescribeImages' IsSelfShared: shared with other accounts (DeleteImage refuses it). */
  readonly shared?: boolean;
  /** The snapshots behind it (DiskDeviceMappings). */
  readonly snapshotIds: readonly string[];
}

export interface PruneInputs {
  /** This stack's images as listed (the listing's own tag filter is checked again). */
  readonly images: readonly ListedImage[];
  /** Images any scaling configuration in the region names. */
  readonly inUseImageIds: ReadonlySet<string>;
  /** The image the build just made: always kept, and it must be in the listing. */
  readonly currentImageId: string;
  /** How many of this stack's images to keep, the current one included: at least 1. */
  readonly keep: number;
  readonly stackTags: StackImageTags;
}

export interface KeptImage {
  readonly id: string;
  readonly reason: string;
}

export type PruneDecision =
  /** Nothing may be deleted, and why. */
  | { readonly kind: "refuse"; readonly reason: string; readonly kept: readonly KeptImage[] }
  | {
      readonly kind: "prune";
      readonly remove: readonly ListedImage[];
      readonly kept: readonly KeptImage[];
    };

/** Built by this stack: its project, stack and role tags, and the content hash Packer adds. */
export function isStackImage(image: ListedImage, stackTags: StackImageTags): boolean {
  const { tags } = image;
  return (
    tags.project === stackTags.project &&
    tags.stack === stackTags.stack &&
    tags.role === IMAGE_ROLE &&
    /^[0-9a-f]{64}$/.test(tags[CONTENT_HASH_TAG] ?? "")
  );
}

/** Why an image older than the N newest is kept anyway, or undefined to delete it. */
function stillNeeded(image: ListedImage, inUse: ReadonlySet<string>): string | undefined {
  if (inUse.has(image.id)) return "a scaling configuration uses it";
  if (image.usage !== undefined && image.usage !== "none") {
    return `instances use it (Usage ${image.usage})`;
  }
  if (image.shared) return "it is shared with other accounts";
  return undefined;
}

export function decidePrune(inputs: PruneInputs): PruneDecision {
  const { currentImageId, keep, stackTags } = inputs;
  const refuse = (reason: string, kept: readonly KeptImage[] = []): PruneDecision => ({
    kind: "refuse",
    reason,
    kept,
  });
  if (!Number.isInteger(keep) || keep < 1) return refuse(`keep must be at least 1 (got ${keep})`);
  if (!stackTags.project || !stackTags.stack) {
    return refuse("the stack's project and stack tags are not both known");
  }
  const others = inputs.images.filter((image) => !isStackImage(image, stackTags));
  const notOurs = others.map((image) => ({ id: image.id, reason: "this stack did not build it" }));
  const ours = inputs.images.filter((image) => isStackImage(image, stackTags));
  if (new Set(ours.map((image) => image.id)).size !== ours.length) {
    return refuse("the listing names an image twice", notOurs);
  }
  if (!ours.some((image) => image.id === currentImageId)) {
    return refuse(
      `the listing does not hold the image just built (${currentImageId}), so it may be incomplete`,
      notOurs,
    );
  }
  const times = new Map(ours.map((image) => [image.id, Date.parse(image.creationTime ?? "")]));
  const untimed = ours.filter((image) => Number.isNaN(times.get(image.id)));
  if (untimed.length > 0) {
    const ids = untimed.map((image) => image.id).join(", ");
    return refuse(`no creation time for ${ids}, so the newest cannot be told`, notOurs);
  }
  const newestFirst = [...ours].sort(
    (a, b) => (times.get(b.id) as number) - (times.get(a.id) as number) || (a.id < b.id ? -1 : 1),
  );
  const kept: KeptImage[] = [];
  const remove: ListedImage[] = [];
  newestFirst.forEach((image, index) => {
    const needed =
      image.id === currentImageId
        ? "the current build"
        : index < keep
          ? `one of the ${keep} newest`
          : stillNeeded(image, inputs.inUseImageIds);
    if (needed) kept.push({ id: image.id, reason: needed });
    else remove.push(image);
  });
  return { kind: "prune", remove, kept: [...kept, ...notOurs] };
}
