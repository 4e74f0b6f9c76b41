// The preview and deploy workflows as the project relies on them (docs/ci.md): OIDC roles
// by job kind and no access key, the offline diff for every pull request (forks included)
// and Pulumi's preview only where a read-only token exists, dev before prod behind
// environments, saved update plans, path filters, and timeouts longer than the build's.
import { deployRoleName, PLAN_ROLE, PREVIEW_ROLE } from "../../ci-identity/policies";
import { stackConfigSchema } from "../../config/schema";
import { DEPLOY_PATHS, matchesPaths } from "../../tools/ci/paths";
import {
  BUILD_COMMAND_MARGIN_MINUTES,
  describeStack,
  readRawConfig,
  stackFileOf,
} from "../../tools/ci/stacks";
import { PROJECT_DIR, SHIPPED_STACKS } from "../helpers/stacks";
import { Job, loadWorkflow, Step } from "./workflow-files";

const CREDENTIALS = "aliyun/configure-aliyun-credentials-action@";
const PULUMI = "pulumi/actions@";

function stepsUsing(job: Job, action: string): Step[] {
  return (job.steps ?? []).filter((step) => step.uses?.startsWith(action));
}

/** The RAM role name a job assumes (the last path segment of role-to-assume). */
function roleOf(job: Job): string | undefined {
  const [step] = stepsUsing(job, CREDENTIALS);
  return step ? String(step.with?.["role-to-assume"]).split(":role/")[1] : undefined;
}

function indexOf(job: Job, predicate: (step: Step) => boolean): number {
  return (job.steps ?? []).findIndex(predicate);
}

describe("preview.yml", () => {
  const workflow = loadWorkflow("preview.yml");
  const { "offline-diff": offline, "cloud-preview": cloud } = workflow.jobs;

  it("runs on pull requests, allowed only to read at the top", () => {
    expect(Object.keys(workflow.on)).toEqual(["pull_request"]);
    expect(workflow.permissions).toEqual({ contents: "read" });
  });

  it("computes the offline diff with no credential at all, for forks too", () => {
    expect(offline.permissions).toBeUndefined();
    expect(offline.if).toBeUndefined();
    expect(stepsUsing(offline, CREDENTIALS)).toEqual([]);
    expect(stepsUsing(offline, PULUMI)).toEqual([]);
    const diff = (offline.steps ?? []).find((step) => /cli\.ts offline-diff/.test(step.run ?? ""));
    expect(diff?.env?.CLOUD_PREVIEW).toMatch(
      /head\.repo\.full_name != github\.repository && 'fork'/,
    );
    const upload = stepsUsing(offline, "actions/upload-artifact@")[0];
    expect(upload.with?.name).toBe("offline-diff");
  });

  it("runs Pulumi's preview only for same-repository PRs whose files can change a deploy", () => {
    expect(cloud.needs).toBe("offline-diff");
    expect(cloud.if).toContain(
      "github.event.pull_request.head.repo.full_name == github.repository",
    );
    expect(cloud.if).toContain("needs.offline-diff.outputs.deploy == 'true'");
  });

  it("assumes the read-only preview role, with no environment (subject :pull_request)", () => {
    expect(roleOf(cloud)).toBe(PREVIEW_ROLE);
    expect(cloud.environment).toBeUndefined();
    expect(cloud.permissions).toEqual({
      contents: "read",
      "id-token": "write",
      "pull-requests": "write",
    });
  });

  it("previews every discovered stack with its policy config, a diff and a PR comment", () => {
    expect(cloud.strategy?.matrix).toEqual({
      include: "${{ fromJSON(needs.offline-diff.outputs.stacks) }}",
    });
    expect(offline.outputs?.stacks).toBe("${{ steps.stacks.outputs.all }}");
    const [pulumi] = stepsUsing(cloud, PULUMI);
    expect(pulumi.with).toMatchObject({
      command: "preview",
      "comment-on-pr": true,
      diff: true,
      policyPacks: "policy",
      policyPackConfigs: "${{ matrix.policyConfig }}",
    });
  });
});

describe("preview-comment.yml", () => {
  const workflow = loadWorkflow("preview-comment.yml");
  const job = workflow.jobs.comment;

  it("relays the preview run's artifact with a write token, never running the PR's code", () => {
    expect(workflow.on).toEqual({ workflow_run: { workflows: ["preview"], types: ["completed"] } });
    expect(job.permissions).toEqual({
      contents: "read",
      actions: "read",
      "pull-requests": "write",
    });
    for (const checkout of stepsUsing(job, "actions/checkout@")) {
      expect(checkout.with?.ref).toBeUndefined();
      expect(checkout.with?.repository).toBeUndefined();
    }
    expect((job.steps ?? []).map((step) => step.run ?? "").join("\n")).not.toMatch(/npm|npx|node/);
    const download = stepsUsing(job, "actions/download-artifact@")[0];
    expect(download.with).toMatchObject({
      name: "offline-diff",
      "run-id": "${{ github.event.workflow_run.id }}",
    });
  });
});

describe("up.yml", () => {
  const workflow = loadWorkflow("up.yml");
  const push = workflow.on.push as { branches: string[]; paths: string[] };

  it("runs on pushes to main that change a file which can change a deploy", () => {
    expect(Object.keys(workflow.on)).toEqual(["push"]);
    expect(push.branches).toEqual(["main"]);
    expect(push.paths).toEqual(DEPLOY_PATHS);
  });

  it("deploys nothing for a README, docs or test change, and deploys for the program", () => {
    for (const file of ["README.md", "docs/ci.md", "test/ci/paths.test.ts"]) {
      expect(matchesPaths(file, push.paths)).toBe(false);
    }
    for (const file of ["index.ts", "Pulumi.dev.yaml", ".github/workflows/deploy-wave.yml"]) {
      expect(matchesPaths(file, push.paths)).toBe(true);
    }
  });

  it("deploys the first wave (dev), then prod only after it, never after a failure", () => {
    const { first, prod } = workflow.jobs;
    expect(first.uses).toBe("./.github/workflows/deploy-wave.yml");
    expect(first.with).toEqual({ stacks: "${{ needs.stacks.outputs.first }}" });
    expect(prod.uses).toBe("./.github/workflows/deploy-wave.yml");
    expect(prod.with).toEqual({ stacks: "${{ needs.stacks.outputs.prod }}" });
    expect(prod.needs).toContain("first");
    expect(prod.if).toContain("!failure()");
    expect(prod.if).toContain("!cancelled()");
    const waves = Object.fromEntries(
      SHIPPED_STACKS.map((stack) => [stack, describeStack(PROJECT_DIR, stack).wave]),
    );
    expect(waves.dev).toBe("first");
    for (const stack of SHIPPED_STACKS.filter((name) => name.startsWith("prod-"))) {
      expect(waves[stack]).toBe("prod");
    }
  });
});

describe("deploy-wave.yml", () => {
  const workflow = loadWorkflow("deploy-wave.yml");
  const { plan, up } = workflow.jobs;

  it("is called with the wave's stacks", () => {
    expect(Object.keys(workflow.on)).toEqual(["workflow_call"]);
    expect(plan.strategy?.matrix).toEqual({ include: "${{ fromJSON(inputs.stacks) }}" });
    expect(up.strategy?.matrix).toEqual({ include: "${{ fromJSON(inputs.stacks) }}" });
  });

  it("plans under the read-only plan role, outside any environment (subject :ref:main)", () => {
    expect(roleOf(plan)).toBe(PLAN_ROLE);
    expect(plan.environment).toBeUndefined();
    const [preview] = stepsUsing(plan, PULUMI);
    expect(preview.with).toMatchObject({
      command: "preview",
      plan: "${{ runner.temp }}/update-plan.json",
      policyPacks: "policy",
      policyPackConfigs: "${{ matrix.policyConfig }}",
    });
    const [upload] = stepsUsing(plan, "actions/upload-artifact@");
    expect(upload.with).toMatchObject({
      name: "update-plan-${{ matrix.stack }}",
      path: "${{ runner.temp }}/update-plan.json",
    });
  });

  it("applies exactly the saved plan, in the stack's environment, under its deploy role", () => {
    expect(up.needs).toBe("plan");
    expect(up.environment).toBe("${{ matrix.environment }}");
    expect(roleOf(up)).toBe(deployRoleName("${{ matrix.stack }}"));
    const [download] = stepsUsing(up, "actions/download-artifact@");
    expect(download.with).toMatchObject({
      name: "update-plan-${{ matrix.stack }}",
      path: "${{ runner.temp }}/plan",
    });
    const [apply] = stepsUsing(up, PULUMI);
    expect(apply.with).toMatchObject({
      command: "up",
      plan: "${{ runner.temp }}/plan/update-plan.json",
      policyPacks: "policy",
    });
    for (const stack of SHIPPED_STACKS) {
      expect(describeStack(PROJECT_DIR, stack).environment).toBe(stack);
    }
  });

  it("gives Packer the STS token under the name it reads", () => {
    const [apply] = stepsUsing(up, PULUMI);
    expect(apply.env).toEqual({ SECURITY_TOKEN: "${{ env.ALICLOUD_SECURITY_TOKEN }}" });
  });

  it("fetches the client zip and admits the runner before the up, and revokes it always", () => {
    const apply = indexOf(up, (step) => step.uses?.startsWith(PULUMI) ?? false);
    const credentials = indexOf(up, (step) => step.uses?.startsWith(CREDENTIALS) ?? false);
    const fetch = indexOf(up, (step) => /tools\/client\/fetch-client\.ts/.test(step.run ?? ""));
    const admit = indexOf(up, (step) => /build-access admit/.test(step.run ?? ""));
    const revoke = indexOf(up, (step) => /build-access revoke/.test(step.run ?? ""));
    expect(credentials).toBeLessThan(fetch);
    expect(fetch).toBeLessThan(apply);
    expect(admit).toBeLessThan(apply);
    expect(revoke).toBeGreaterThan(apply);
    expect(up.steps?.[revoke].if).toMatch(/^always\(\) && /);
  });

  it("prunes the stack's old images after a successful up that builds, never before", () => {
    const apply = indexOf(up, (step) => step.uses?.startsWith(PULUMI) ?? false);
    const prune = indexOf(up, (step) => /npm run -s images:prune /.test(step.run ?? ""));
    expect(prune).toBeGreaterThan(apply);
    expect(up.steps?.[prune].run).toMatch(/ --apply( |$)/);
    expect(up.steps?.[prune].if).toBe("success() && matrix.builds");
  });

  it("outlasts each stack's build: job timeout and STS session beyond the build command's", () => {
    expect(up["timeout-minutes"]).toBe("${{ matrix.timeoutMinutes }}");
    const [credentials] = stepsUsing(up, CREDENTIALS);
    expect(credentials.with?.["role-session-expiration"]).toBe("${{ matrix.sessionSeconds }}");
    for (const stack of SHIPPED_STACKS) {
      const ci = describeStack(PROJECT_DIR, stack);
      const raw = readRawConfig(stackFileOf(PROJECT_DIR, stack))["hpc-fleet:image"];
      const image = stackConfigSchema.shape.image.parse(raw);
      const buildCommandMinutes = image.buildTimeoutMinutes + BUILD_COMMAND_MARGIN_MINUTES;
      if (ci.builds) expect(ci.timeoutMinutes).toBeGreaterThan(buildCommandMinutes);
      expect(ci.sessionSeconds).toBeGreaterThanOrEqual(ci.timeoutMinutes * 60);
    }
  });

  it("never cancels an up in progress, one up per stack at a time", () => {
    expect(up.concurrency).toEqual({
      group: "up-${{ matrix.stack }}",
      "cancel-in-progress": false,
    });
  });
});
