// The offline diff's pull-request comment, and the relay that posts it for every pull
// request (forks included) without running the pull request's code.
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PlanDiff } from "../../tools/plan/diff";
import {
  COMMENT_MARKER,
  diffStack,
  removedStacks,
  renderComment,
  StackDiff,
} from "../../tools/ci/offline-diff";
import { PROJECT_DIR } from "../helpers/stacks";

function diff(
  overrides: Partial<PlanDiff["summary"]> = {},
  changes: PlanDiff["changes"] = [],
): PlanDiff {
  return {
    stack: "dev",
    summary: {
      create: 0,
      update: changes.length,
      replace: 0,
      delete: 0,
      imageRebuild: "no",
      hostsToRoll: 0,
      rollReason: null,
      ...overrides,
    },
    changes,
  };
}

const UPDATE: PlanDiff["changes"][number] = {
  kind: "update",
  resource: {
    type: "alicloud:ess/scalingGroup:ScalingGroup",
    name: "hpc-dev-hosts",
    parent: null,
    inputs: {},
  },
  fields: [{ path: "desiredCapacity", before: 2, after: 4 }],
  forcedBy: [],
};

const BASE = "origin/main";

describe("the comment", () => {
  const results: StackDiff[] = [
    { stack: "dev", diff: diff({}, [UPDATE]), base: "git:origin/main (abc1234)" },
    {
      stack: "prod-cn-hangzhou",
      diff: {
        ...diff({ imageRebuild: "yes", hostsToRoll: 200, rollReason: "a new image" }),
        stack: "prod-cn-hangzhou",
      },
      base: "git:origin/main (abc1234)",
    },
    { stack: "prod-ap-southeast-1", error: "hpc-fleet:fleet.instanceCount: is required" },
    { stack: "prod-old", removed: true },
  ];
  const comment = renderComment(results, BASE, "runs");

  it("starts with the marker the relay updates it by", () => {
    expect(comment.split("\n")[0]).toBe(COMMENT_MARKER);
  });

  it("sums up every stack in one table: changes, image rebuild, hosts rolled", () => {
    expect(comment).toContain("| `dev` | 0 | 1 | 0 | 0 | not rebuilt | none |");
    expect(comment).toContain("| `prod-cn-hangzhou` | 0 | 0 | 0 | 0 | **rebuilt** | **200** |");
    expect(comment).toContain("| `prod-ap-southeast-1` | **plan failed** (below) | | | | | |");
    expect(comment).toContain(
      "| `prod-old` | stack file removed: nothing deploys to it | | | | | |",
    );
  });

  it("gives each stack's diff collapsed, a failure open", () => {
    expect(comment).toContain(
      "<details><summary><code>dev</code>: 1 change. Windows image not rebuilt; no host rolled.</summary>",
    );
    expect(comment).toMatch(
      /~ alicloud:ess\/scalingGroup:ScalingGroup {2}hpc-dev-hosts\n {4}desiredCapacity: 2 → 4/,
    );
    expect(comment).toContain(
      "<details open><summary><code>prod-ap-southeast-1</code>: plan failed</summary>",
    );
    expect(comment).toContain("hpc-fleet:fleet.instanceCount: is required");
  });

  it("says why Pulumi's own preview did not run", () => {
    expect(renderComment(results, BASE, "fork")).toMatch(
      /does not run for a pull request from a fork/,
    );
    expect(renderComment(results, BASE, "no-deploy-change")).toMatch(/preview was skipped/);
  });

  it("fences text so that backticks in it cannot close the block", () => {
    const tricky: StackDiff[] = [{ stack: "dev", error: "```\n<script>" }];
    expect(renderComment(tricky, BASE, "runs")).toContain("````text\n```\n<script>\n````");
  });

  it("fits GitHub's comment limit, cutting the diffs and saying so", () => {
    const long: StackDiff[] = ["a", "b", "c"].map((stack) => ({
      stack,
      error: "x".repeat(50_000),
    }));
    const cut = renderComment(long, BASE, "runs", 20_000);
    expect(cut.length).toBeLessThanOrEqual(20_000);
    expect(cut.match(/cut to fit a comment/g)).toHaveLength(3);
    expect(cut).toContain("| `c` |");
  });
});

describe("the offline diff of the real project", () => {
  it("runs the plan's --diff for a stack and reads its JSON", async () => {
    const result = await diffStack(PROJECT_DIR, "dev", "HEAD");
    expect(result).toMatchObject({
      stack: "dev",
      base: expect.stringMatching(/^git:HEAD \([0-9a-f]{7}\)$/),
    });
    if (!("diff" in result)) throw new Error("expected a diff");
    expect(result.diff.summary).toMatchObject({ create: 0, delete: 0, replace: 0 });
  }, 120_000);

  it("reports a stack the plan cannot read as failed, not as unchanged", async () => {
    const result = await diffStack(PROJECT_DIR, "no-such-stack", "HEAD");
    expect(result).toEqual({
      stack: "no-such-stack",
      error: expect.stringMatching(/No stack file/),
    });
  }, 60_000);

  it("finds stack files the base has and the head does not", () => {
    expect(removedStacks(PROJECT_DIR, "HEAD", ["dev"])).toEqual([
      "prod-ap-southeast-1",
      "prod-cn-hangzhou",
    ]);
  });
});

describe("the relay script (.github/scripts/upsert-pr-comment.sh)", () => {
  const SCRIPT = join(PROJECT_DIR, ".github", "scripts", "upsert-pr-comment.sh");
  const HEAD = "1111111111111111111111111111111111111111";

  /** Runs the script with a fake gh that knows PR 7 (head HEAD) and `existing` comment ids. */
  function relay(comment: string, pr: unknown, existing: string[] = [], headSha = HEAD) {
    const dir = mkdtempSync(join(tmpdir(), "hpc-relay-"));
    const bin = join(dir, "bin");
    mkdirSync(bin);
    writeFileSync(join(dir, "comment.md"), comment);
    writeFileSync(join(dir, "pr.json"), JSON.stringify({ number: pr }));
    const log = join(dir, "gh.log");
    const posted = join(dir, "posted.md");
    writeFileSync(
      join(bin, "gh"),
      [
        "#!/usr/bin/env bash",
        `echo "$*" >> '${log}'`,
        'case "$*" in',
        `  *"pulls/7 --jq .head.sha"*) echo '${HEAD}' ;;`,
        `  *"--paginate"*) printf '%s\\n' ${existing.map((id) => `'${id}'`).join(" ")} ;;`,
        `  *"body=@"*) all="$*"; cp "\${all##*body=@}" '${posted}' ;;`,
        '  *) echo "unexpected gh $*" >&2; exit 1 ;;',
        "esac",
      ].join("\n"),
    );
    chmodSync(join(bin, "gh"), 0o755);
    const result = spawnSync("bash", [SCRIPT, dir, "acme/hpc-fleet", headSha], {
      encoding: "utf8",
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    });
    return {
      code: result.status,
      stderr: result.stderr,
      calls: existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : [],
      posted: existsSync(posted) ? readFileSync(posted, "utf8") : undefined,
    };
  }

  it("posts a new comment on the pull request whose head is the run's", () => {
    const result = relay(`${COMMENT_MARKER}\nthe diff\n`, 7);
    expect(result.code).toBe(0);
    expect(result.calls.at(-1)).toMatch(
      /^api --method POST repos\/acme\/hpc-fleet\/issues\/7\/comments -F body=@/,
    );
    expect(result.posted).toBe(`${COMMENT_MARKER}\nthe diff\n`);
  });

  it("updates the comment it posted before, in place", () => {
    const result = relay(`${COMMENT_MARKER}\nnew\n`, 7, ["42", "43"]);
    expect(result.code).toBe(0);
    expect(result.calls.at(-1)).toMatch(
      /^api --method PATCH repos\/acme\/hpc-fleet\/issues\/comments\/42 /,
    );
  });

  it("refuses a pull request number whose head is not the run's", () => {
    const result = relay(
      `${COMMENT_MARKER}\nx\n`,
      7,
      [],
      "2222222222222222222222222222222222222222",
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/not this run's/);
    expect(result.posted).toBeUndefined();
  });

  it.each([["7"], [-1], [1.5], [null]])("refuses %j as a pull request number", (number) => {
    const result = relay("x", number);
    expect(result.code).not.toBe(0);
    expect(result.calls).toEqual([]);
  });

  it("always starts the body with its own marker, and caps its size", () => {
    const result = relay(`forged\n${COMMENT_MARKER}\n${"y".repeat(70_000)}`, 7);
    expect(result.posted?.startsWith(`${COMMENT_MARKER}\nforged\n`)).toBe(true);
    expect(result.posted?.split(COMMENT_MARKER)).toHaveLength(2);
    expect(Buffer.byteLength(result.posted ?? "")).toBe(65_000);
  });
});
