// Which changes deploy: GitHub's filter semantics, and the files that must and must not.
import { changesDeploy, DEPLOY_PATHS, matchesPaths, patternRegExp } from "../../tools/ci/paths";

describe("GitHub filter patterns", () => {
  it("lets ** cross directories and * stay within one", () => {
    expect(patternRegExp("**.md").test("a/b/c.md")).toBe(true);
    expect(patternRegExp("docs/*").test("docs/a.md")).toBe(true);
    expect(patternRegExp("docs/*").test("docs/a/b.md")).toBe(false);
    expect(patternRegExp("docs/**").test("docs/a/b.md")).toBe(true);
    expect(patternRegExp(".github/workflows/test.yml").test(".github/workflows/testxyml")).toBe(
      false,
    );
  });

  it("decides by the last matching pattern", () => {
    expect(matchesPaths("a.md", ["**", "!**.md"])).toBe(false);
    expect(matchesPaths("x/a.md", ["**", "!**.md", "x/**"])).toBe(true);
    expect(matchesPaths("a.ts", ["!**.md"])).toBe(false);
  });
});

describe("DEPLOY_PATHS", () => {
  it.each([
    "README.md",
    "docs/ci.md",
    "images/windows/README.md",
    "test/workflows/workflows.test.ts",
    "services/host-manager/src/main.ts",
    "ci-identity/index.ts",
    "tools/plan/diff.ts",
    ".github/workflows/preview.yml",
    "LICENSE",
  ])("a change to %s deploys nothing", (file) => {
    expect(changesDeploy([file])).toBe(false);
  });

  it.each([
    "index.ts",
    "Pulumi.dev.yaml",
    "Pulumi.prod-eu-central-1.yaml",
    "components/fleet.ts",
    "config/schema.ts",
    "policy/rules/ingress.ts",
    "policy/config/default.json",
    "packages/fleet-contract/src/index.ts",
    "images/windows/windows.pkr.hcl",
    "images/windows/scripts/build/notes.md",
    "package-lock.json",
    ".github/workflows/up.yml",
    "tools/client/fetch-client.ts",
    "a-directory-nobody-listed/file.ts",
  ])("a change to %s deploys", (file) => {
    expect(changesDeploy([file])).toBe(true);
  });

  it("starts from everything, so what it does not exclude deploys", () => {
    expect(DEPLOY_PATHS[0]).toBe("**");
  });
});
