// The host-manager's image from code: a repository the stack declares in its registry
// instance, the build of services/host-manager pushed by docker-build, and the container
// group pinned to the pushed digest, pulled over the registry's VPC domain.
import { HOST_MANAGER_VERSION } from "@hpc-fleet/fleet-contract";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  BUILD_CONTEXT,
  DOCKERFILE,
  registryInstanceOf,
} from "../../components/host-manager/registry";
import {
  dockerBuildImageOutputs,
  registryEnterpriseInstancesCall,
} from "../../tools/mocks/provider-outputs";
import { ConfigError } from "../../config";
import { findResource, isSecretEnvelope, plain, resourcesOfType, runStack } from "../helpers/mocks";
import { PROJECT_DIR, stackConfig } from "../helpers/stacks";
import { REGISTRY_INSTANCES } from "../../tools/mocks/calls";
import {
  CONTAINER_GROUP,
  IMAGE_BUILD,
  REGISTRY_NAMESPACE,
  REGISTRY_REPOSITORY,
  REGISTRY_VPC_ENDPOINT,
} from "../helpers/types";

const PREFIX = "hpc-dev-host-manager";
/** The mock instance's name for the dev stack's id (tools/mocks/provider-outputs.ts). */
const PUBLIC_DOMAIN = "hpc-2ze0devr-registry.cn-beijing.cr.aliyuncs.com";
const VPC_DOMAIN = "hpc-2ze0devr-registry-vpc.cn-beijing.cr.aliyuncs.com";
const PINNED = `registry-vpc.cn-beijing.aliyuncs.com/perf/host-manager:0.1.0@sha256:${"cd".repeat(32)}`;

/** An existing Windows image: the hosts' side needs no client files here. */
const WITH_IMAGE = { image: { existingImageId: "m-2ze0base" } };

interface Container {
  image: string;
}

describe("the host-manager's image, built by the stack", () => {
  test("the repository is declared in the configured instance, one namespace per stack", async () => {
    const { resources } = await runStack("dev", WITH_IMAGE);
    expect(
      findResource(resources, REGISTRY_NAMESPACE, `${PREFIX}-registry-namespace`).inputs,
    ).toEqual(
      expect.objectContaining({
        instanceId: "cri-2ze0devregistry",
        name: "hpc-fleet-dev",
        autoCreate: false,
        defaultVisibility: "PRIVATE",
      }),
    );
    expect(
      findResource(resources, REGISTRY_REPOSITORY, `${PREFIX}-registry-repository`).inputs,
    ).toEqual(
      expect.objectContaining({
        instanceId: "cri-2ze0devregistry",
        namespace: "hpc-fleet-dev",
        name: "host-manager",
        repoType: "PRIVATE",
      }),
    );
    expect(
      findResource(resources, REGISTRY_VPC_ENDPOINT, `${PREFIX}-registry-vpc-endpoint`).inputs,
    ).toEqual(
      expect.objectContaining({
        instanceId: "cri-2ze0devregistry",
        moduleName: "Registry",
        enableCreateDnsRecordInPvzt: true,
      }),
    );
  });

  test("the build is services/host-manager's Dockerfile from the repository root, pushed with the service's version", async () => {
    const { resources } = await runStack("dev", WITH_IMAGE);
    const build = findResource(resources, IMAGE_BUILD, `${PREFIX}-image`);
    expect(build.inputs).toEqual(
      expect.objectContaining({
        context: { location: "." },
        dockerfile: { location: "services/host-manager/Dockerfile" },
        platforms: ["linux/amd64"],
        push: true,
        buildOnPreview: false,
        tags: [`${PUBLIC_DOMAIN}/hpc-fleet-dev/host-manager:${HOST_MANAGER_VERSION}`],
      }),
    );
    // The login is the instance's temporary token, kept secret.
    expect(isSecretEnvelope(build.inputs.registries)).toBe(true);
    expect(plain(build.inputs.registries)).toEqual([
      {
        address: PUBLIC_DOMAIN,
        username: "cr_temp_user",
        password: expect.stringMatching(/^mock-authorization-token-/),
      },
    ]);
    // The Dockerfile is where the build says, and copies from the root the context names.
    expect(existsSync(join(PROJECT_DIR, BUILD_CONTEXT, DOCKERFILE))).toBe(true);
    expect(readFileSync(join(PROJECT_DIR, DOCKERFILE), "utf8")).toMatch(
      /COPY packages\/fleet-contract\/package\.json/,
    );
  });

  test("a preview asks for no registry login, and leaves it unknown for up to fill", async () => {
    const asked: Array<Record<string, unknown>> = [];
    const answer = (inputs: Record<string, unknown>) => {
      asked.push(inputs);
      return registryEnterpriseInstancesCall(inputs);
    };
    const calls = { [REGISTRY_INSTANCES]: answer };
    const { resources } = await runStack("dev", WITH_IMAGE, { preview: true, calls });
    expect(asked.map((inputs) => inputs.enableDetails)).toEqual([false]);
    const build = findResource(resources, IMAGE_BUILD, `${PREFIX}-image`);
    const [registry] = plain<Array<Record<string, unknown>>>(build.inputs.registries);
    expect(registry.address).toBe(PUBLIC_DOMAIN);
    expect(JSON.stringify(build.inputs)).not.toMatch(/mock-authorization-token|cr_temp_user/);

    asked.length = 0;
    await runStack("dev", WITH_IMAGE, { calls });
    expect(asked.map((inputs) => inputs.enableDetails)).toEqual([true]);
  });

  test("the container and its init container run the pushed digest, over the VPC, with no password", async () => {
    const { resources } = await runStack("dev", WITH_IMAGE);
    const group = findResource(resources, CONTAINER_GROUP, `${PREFIX}-container`);
    const [container] = plain<Container[]>(group.inputs.containers);
    const [build] = resourcesOfType(resources, IMAGE_BUILD);
    // The mock push's digest, as the real one reports it (image.d.ts digest).
    const digest = String(dockerBuildImageOutputs(build.inputs, build.name).digest);
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(container.image).toBe(`${VPC_DOMAIN}/hpc-fleet-dev/host-manager@${digest}`);
    expect(plain<Container[]>(group.inputs.initContainers)[0].image).toBe(container.image);
    expect(group.inputs.acrRegistryInfos).toEqual([
      {
        instanceId: "cri-2ze0devregistry",
        instanceName: "hpc-2ze0devr",
        regionId: "cn-beijing",
        domains: [VPC_DOMAIN],
      },
    ]);
    expect(group.inputs.imageRegistryCredentials).toBeUndefined();
    expect(group.options?.dependsOn).toEqual(
      expect.arrayContaining([
        `${IMAGE_BUILD}::${PREFIX}-image`,
        `${REGISTRY_VPC_ENDPOINT}::${PREFIX}-registry-vpc-endpoint`,
      ]),
    );
  });

  test("an instance id the region does not have fails, naming the key", () => {
    const listed = registryEnterpriseInstancesCall({ ids: ["cri-2ze0devregistry"] })
      .instances as Array<{
      id: string;
    }>;
    expect(registryInstanceOf(listed, "cri-2ze0devregistry", "cn-beijing").id).toBe(
      "cri-2ze0devregistry",
    );
    expect(() => registryInstanceOf(listed, "cri-other", "cn-beijing")).toThrow(
      "hpc-fleet:hostManager.registryInstanceId: no Container Registry Enterprise Edition instance cri-other in cn-beijing",
    );
  });
});

describe("an existing image instead", () => {
  test("is run as given, and nothing is built or declared in a registry", async () => {
    const { resources } = await runStack("dev", {
      ...WITH_IMAGE,
      hostManager: { registryInstanceId: undefined, image: PINNED },
    });
    for (const type of [
      IMAGE_BUILD,
      REGISTRY_NAMESPACE,
      REGISTRY_REPOSITORY,
      REGISTRY_VPC_ENDPOINT,
    ]) {
      expect(resourcesOfType(resources, type)).toEqual([]);
    }
    const group = findResource(resources, CONTAINER_GROUP, `${PREFIX}-container`);
    expect(plain<Container[]>(group.inputs.containers)[0].image).toBe(PINNED);
    expect(group.inputs.acrRegistryInfos).toBeUndefined();
  });

  const problemsOf = (hostManager: Record<string, unknown>): string[] => {
    try {
      stackConfig("dev", { hostManager });
    } catch (error) {
      if (error instanceof ConfigError) return error.problems.map((p) => `${p.key}: ${p.reason}`);
      throw error;
    }
    return [];
  };

  test("a tag without a digest is refused by its key", () => {
    expect(
      problemsOf({
        registryInstanceId: undefined,
        image: "registry-vpc.cn-beijing.aliyuncs.com/perf/host-manager:0.1.0",
      }),
    ).toEqual([expect.stringMatching(/^hpc-fleet:hostManager\.image: .*pinned by digest/)]);
  });

  test("neither a registry nor an image, or both, is refused", () => {
    expect(problemsOf({ registryInstanceId: undefined })).toEqual([
      "hpc-fleet:hostManager.registryInstanceId: is required unless hostManager.image is set",
    ]);
    expect(problemsOf({ image: PINNED })).toEqual([
      expect.stringMatching(
        /^hpc-fleet:hostManager\.image: and hostManager\.registryInstanceId exclude each other/,
      ),
    ]);
  });
});
