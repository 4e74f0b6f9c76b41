// The offline plan, run as operators run it: a child process, no credentials, no network.
import { mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runPlanCli } from "../helpers/plan-cli";
import { PROJECT_DIR } from "../helpers/stacks";
import { SECRET_PLACEHOLDER } from "../../tools/mocks/stack-file";

/** Directories other tests may write to while this one runs. */
const WRITTEN_BY_OTHERS = new Set(["node_modules", ".git", "test-output", ".data", ".scratch"]);

/** Files under the project changed since `since` (ms), skipping other writers' directories. */
function filesChangedSince(since: number, dir = PROJECT_DIR): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (WRITTEN_BY_OTHERS.has(entry.name)) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesChangedSince(since, path);
    return statSync(path).mtimeMs >= since ? [path] : [];
  });
}

describe("npm run plan", () => {
  test("--json prints the stack, its resources and its outputs, and writes nothing into the repo", () => {
    const started = Date.now();
    const { code, stdout, stderr } = runPlanCli("--stack", "dev", "--json");
    expect(stderr).not.toMatch(/Plan failed/);
    expect(code).toBe(0);
    const parsed = JSON.parse(stdout);
    expect(parsed.stack).toBe("dev");
    expect(Array.isArray(parsed.resources)).toBe(true);
    for (const resource of parsed.resources) {
      // `aliases` only where a resource was renamed (the components' former type tokens).
      const keys = Object.keys(resource).filter((key) => key !== "aliases");
      expect(keys.sort()).toEqual(["inputs", "name", "parent", "type"]);
    }
    const aliased = parsed.resources.filter((resource: { aliases?: unknown }) => resource.aliases);
    expect(aliased.map((resource: { type: string }) => resource.type).sort()).toEqual([
      "hpc:host-manager:HostManager",
      "hpc:instance-group:InstanceGroup",
      "hpc:windows-image:WindowsImage",
    ]);
    expect(parsed.outputs).toMatchObject({ region: "cn-beijing" });
    // Secrets are masked at their value, named by where they come from: the container
    // list stays readable around the fleet token.
    const container = parsed.resources.find(
      (resource: { type: string }) =>
        resource.type === "alicloud:eci/containerGroup:ContainerGroup",
    );
    const [hostManager] = container.inputs.containers as Array<{
      image: string;
      environmentVars: Array<{ key: string; value: string }>;
    }>;
    // Pinned to the pushed digest (the plan's mock one), pulled over the registry's VPC domain.
    expect(hostManager.image).toMatch(
      /^[a-z0-9-]+-registry-vpc\.cn-beijing\.cr\.aliyuncs\.com\/hpc-fleet-dev\/host-manager@sha256:[0-9a-f]{64}$/,
    );
    // The state on the stack's own NAS: the mount target's (mock) address, SQLite told so.
    expect(container.inputs.volumes).toEqual([
      expect.objectContaining({
        type: "NFSVolume",
        nfsVolumeServer: expect.stringMatching(
          /^[0-9a-f]{10}-[0-9a-f]{5}\.cn-beijing\.nas\.aliyuncs\.com$/,
        ),
      }),
    ]);
    expect(hostManager.environmentVars).toEqual(
      expect.arrayContaining([{ key: "HOST_MANAGER_DATA_ON_NETWORK_FS", value: "true" }]),
    );
    // The build shows as a resource, with its context and tags; its login stays secret.
    const build = parsed.resources.find(
      (resource: { type: string }) => resource.type === "docker-build:index:Image",
    );
    expect(build.inputs).toMatchObject({
      context: { location: "." },
      dockerfile: { location: "services/host-manager/Dockerfile" },
      platforms: ["linux/amd64"],
      push: true,
      buildOnPreview: false,
      tags: [
        expect.stringMatching(
          /^[a-z0-9-]+-registry\.cn-beijing\.cr\.aliyuncs\.com\/hpc-fleet-dev\/host-manager:\d+\.\d+\.\d+$/,
        ),
      ],
      // A preview asks for no registry login: `up` fills it in (components/host-manager/registry.ts).
      registries: [
        {
          address: expect.stringMatching(/-registry\.cn-beijing\.cr\.aliyuncs\.com$/),
          username: "<computed>",
          password: "<computed>",
        },
      ],
    });
    expect(hostManager.environmentVars).toEqual(
      expect.arrayContaining([
        { key: "HOST_MANAGER_TOKEN", value: "[secret:hpc-dev-fleet-token-a]" },
        { key: "HOST_MANAGER_PORT", value: "8080" },
      ]),
    );
    // The operator endpoint, with the self-signed certificate the dev stack makes: its
    // key shows only as the secret it is, wherever it flows.
    const ofType = (type: string) =>
      parsed.resources.filter((resource: { type: string }) => resource.type === type);
    expect(ofType("alicloud:alb/loadBalancer:LoadBalancer")).toHaveLength(1);
    expect(ofType("alicloud:alb/listener:Listener")[0].inputs).toMatchObject({
      listenerProtocol: "HTTPS",
      listenerPort: 443,
    });
    const selfSignedKey = "[secret:hpc-dev-operator-access-self-signed-key]";
    const endpointCert = ofType("tls:index/selfSignedCert:SelfSignedCert").find(
      (resource: { parent?: string }) => resource.parent === "hpc-dev-operator-access",
    );
    expect(endpointCert.inputs.privateKeyPem).toBe(selfSignedKey);
    expect(ofType("alicloud:cas/serviceCertificate:ServiceCertificate")[0].inputs.key).toBe(
      selfSignedKey,
    );
    expect(stdout).not.toMatch(/PRIVATE KEY/);
    expect(stdout).not.toMatch(/offline-plan-(generated-)?secret/);
    expect(filesChangedSince(started)).toEqual([]);
  });

  test("a bad stack file exits 1 and names every bad key on stderr", () => {
    const dir = mkdtempSync(join(tmpdir(), "hpc-plan-"));
    const file = join(dir, "Pulumi.broken.yaml");
    writeFileSync(
      file,
      [
        "config:",
        "  alicloud:region: cn-beijing",
        "  hpc-fleet:environment: dev",
        "  hpc-fleet:network:",
        "    zones: [cn-shanghai-b]",
        "    adminCidrs: [0.0.0.0/0]",
        "  hpc-fleet:fleet:",
        "    instanceCount: -1",
        "    instanceTypes: [ecs.c7.large]",
        "  hpc-fleet:image:",
        "    existingImageId: m-2ze0abc",
        "",
      ].join("\n"),
    );
    const { code, stdout, stderr } = runPlanCli("--config-file", file, "--json");
    expect(code).toBe(1);
    expect(stdout).toBe("");
    for (const key of [
      "hpc-fleet:fleet.instanceCount",
      "hpc-fleet:network.zones[0]",
      "hpc-fleet:network.adminCidrs[0]",
    ]) {
      expect(stderr).toContain(key);
    }
  });

  test("encrypted config values are planned as secrets and never printed", () => {
    const dir = mkdtempSync(join(tmpdir(), "hpc-plan-"));
    const file = join(dir, "Pulumi.secrets.yaml");
    writeFileSync(
      file,
      [
        "config:",
        "  alicloud:region: cn-beijing",
        "  hpc-fleet:environment: dev",
        "  hpc-fleet:network: { zones: [cn-beijing-h], builderCidrs: [10.1.1.1/32] }",
        "  hpc-fleet:image: { existingImageId: m-2ze0abc }",
        "  hpc-fleet:fleet: { instanceCount: 1, instanceTypes: [ecs.c7.large] }",
        "  hpc-fleet:hostManager:",
        "    registryInstanceId: cri-2ze0abc",
        "    statuspage: { pageId: p1, metricIds: { hostsTotal: a, running: b, unhealthy: c, remediating: d, remediations: e } }",
        "  hpc-fleet:statuspageApiKey:",
        "    secure: AAABAKZ7encryptedvalue==",
        "",
      ].join("\n"),
    );
    const { code, stdout } = runPlanCli("--config-file", file);
    expect(code).toBe(0);
    expect(stdout).toContain("Stack secrets:");
    expect(stdout).not.toContain(SECRET_PLACEHOLDER);
    expect(stdout).not.toContain("AAABAKZ7encryptedvalue");
  });

  test("an unknown argument is a usage error", () => {
    const { code, stderr } = runPlanCli("--stak", "dev");
    expect(code).toBe(1);
    expect(stderr).toMatch(/unknown argument --stak/);
  });
});
