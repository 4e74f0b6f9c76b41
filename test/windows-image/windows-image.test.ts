import { spawnSync } from "node:child_process";
import { WindowsImage, WindowsImageArgs } from "../../components/windows-image";
import { WINDOWS_IMAGE_CONFIG, withConfigKeys } from "../../components/config-keys";
import { planBuild } from "../../components/windows-image/windows-image";
import { findResource, redactInputs, resourcesOfType, runDeclarations } from "../helpers/mocks";
import { renderManifest } from "../helpers/packer-manifest";
import { outputValue } from "./outputs";
import { clientFixture, ClientFixture, imageArgs } from "./fixtures";
import { LOCAL_COMMAND, RANDOM_PASSWORD } from "../helpers/types";
import { GET_IMAGES, PUBLIC_IMAGES, publicImagesCall } from "../../tools/mocks/public-images";
import type { CallHandler, RecordedResource } from "../../tools/mocks/recorder";

const BUILT_IMAGE = "m-2zebuilt";

const cloudOutputs = {
  [LOCAL_COMMAND]: () => ({
    stdout: renderManifest([
      { region: "cn-hangzhou", imageId: "m-other" },
      { region: "cn-beijing", imageId: BUILT_IMAGE },
    ]),
  }),
  [RANDOM_PASSWORD]: () => ({ result: "Mock-Password-1" }),
};

function declare(
  args: WindowsImageArgs,
  preview = false,
  calls?: Readonly<Record<string, CallHandler>>,
) {
  return runDeclarations(() => new WindowsImage("windows-image", args), {
    preview,
    cloudOutputs,
    calls,
  });
}

/** The build's environment, secrets revealed. */
function buildEnvironment(resources: readonly RecordedResource[]): Record<string, string> {
  const build = findResource(resources, LOCAL_COMMAND, "windows-image-build");
  return (build.inputs.environment as { value: Record<string, string> }).value;
}

const EN_US_2022 = "win2022_21H2_x64_dtc_en-us_40G_alibase";

describe("WindowsImage", () => {
  let fixture: ClientFixture;
  beforeEach(() => {
    fixture = clientFixture();
  });
  afterEach(() => fixture.remove());

  it("declares the Packer build with the content hash as its trigger", async () => {
    const { resources, outputs } = await declare(imageArgs(fixture));
    const build = findResource(resources, LOCAL_COMMAND, "windows-image-build");
    expect(build.parent).toBe("windows-image");
    const hash = await outputValue(outputs.contentHash);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(build.inputs.triggers).toEqual([hash]);
    expect(await outputValue(outputs.imageId)).toBe(BUILT_IMAGE);
  });

  it("runs packer init and build, and prints the manifest as the only stdout", async () => {
    const { resources } = await declare(imageArgs(fixture));
    const create = findResource(resources, LOCAL_COMMAND, "windows-image-build").inputs
      .create as string;
    expect(create).toContain("packer init 'images/windows' >&2");
    expect(create).toContain("packer build -color=false -timestamp-ui 'images/windows' >&2");
    expect(create).toContain('cat "$work/manifest.json"');
    expect(create).toContain("ALICLOUD_ACCESS_KEY:?");
    expect(spawnSync("sh", ["-n", "-c", create]).status).toBe(0);
  });

  it("keeps the password out of the command line and in a secret environment", async () => {
    const { resources } = await declare(imageArgs(fixture));
    const build = findResource(resources, LOCAL_COMMAND, "windows-image-build");
    const create = build.inputs.create as string;
    expect(create).not.toContain("Mock-Password-1");
    expect(create).not.toMatch(/PKR_VAR_winrm_password|ALICLOUD_SECRET_KEY=/);
    expect(JSON.stringify(redactInputs(build.inputs))).not.toContain("Mock-Password-1");
    expect(redactInputs(build.inputs.environment)).toBe("[secret]");
    const password = findResource(resources, RANDOM_PASSWORD, "windows-image-winrm-password");
    expect(password.inputs.overrideSpecial).not.toMatch(/[_$'"`\\]/);
    expect(password.inputs).toMatchObject({ special: true, minSpecial: 2, minUpper: 2 });
    // As first generated: a change to these would replace the password.
    expect(password.inputs).toEqual({
      length: 24,
      special: true,
      overrideSpecial: "!#%*+-=",
      minUpper: 2,
      minLower: 2,
      minNumeric: 2,
      minSpecial: 2,
    });
  });

  it("passes every template variable by environment", async () => {
    const { resources } = await declare(imageArgs(fixture));
    const build = findResource(resources, LOCAL_COMMAND, "windows-image-build");
    const envelope = build.inputs.environment as { value: Record<string, string> };
    const environment = envelope.value;
    expect(environment).toMatchObject({
      PKR_VAR_region: "cn-beijing",
      PKR_VAR_vpc_id: "vpc-2ze0abc",
      PKR_VAR_vswitch_id: "vsw-2ze0abc",
      PKR_VAR_security_group_id: "sg-2ze0build",
      PKR_VAR_build_address: "public",
      PKR_VAR_winrm_password: "Mock-Password-1",
    });
    expect(JSON.parse(environment.PKR_VAR_tags_json)).toMatchObject({
      team: "perf-lab",
      role: "image",
      Name: "windows-image",
    });
    expect(environment.PKR_VAR_content_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("builds from the newest public image matching sourceImageName, in vars and hash", async () => {
    const asked: Record<string, unknown>[] = [];
    const recording: CallHandler = (inputs) => {
      asked.push(inputs);
      return publicImagesCall()(inputs);
    };
    const args = imageArgs(fixture);
    expect(args.sourceImageName).toBe(`^${EN_US_2022}_\\d{8}\\.vhd$`);
    const { resources, outputs } = await declare(args, false, { [GET_IMAGES]: recording });
    expect(asked).toEqual([
      {
        nameRegex: args.sourceImageName,
        owners: "system",
        status: "Available",
        osType: "windows",
        architecture: "x86_64",
        mostRecent: true,
      },
    ]);
    // Not the container variant, which is newer; nor the 20250916 image the stacks pinned.
    const environment = buildEnvironment(resources);
    expect(environment.PKR_VAR_source_image).toBe(`${EN_US_2022}_20251015.vhd`);
    expect(environment.PKR_VAR_content_hash).toBe(await outputValue(outputs.contentHash));
  });

  it("rebuilds when a newer matching image is published", async () => {
    const args = imageArgs(fixture);
    const before = await declare(args);
    const published = [
      ...PUBLIC_IMAGES,
      {
        ...PUBLIC_IMAGES.find((image) => image.name === `${EN_US_2022}_20251015.vhd`)!,
        name: `${EN_US_2022}_20251112.vhd`,
        creationTime: "2025-11-13T03:02:19Z",
      },
    ];
    const after = await declare(args, false, { [GET_IMAGES]: publicImagesCall(published) });
    expect(buildEnvironment(after.resources).PKR_VAR_source_image).toBe(
      `${EN_US_2022}_20251112.vhd`,
    );
    const [beforeHash, afterHash] = [
      await outputValue(before.outputs.contentHash),
      await outputValue(after.outputs.contentHash),
    ];
    expect(afterHash).toMatch(/^[0-9a-f]{64}$/);
    expect(afterHash).not.toBe(beforeHash);
    const triggers = (result: typeof before) =>
      findResource(result.resources, LOCAL_COMMAND, "windows-image-build").inputs.triggers;
    expect(triggers(after)).toEqual([afterHash]);
    expect(triggers(after)).not.toEqual(triggers(before));
  });

  it("builds from a pinned sourceImage without looking any image up", async () => {
    const pinned = `${EN_US_2022}_20250916.vhd`;
    const asked: unknown[] = [];
    const recording: CallHandler = (inputs) => {
      asked.push(inputs);
      return publicImagesCall()(inputs);
    };
    const args = { ...imageArgs(fixture), sourceImage: pinned, sourceImageName: undefined };
    const { resources } = await declare(args, false, { [GET_IMAGES]: recording });
    expect(buildEnvironment(resources).PKR_VAR_source_image).toBe(pinned);
    expect(asked).toEqual([]);
  });

  it("gives the build a create timeout longer than buildTimeoutMinutes", async () => {
    const { resources } = await declare(
      imageArgs(fixture, { image: { buildTimeoutMinutes: 240 } }),
    );
    const build = findResource(resources, LOCAL_COMMAND, "windows-image-build");
    const minutes = Number(/^(\d+)m$/.exec(String(build.options?.customTimeouts?.create))?.[1]);
    expect(minutes).toBeGreaterThan(240);
    expect(minutes).toBeLessThanOrEqual(300);
  });

  it("rebuilds when a client file changes, and not otherwise", async () => {
    const first = await outputValue((await declare(imageArgs(fixture))).outputs.contentHash);
    const again = await outputValue((await declare(imageArgs(fixture))).outputs.contentHash);
    fixture.write("us3config.json", "{}\n");
    const changed = await outputValue((await declare(imageArgs(fixture))).outputs.contentHash);
    expect(again).toBe(first);
    expect(changed).not.toBe(first);
  });

  it("with an existing image id builds nothing and outputs that id", async () => {
    const args = imageArgs(fixture, { image: { existingImageId: "m-2zeexisting" } });
    const { resources, outputs } = await declare(args);
    expect(resourcesOfType(resources, LOCAL_COMMAND)).toEqual([]);
    expect(resourcesOfType(resources, RANDOM_PASSWORD)).toEqual([]);
    expect(await outputValue(outputs.imageId)).toBe("m-2zeexisting");
  });

  it("refuses to build without the network it needs, naming the args", () => {
    const args = {
      ...imageArgs(fixture),
      vpcId: undefined,
      vSwitchId: undefined,
      buildSecurityGroupId: undefined,
    };
    expect(() => planBuild("windows-image", args, false)).toThrow(
      /vpcId: is required[\s\S]*vSwitchId: is required[\s\S]*buildSecurityGroupId/,
    );
  });

  it("refuses to build with a missing client file, naming its config key", () => {
    const args = imageArgs(fixture, {
      image: {
        clientFiles: [{ source: "absent.exe", destination: "C:\\hpc\\client\\absent.exe" }],
      },
      fleet: { clientExecutable: "C:\\hpc\\client\\absent.exe" },
    });
    expect(() => planBuild("windows-image", args, false)).toThrow(
      /clientFiles\[0\]\.source: no file at .*absent\.exe/,
    );
    // The fleet declares the image so: the operator sees the key they set.
    expect(() =>
      withConfigKeys(WINDOWS_IMAGE_CONFIG, () => planBuild("windows-image", args, false)),
    ).toThrow(/hpc-fleet:image\.clientFiles\[0\]\.source: no file at .*absent\.exe/);
  });

  it("previews without the client files, the trigger then unknown", async () => {
    const args = imageArgs(fixture, {
      image: {
        clientFiles: [{ source: "absent.exe", destination: "C:\\hpc\\client\\absent.exe" }],
      },
      fleet: { clientExecutable: "C:\\hpc\\client\\absent.exe" },
    });
    const { resources } = await declare(args, true);
    const build = findResource(resources, LOCAL_COMMAND, "windows-image-build");
    expect(redactInputs(build.inputs.triggers)).toEqual(["<computed>"]);
  });

  it("rejects two client files staged under one name", () => {
    fixture.write("a.exe", "a");
    const args = imageArgs(fixture, {
      image: {
        clientFiles: [
          { source: "a.exe", destination: "C:\\hpc\\client\\hpc-client.exe" },
          { source: "../client/a.exe", destination: "C:\\hpc\\client\\b.exe" },
        ],
      },
    });
    expect(() => planBuild("windows-image", args, false)).toThrow(
      "clientFiles[1].source: same file name as clientFiles[0]",
    );
    expect(() =>
      withConfigKeys(WINDOWS_IMAGE_CONFIG, () => planBuild("windows-image", args, false)),
    ).toThrow("hpc-fleet:image.clientFiles[1].source: same file name as clientFiles[0]");
  });
});
