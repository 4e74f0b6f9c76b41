// Small client files in a temp dir, standing in for the operator's binaries.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stackTags, windowsImageConfigArgs } from "../../components/fleet";
import type { TemplateVariableInputs } from "../../components/windows-image/build-inputs";
import type { WindowsImageArgs } from "../../components/windows-image";
import { foundSourceImageId, sourceImageQuery } from "../../components/windows-image/source-image";
import { DEFAULT_CLIENT_FILES, type StackConfig } from "../../config";
import { publicImagesCall } from "../../tools/mocks/public-images";
import { stackConfig, type ConfigOverrides } from "../helpers/stacks";

export interface ClientFixture {
  /** The project dir: image.clientSourceDir ("client") is inside it. */
  readonly projectDir: string;
  readonly clientDir: string;
  write(name: string, content: string): void;
  remove(): void;
}

export function clientFixture(): ClientFixture {
  const projectDir = mkdtempSync(join(tmpdir(), "hpc-fleet-image-test-"));
  const clientDir = join(projectDir, "client");
  mkdirSync(clientDir);
  const write = (name: string, content: string): void =>
    writeFileSync(join(clientDir, name), content);
  for (const file of DEFAULT_CLIENT_FILES) write(file.source, `contents of ${file.source}\n`);
  return { projectDir, clientDir, write, remove: () => rmSync(projectDir, { recursive: true }) };
}

/** WindowsImage args for the dev stack with overrides, building from the fixture's files. */
export function imageArgs(
  fixture: ClientFixture,
  overrides: ConfigOverrides = {},
): WindowsImageArgs {
  const config = stackConfig("dev", overrides);
  return {
    ...windowsImageConfigArgs(config),
    stack: config.stack,
    tags: stackTags(config),
    projectDir: fixture.projectDir,
    vpcId: "vpc-2ze0abc",
    vSwitchId: "vsw-2ze0abc",
    buildSecurityGroupId: "sg-2ze0build",
  };
}

/** templateVariables' inputs for a stack config's image, built with `build`'s values. */
export function templateInputs(
  config: StackConfig,
  build: Pick<
    TemplateVariableInputs,
    "sourceImage" | "vpcId" | "vSwitchId" | "buildSecurityGroupId" | "tags" | "clientFiles"
  >,
): TemplateVariableInputs {
  return {
    region: config.region,
    stack: config.stack,
    buildInstanceType: config.image.buildInstanceType,
    buildAddress: config.image.buildAddress,
    namePrefix: config.image.namePrefix,
    ...build,
  };
}

/**
 * The source image id a build of `config` starts from: its sourceImage, or what the mock
 * ecs.getImages answers for its sourceImageName, as the component looks it up.
 */
export function resolvedSourceImage(config: StackConfig): string {
  const { sourceImage, sourceImageName } = config.image;
  if (sourceImage) return sourceImage;
  if (sourceImageName === undefined) throw new Error(`stack ${config.stack} builds no image`);
  const { images } = publicImagesCall()(sourceImageQuery(sourceImageName)) as {
    images: { id: string; name: string }[];
  };
  return foundSourceImageId(images, sourceImageName, config.region);
}
