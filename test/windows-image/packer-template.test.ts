// `packer validate` on the template with sample variables: Debian's packer 1.6.6
// validates offline, so this runs in every `npm test` and must not be skipped.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  packerEnvironment,
  resolveClientFiles,
  SCRIPTS_DIR,
  TEMPLATE_DIR,
  templateVariables,
} from "../../components/windows-image/build-inputs";
import { BOOTSTRAP_PATH } from "@hpc-fleet/fleet-contract";
import { stackConfig } from "../helpers/stacks";
import { clientFixture, ClientFixture, resolvedSourceImage, templateInputs } from "./fixtures";

const TEMPLATE = join(TEMPLATE_DIR, "windows.pkr.hcl");
const SAMPLE_VARS = join(TEMPLATE_DIR, "sample.pkrvars.hcl");
const template = readFileSync(TEMPLATE, "utf8");

/** A build's values that only have to be well formed here. */
const SAMPLE_BUILD = {
  sourceImage: "win",
  vpcId: "vpc-1",
  vSwitchId: "vsw-1",
  buildSecurityGroupId: "sg-1",
  tags: {},
};

function packerVersion(): string {
  const result = spawnSync("packer", ["version"], { encoding: "utf8" });
  if (result.error || result.status !== 0) {
    throw new Error(
      "packer is not installed: the template test needs it (apt-get install -y packer)",
    );
  }
  return result.stdout.trim();
}

/** `packer validate` with the sample variables, unless `withSampleVars` is false. */
function validate(env: Record<string, string>, extraArgs: string[] = [], withSampleVars = true) {
  const varFile = withSampleVars ? ["-var-file", SAMPLE_VARS] : [];
  // sample.pkrvars.hcl has no vpc_id yet (the template gained it later): give one here.
  const sampleVpc = withSampleVars ? { PKR_VAR_vpc_id: "vpc-validate-only" } : {};
  return spawnSync("packer", ["validate", ...varFile, ...extraArgs, TEMPLATE], {
    encoding: "utf8",
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      CHECKPOINT_DISABLE: "1",
      // The builder checks that keys are set; validation never calls the API.
      ALICLOUD_ACCESS_KEY: "validate-only",
      ALICLOUD_SECRET_KEY: "validate-only",
      PKR_VAR_winrm_password: "Validate-Only-1",
      ...sampleVpc,
      ...env,
    },
  });
}

describe("the Packer template", () => {
  let fixture: ClientFixture;
  let clientFilesJson: string;

  beforeAll(() => {
    packerVersion();
    fixture = clientFixture();
    const config = stackConfig("dev");
    const files = resolveClientFiles(config.image, fixture.projectDir);
    clientFilesJson = templateVariables(
      templateInputs(config, { ...SAMPLE_BUILD, clientFiles: files }),
    ).client_files_json;
  });

  afterAll(() => fixture.remove());

  it("validates with the sample variables and client files from the environment", () => {
    const result = validate({ PKR_VAR_client_files_json: clientFilesJson });
    expect(`${result.stdout}${result.stderr}`.trim()).toBe("");
    expect(result.status).toBe(0);
  });

  it("validates with the environment the component passes", () => {
    const config = stackConfig("dev", {
      tags: { "cost-center": "${not.a.template}", team: "%{ if true }x%{ endif }" },
    });
    const variables = templateVariables(
      templateInputs(config, {
        sourceImage: resolvedSourceImage(config),
        vpcId: "vpc-2ze0abc",
        vSwitchId: "vsw-2ze0abc",
        buildSecurityGroupId: "sg-2ze0abc",
        tags: config.tags,
        clientFiles: resolveClientFiles(config.image, fixture.projectDir),
      }),
    );
    const env = {
      ...packerEnvironment(variables),
      PKR_VAR_content_hash: "f".repeat(64),
      PKR_VAR_manifest_path: join(fixture.projectDir, "manifest.json"),
    };
    // Without the sample file: every variable must come from the environment.
    const result = validate(env, [], false);
    expect(`${result.stdout}${result.stderr}`.trim()).toBe("");
    expect(result.status).toBe(0);
  });

  it("fails when a client file is missing", () => {
    const missing = JSON.stringify([
      { source: "/nonexistent/hpc-client.exe", destination: "C:\\x" },
    ]);
    const result = validate({ PKR_VAR_client_files_json: missing });
    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toContain("/nonexistent/hpc-client.exe");
  });

  it("rejects a build address other than public or private", () => {
    const result = validate({ PKR_VAR_client_files_json: clientFilesJson }, [
      "-var",
      "build_address=nat",
    ]);
    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toContain("must be public or private");
  });

  it("declares exactly the variables the component sets", () => {
    const declared = [...template.matchAll(/^variable "([a-z_]+)"/gm)].map((match) => match[1]);
    const config = stackConfig("dev");
    const fromComponent = Object.keys(
      templateVariables(templateInputs(config, { ...SAMPLE_BUILD, clientFiles: [] })),
    );
    expect(declared.sort()).toEqual(
      [...fromComponent, "winrm_password", "content_hash", "manifest_path"].sort(),
    );
    // The build's network, all three: without vpc_id the builder makes a VPC of its own.
    expect(fromComponent).toEqual(
      expect.arrayContaining(["vpc_id", "vswitch_id", "security_group_id"]),
    );
  });

  it("keeps required_plugins out of the template, in plugins.pkr.hcl", () => {
    expect(template).not.toMatch(/required_plugins/);
    const plugins = readFileSync(join(TEMPLATE_DIR, "plugins.pkr.hcl"), "utf8");
    expect(plugins).toMatch(/source\s*=\s*"github.com\/hashicorp\/alicloud"/);
    // Pinned to one version, so two builds of the same inputs use the same plugin.
    expect(plugins).toMatch(/version\s*=\s*"= \d+\.\d+\.\d+"/);
  });

  it("builds over WinRM/HTTPS into the given security group, never the builder's open one", () => {
    expect(template).toMatch(/communicator\s*=\s*"winrm"/);
    expect(template).toMatch(/winrm_use_ssl\s*=\s*true/);
    expect(template).toMatch(/winrm_port\s*=\s*5986/);
    expect(template).toMatch(/security_group_id\s*=\s*var\.security_group_id/);
    // Without the VPC the builder makes a new one and finds neither of the two above in it.
    expect(template).toMatch(/vpc_id\s*=\s*var\.vpc_id/);
    expect(template).toMatch(/vswitch_id\s*=\s*var\.vswitch_id/);
    expect(template).toMatch(/user_data\s*=\s*local\.build_user_data/);
    expect(template).toMatch(/scripts_dir}\/host\/enable-winrm\.ps1/);
  });

  it("renders the build's user-data: [powershell], then enable-winrm.ps1 inside its loader, within ECS's 16 KB", () => {
    const result = spawnSync("packer", ["inspect", "-var-file", SAMPLE_VARS, TEMPLATE], {
      encoding: "utf8",
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "/tmp",
        CHECKPOINT_DISABLE: "1",
        PKR_VAR_winrm_password: "Validate-Only-1",
        PKR_VAR_client_files_json: clientFilesJson,
      },
    });
    expect(result.status).toBe(0);
    const line = result.stdout
      .split("\n")
      .find((text) => text.startsWith("local.build_user_data: "));
    const userData = JSON.parse(line!.slice("local.build_user_data: ".length)) as string;
    const loader = readFileSync(join(SCRIPTS_DIR, "build", "enable-build-winrm.ps1"), "utf8");
    const enableWinRM = readFileSync(join(SCRIPTS_DIR, "host", "enable-winrm.ps1"), "utf8");
    expect(userData).toBe(
      `[powershell]\r\n${loader.replace("__ENABLE_WINRM_PS1__", () => enableWinRM)}`,
    );
    expect(Buffer.byteLength(userData, "utf8")).toBeLessThanOrEqual(16 * 1024);
  });

  it("gives the build instance no fixed public IP, which would block its EIP", () => {
    // The builder passes internet_max_bandwidth_out to RunInstances too; above 0 in a VPC
    // that allocates a fixed public IP, and ECS then refuses to associate the EIP.
    const settings = template.split("\n").filter((line) => !line.trim().startsWith("#"));
    expect(settings.join("\n")).not.toMatch(/internet_max_bandwidth_out\s*=/);
    expect(template).toMatch(/associate_public_ip_address\s*=\s*var\.build_address == "public"/);
  });

  it("holds no secret: the password is a sensitive variable with no default", () => {
    const block = template.match(/variable "winrm_password" \{[^}]*\}/)?.[0] ?? "";
    expect(block).toMatch(/sensitive\s*=\s*true/);
    expect(block).not.toMatch(/default/);
    expect(template).not.toMatch(/access_key|secret_key/);
    expect(readFileSync(SAMPLE_VARS, "utf8")).not.toMatch(/^\s*(winrm_password|\w*_key)\s*=/m);
  });

  it("installs the scripts where the user-data calls the bootstrap", () => {
    const dir = BOOTSTRAP_PATH.replace(/\\bootstrap\.ps1$/, "").replace(/\\/g, "/");
    expect(template).toContain(`host_scripts_dir = "${dir}"`);
    expect(template).toMatch(/"bootstrap\.ps1"/);
    expect(template).toMatch(/"HpcFleet\.psm1"/);
    expect(template).toMatch(/"HpcFleet\.Autologon\.cs"/);
  });

  it("uploads every host script, and the module and C# they load, to the image", () => {
    const list = template.match(/host_scripts = \[\s*for name in \[([^\]]*)\]/)?.[1] ?? "";
    const uploaded = [...list.matchAll(/"([^"]+)"/g)].map((match) => match[1]).sort();
    expect(uploaded).toEqual(readdirSync(join(SCRIPTS_DIR, "host")).sort());
  });

  it("ends the build with the seal, which stops the instance itself once Packer has let go", () => {
    expect(template).toMatch(/disable_stop_instance\s*=\s*true/);
    const provisioners = [...template.matchAll(/provisioner "(\w+)" \{([\s\S]*?)\n {2}\}/g)];
    const last = provisioners[provisioners.length - 1];
    expect(last[1]).toBe("powershell");
    expect(last[2]).toMatch(/build\/seal-image\.ps1/);
    expect(last[2]).toMatch(/skip_clean\s*=\s*true/);
  });

  it("ends with a manifest post-processor writing to the path the command reads", () => {
    expect(template).toMatch(/post-processor "manifest" \{\s*output\s*=\s*var\.manifest_path/);
  });
});
