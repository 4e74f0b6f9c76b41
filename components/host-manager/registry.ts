// The host-manager's image, built from code: its repository in an existing Container
// Registry Enterprise Edition instance, the instance's VPC endpoint in the stack's VPC, and
// the image built from services/host-manager's Dockerfile and pushed by
// @pulumi/docker-build. The container group pulls it by digest over the VPC (review A1,
// A2): a re-pushed tag never changes what runs, and a new build is a visible diff.
//
// Enterprise Edition, not Personal: the provider deprecates the Personal Edition resources
// since 1.276.0 in favour of the Enterprise ones (resource_alicloud_cr_namespace.go
// DeprecationMessage), and the Personal Edition instance itself cannot be declared.
import { HOST_MANAGER_VERSION } from "@hpc-fleet/fleet-contract";
import * as alicloud from "@pulumi/alicloud";
import * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";

type AcrRegistryInfo = alicloud.types.input.eci.ContainerGroupAcrRegistryInfo;

/** The build context is the repository root, which the Dockerfile copies from (its header). */
export const BUILD_CONTEXT = ".";
export const DOCKERFILE = "services/host-manager/Dockerfile";
/** ECI runs amd64; one platform, so the digest is a plain manifest, not an index. */
export const IMAGE_PLATFORM = "linux/amd64";
export const REPOSITORY_NAME = "host-manager";

/** The namespace a stack's repository is in: one per stack, so stacks can share an instance. */
export function registryNamespace(stack: string): string {
  return `hpc-fleet-${stack}`;
}

/**
 * An Enterprise Edition instance's default domains, `<name>-registry[-vpc].<region>.cr.aliyuncs.com`
 * (the CR API's RouteItem.InstanceDomain example, api-cr-2018-12-01-struct-routeitem). Derived
 * from the name, not read back: the data source lists only endpoints already enabled
 * (data_source_alicloud_cr_ee_instances.go:217-231), and the VPC one is enabled by this stack.
 */
export function registryDomains(instanceName: string, region: string) {
  return {
    public: `${instanceName}-registry.${region}.cr.aliyuncs.com`,
    vpc: `${instanceName}-registry-vpc.${region}.cr.aliyuncs.com`,
  };
}

type RegistryInstance = alicloud.types.output.cs.GetRegistryEnterpriseInstancesInstance;

/** The instance the config names, among those the region lists; an error naming the key if none. */
export function registryInstanceOf<T extends Pick<RegistryInstance, "id">>(
  instances: readonly T[],
  instanceId: string,
  region: string,
): T {
  const match = instances.find((candidate) => candidate.id === instanceId);
  if (!match) {
    throw new Error(
      `hpc-fleet:hostManager.registryInstanceId: no Container Registry Enterprise Edition instance ${instanceId} in ${region}`,
    );
  }
  return match;
}

export interface RegistryImageArgs {
  readonly region: string;
  readonly stack: string;
  /** The Enterprise Edition instance, `cri-...`, made by hand once per region. */
  readonly instanceId: string;
  readonly vpcId: pulumi.Input<string>;
  /** Where the instance's VPC endpoint takes an address: the container group's vSwitch. */
  readonly vSwitchId: pulumi.Input<string>;
}

export interface RegistryImage {
  /** `<vpc domain>/<namespace>/host-manager@sha256:...`: what the container group runs. */
  readonly imageRef: pulumi.Output<string>;
  /** Password-free pulls from the instance, over its VPC domain. */
  readonly acrRegistryInfo: AcrRegistryInfo;
  /** What the container group must wait for: the pushed image and the VPC endpoint. */
  readonly pullableAfter: pulumi.Resource[];
}

/**
 * Whether the program asks the registry for a login (GetAuthorizationToken, the data source's
 * `enableDetails`): only on `up`. A preview builds nothing, so it needs none, and runs under
 * CI's read-only role, which must not be able to obtain a push credential. In a preview the
 * login is left unknown, so a plan saved by the preview (`pulumi preview --save-plan`)
 * admits the fresh token `up` gets: a token from the preview itself would differ from the
 * one `up` fetches, and `up --plan` would refuse the change.
 */
export function registryLogin(preview: boolean): {
  readonly fetched: boolean;
  readonly unknown: pulumi.Input<string>;
} {
  // The SDK's first-class unknown: serialized as an unknown value, as a preview shows a
  // computed one. Its type is not an Input, hence the cast.
  return { fetched: !preview, unknown: pulumi.unknown as unknown as pulumi.Input<string> };
}

/** Declares the repository, the VPC endpoint and the image build as children of `parent`. */
export function declareRegistryImage(
  parent: pulumi.Resource,
  name: string,
  args: RegistryImageArgs,
): RegistryImage {
  const child = { parent };
  const login = registryLogin(pulumi.runtime.isDryRun());
  const instance = alicloud.cs
    .getRegistryEnterpriseInstancesOutput(
      { ids: [args.instanceId], enableDetails: login.fetched },
      { parent },
    )
    .apply((found) => registryInstanceOf(found.instances, args.instanceId, args.region));
  const domains = instance.apply((found) => registryDomains(found.name, args.region));

  const namespace = new alicloud.cs.RegistryEnterpriseNamespace(
    `${name}-registry-namespace`,
    {
      instanceId: args.instanceId,
      name: registryNamespace(args.stack),
      autoCreate: false,
      defaultVisibility: "PRIVATE",
    },
    child,
  );
  const repository = new alicloud.cs.RegistryEnterpriseRepo(
    `${name}-registry-repository`,
    {
      instanceId: args.instanceId,
      namespace: namespace.name,
      name: REPOSITORY_NAME,
      repoType: "PRIVATE",
      summary: `hpc-fleet ${args.stack}: the host-manager service`,
    },
    child,
  );
  // A new instance admits no network (ACR "network access control overview"): this links
  // the stack's VPC, and the instance resolves its VPC domain there through PrivateZone.
  const vpcEndpoint = new alicloud.cr.VpcEndpointLinkedVpc(
    `${name}-registry-vpc-endpoint`,
    {
      instanceId: args.instanceId,
      vpcId: args.vpcId,
      vswitchId: args.vSwitchId,
      moduleName: "Registry",
      enableCreateDnsRecordInPvzt: true,
    },
    child,
  );

  const repositoryPath = pulumi.interpolate`${namespace.name}/${repository.name}`;
  const image = new dockerBuild.Image(
    `${name}-image`,
    {
      context: { location: BUILD_CONTEXT },
      dockerfile: { location: DOCKERFILE },
      platforms: [IMAGE_PLATFORM],
      // The tag says which version of the service it is; what runs is pinned by digest.
      tags: [pulumi.interpolate`${domains.public}/${repositoryPath}:${HOST_MANAGER_VERSION}`],
      push: true,
      // A preview builds nothing and needs no Docker daemon; `up` builds and pushes.
      buildOnPreview: false,
      registries: [
        {
          address: domains.public,
          // The instance's temporary login (GetAuthorizationToken), never kept in plain text.
          username: login.fetched ? pulumi.secret(instance.tempUsername) : login.unknown,
          password: login.fetched ? pulumi.secret(instance.authorizationToken) : login.unknown,
        },
      ],
    },
    { ...child, dependsOn: [repository] },
  );

  return {
    // The same registry behind either domain: the digest pushed publicly is pulled privately.
    imageRef: pulumi.interpolate`${domains.vpc}/${repositoryPath}@${image.digest}`,
    acrRegistryInfo: {
      instanceId: args.instanceId,
      instanceName: instance.name,
      regionId: args.region,
      domains: [domains.vpc],
    },
    pullableAfter: [image, vpcEndpoint],
  };
}
