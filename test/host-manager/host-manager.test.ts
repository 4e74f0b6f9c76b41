// The host-manager's deployment: container, least-privilege role, stable DNS name, secrets.
import * as pulumi from "@pulumi/pulumi";
import { hostManagerConfigArgs, stackTags } from "../../components/fleet";
import {
  HostManager,
  hostManagerArgProblems,
  registryServer,
  type HostManagerArgs,
} from "../../components/host-manager";
import type { StackConfig } from "../../config";
import { findResource, isSecretEnvelope, plain, runDeclarations } from "../helpers/mocks";
import { stackConfig } from "../helpers/stacks";
import {
  CONTAINER_GROUP,
  DNS_RECORD,
  DNS_ZONE_ATTACHMENT,
  NAS_ACCESS_GROUP,
  NAS_ACCESS_RULE,
  NAS_FILE_SYSTEM,
  NAS_MOUNT_TARGET,
  IMAGE_BUILD,
  RAM_POLICY,
  RAM_ROLE,
  TLS_CERT_REQUEST,
  TLS_LOCALLY_SIGNED_CERT,
  TLS_PRIVATE_KEY,
  TLS_SELF_SIGNED_CERT,
} from "../helpers/types";
import { MOCK_ACCOUNT_ID } from "../../tools/mocks/calls";
import { tlsCertificateOutputs, tlsPrivateKeyOutputs } from "../../tools/mocks/provider-outputs";

/** An existing image, pinned by digest as the args require. */
const PINNED_IMAGE = `registry-vpc.cn-beijing.aliyuncs.com/perf/host-manager:0.1.0@sha256:${"ab".repeat(32)}`;

/** Statuspage metric ids, one per figure pushed. */
const METRIC_IDS = {
  hostsTotal: "a",
  running: "b",
  unhealthy: "c",
  remediating: "d",
  remediations: "e",
};

/** The HostManager's args as the fleet passes them for `config`, wired to fixed ids. */
function hostManagerArgs(config: StackConfig): HostManagerArgs {
  return {
    ...hostManagerConfigArgs(config),
    project: config.project,
    stack: config.stack,
    tags: stackTags(config),
    vpcId: "vpc-1",
    vSwitchId: "vsw-1",
    zoneId: `${config.region}-h`,
    vSwitchCidr: "10.42.0.0/20",
    securityGroupId: "sg-hm",
    scalingGroupId: "asg-1",
    fleetToken: pulumi.secret("fleet-token-value"),
    generation: "0123456789abcdef",
  };
}

function declare(config: StackConfig) {
  return runDeclarations(() => new HostManager("hm", hostManagerArgs(config)));
}

interface Container {
  image: string;
  environmentVars: Array<{ key: string; value: unknown }>;
  livenessProbes: Array<{ httpGets: Array<{ path: string; port: number; scheme: string }> }>;
  volumeMounts: Array<{ name: string; mountPath: string }>;
}

async function containerOf(config: StackConfig) {
  const { resources, outputs } = await declare(config);
  const group = findResource(resources, CONTAINER_GROUP, "hm-container");
  const container = plain<Container[]>(group.inputs.containers)[0];
  const env = Object.fromEntries(container.environmentVars.map((v) => [v.key, v.value]));
  return { resources, outputs, group, container, env };
}

describe("HostManager", () => {
  test("runs the configured image with restart Always, a /healthz liveness probe and a grace period", async () => {
    const config = stackConfig("dev");
    const { resources, group, container } = await containerOf(config);
    expect(group.inputs).toMatchObject({
      restartPolicy: "Always",
      cpu: 1,
      memory: 2,
      vswitchId: "vsw-1",
      securityGroupId: "sg-hm",
    });
    expect(group.inputs.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(60);
    expect(container.livenessProbes[0].httpGets[0]).toMatchObject({ path: "/healthz", port: 8080 });
    // The role the component declares, by its name (the container assumes it for its calls).
    const role = findResource(resources, RAM_ROLE, "hm-role");
    expect(group.inputs.ramRoleName).toBe(role.inputs.roleName);
  });

  test("the status page's cookie is Secure only when TLS fronts the service", async () => {
    const config = stackConfig("dev");
    const { env } = await containerOf(config);
    expect(env.HOST_MANAGER_COOKIE_SECURE).toBe("false");
    const { resources } = await runDeclarations(
      () => new HostManager("hm", { ...hostManagerArgs(config), statusPageBehindTls: true }),
      { cloudOutputs: { [CONTAINER_GROUP]: () => ({ intranetIp: "10.42.0.50" }) } },
    );
    const group = findResource(resources, CONTAINER_GROUP, "hm-container");
    const [container] = plain<Container[]>(group.inputs.containers);
    const secure = container.environmentVars.find((v) => v.key === "HOST_MANAGER_COOKIE_SECURE");
    expect(secure?.value).toBe("true");
  });

  test("is replaced delete-before-create, so two host-managers never run at once", async () => {
    const { group } = await containerOf(stackConfig("dev"));
    expect(group.options).toMatchObject({
      deleteBeforeReplace: true,
      // Sent only at create: a new grace period needs a new container group.
      replaceOnChanges: ["terminationGracePeriodSeconds"],
    });
  });

  test("the fleet token reaches the container only as a secret, and no cloud access key does", async () => {
    const { env, group } = await containerOf(stackConfig("dev"));
    expect(env.HOST_MANAGER_TOKEN).toBe("fleet-token-value");
    expect(isSecretEnvelope(group.inputs.containers)).toBe(true);
    expect(
      Object.keys(env).filter((key) => /ACCESS_KEY|SECRET_KEY|ACCESS_KEY_ID/.test(key)),
    ).toEqual([]);
    expect(env).toMatchObject({
      HOST_MANAGER_CLOUD: "alicloud",
      HOST_MANAGER_SCALING_GROUP_ID: "asg-1",
      HOST_MANAGER_REGION: "cn-beijing",
    });
  });

  test("health-check settings reach the container from the stack config", async () => {
    const { env } = await containerOf(stackConfig("prod-ap-southeast-1"));
    expect(env).toMatchObject({
      HOST_MANAGER_SCHEDULE: "0 */3 * * * *",
      HOST_MANAGER_STARTUP_TIMEOUT_MINUTES: "25",
      HOST_MANAGER_MAX_UNHEALTHY: "15%",
      HOST_MANAGER_REPLACE_MODE: "remove",
      HOST_MANAGER_FLEET_GENERATION: "0123456789abcdef",
      HOST_MANAGER_MIN_HEALTHY_PERCENTAGE: "80",
    });
  });

  test("the RAM policy has no wildcard action and scopes reboots and repairs to this stack", async () => {
    const { resources } = await declare(stackConfig("dev"));
    const policy = findResource(resources, RAM_POLICY, "hm-policy");
    const document = JSON.parse(policy.inputs.policyDocument as string);
    const actions: string[] = document.Statement.flatMap(
      (statement: { Action: string[] }) => statement.Action,
    );
    expect(actions.filter((action) => action.includes("*"))).toEqual([]);
    const reboot = document.Statement.find((s: { Action: string[] }) =>
      s.Action.includes("ecs:RebootInstance"),
    );
    expect(reboot.Condition.StringEquals).toEqual({
      "ecs:tag/project": "hpc-fleet",
      "ecs:tag/stack": "dev",
    });
    const ess = document.Statement.find((s: { Action: string[] }) =>
      s.Action.includes("ess:SetInstanceHealth"),
    );
    expect(ess.Resource).toEqual(["acs:ess:cn-beijing:*:scalinggroup/asg-1"]);
  });

  test("the hosts find it by a private DNS name that points at the container group", async () => {
    const { resources, outputs } = await declare(stackConfig("dev"));
    const record = findResource(resources, DNS_RECORD, "hm-record");
    expect(record.inputs).toMatchObject({
      rr: "host-manager",
      type: "A",
      value: "10.42.0.50",
      zoneId: "hm-zone-id",
    });
    const attachment = findResource(resources, DNS_ZONE_ATTACHMENT, "hm-zone-attachment");
    expect(attachment.inputs.vpcIds).toEqual(["vpc-1"]);
    const url = await new Promise((resolve) => outputs.url.apply(resolve));
    expect(url).toBe("https://host-manager.hpc-fleet.internal:8080");
  });

  test("serves TLS with a certificate from the stack's own CA for the hosts' DNS name; the key only as a secret", async () => {
    const { resources, outputs, env, group, container } = await containerOf(stackConfig("dev"));
    const caCert = findResource(resources, TLS_SELF_SIGNED_CERT, "hm-ca-cert");
    expect(caCert.inputs).toMatchObject({
      isCaCertificate: true,
      allowedUses: expect.arrayContaining(["cert_signing"]),
    });
    expect(findResource(resources, TLS_PRIVATE_KEY, "hm-ca-key").inputs).toMatchObject({
      algorithm: "ECDSA",
      ecdsaCurve: "P256",
    });
    expect(findResource(resources, TLS_PRIVATE_KEY, "hm-tls-key").inputs).toMatchObject({
      algorithm: "ECDSA",
      ecdsaCurve: "P256",
    });
    // The private DNS name the hosts use (the zone record's), in the certificate's SAN.
    const request = findResource(resources, TLS_CERT_REQUEST, "hm-tls-request");
    expect(request.inputs.dnsNames).toEqual(["host-manager.hpc-fleet.internal"]);
    const caCertPem = tlsCertificateOutputs(caCert.inputs, caCert.name).certPem;
    const cert = findResource(resources, TLS_LOCALLY_SIGNED_CERT, "hm-tls-cert");
    expect(plain(cert.inputs.caCertPem)).toBe(caCertPem);
    expect(cert.inputs.allowedUses).toEqual(expect.arrayContaining(["server_auth"]));
    // The CA is public (the hosts install it); the service's certificate and key reach the container.
    const declaredCa = await new Promise((resolve) => outputs.caCertPem.apply(resolve));
    expect(declaredCa).toBe(caCertPem);
    expect(env.HOST_MANAGER_TLS_CERT_PEM).toBe(
      tlsCertificateOutputs(cert.inputs, cert.name).certPem,
    );
    expect(env.HOST_MANAGER_TLS_KEY_PEM).toBe(tlsPrivateKeyOutputs({}, "hm-tls-key").privateKeyPem);
    // The whole environment is a secret because the key is one (as with the fleet token).
    expect(isSecretEnvelope(group.inputs.containers)).toBe(true);
    // The liveness probe speaks HTTPS too (it does not check the certificate).
    expect(container.livenessProbes[0].httpGets[0]).toMatchObject({ scheme: "HTTPS" });
  });

  test("only the stack's own account may register, and the fleet-token fallback is off by default", async () => {
    const { env } = await containerOf(stackConfig("dev"));
    expect(env.HOST_MANAGER_ACCOUNT_ID).toBe(MOCK_ACCOUNT_ID);
    expect(env.HOST_MANAGER_FLEET_TOKEN_FALLBACK).toBe("false");
  });

  test("keeps its state on a NAS file system of its own, in its vSwitch, open only to that vSwitch", async () => {
    const { resources, group, container } = await containerOf(stackConfig("prod-cn-hangzhou"));
    expect(findResource(resources, NAS_FILE_SYSTEM, "hm-state").inputs).toMatchObject({
      protocolType: "NFS",
      fileSystemType: "standard",
      storageType: "Capacity",
      zoneId: "cn-hangzhou-h",
    });
    expect(findResource(resources, NAS_ACCESS_GROUP, "hm-state-access").inputs).toMatchObject({
      accessGroupName: "hm-state-access",
      accessGroupType: "Vpc",
    });
    expect(findResource(resources, NAS_ACCESS_RULE, "hm-state-access-rule").inputs).toMatchObject({
      accessGroupName: "hm-state-access",
      sourceCidrIp: "10.42.0.0/20",
      rwAccessType: "RDWR",
      // Root in the init container must be able to chown the directory.
      userAccessType: "no_squash",
    });
    const mountTarget = findResource(resources, NAS_MOUNT_TARGET, "hm-state-mount");
    expect(mountTarget.inputs).toMatchObject({
      fileSystemId: "hm-state-id",
      vpcId: "vpc-1",
      vswitchId: "vsw-1",
      networkType: "Vpc",
      accessGroupName: "hm-state-access",
    });
    const [volume] = plain<Array<Record<string, unknown>>>(group.inputs.volumes);
    expect(volume).toEqual({
      name: "data",
      type: "NFSVolume",
      nfsVolumeServer: expect.stringMatching(
        /^[0-9a-f]{10}-[0-9a-f]{5}\.[a-z0-9-]+\.nas\.aliyuncs\.com$/,
      ),
      nfsVolumePath: "/",
      nfsVolumeReadOnly: false,
    });
    expect(container.volumeMounts).toEqual([{ name: "data", mountPath: "/data", readOnly: false }]);
  });

  test("hands the NAS directory to the service's user first, as root, from its own image", async () => {
    const { group, container } = await containerOf(stackConfig("prod-cn-hangzhou"));
    expect(plain(group.inputs.initContainers)).toEqual([
      {
        name: "data-owner",
        image: container.image,
        imagePullPolicy: "IfNotPresent",
        commands: ["sh", "-c", "chown -R 1000:1000 /data"],
        securityContexts: [{ runAsUser: 0 }],
        volumeMounts: [{ name: "data", mountPath: "/data", readOnly: false }],
      },
    ]);
  });

  test("an emptyDir needs no NAS and no init container (dev may keep its state there)", async () => {
    const { resources, group } = await containerOf(
      stackConfig("dev", { hostManager: { storage: "emptyDir" } }),
    );
    expect(group.inputs.volumes).toEqual([{ name: "data", type: "EmptyDirVolume" }]);
    expect(group.inputs.initContainers).toBeUndefined();
    expect(resources.filter((resource) => resource.type.startsWith("alicloud:nas/"))).toEqual([]);
  });

  test("tells the service when its data is on NFS, where SQLite must not use WAL", async () => {
    const nas = await containerOf(stackConfig("prod-cn-hangzhou"));
    expect(nas.env.HOST_MANAGER_DATA_ON_NETWORK_FS).toBe("true");
    const emptyDir = await containerOf(
      stackConfig("dev", { hostManager: { storage: "emptyDir" } }),
    );
    expect(emptyDir.env.HOST_MANAGER_DATA_ON_NETWORK_FS).toBe("false");
  });

  test("the Statuspage key reaches the container as a secret when configured", async () => {
    const config = stackConfig(
      "dev",
      { hostManager: { statuspage: { pageId: "p1", metricIds: METRIC_IDS } } },
      { statuspageApiKey: "sp-key" },
    );
    const { env, group } = await containerOf(config);
    expect(env.HOST_MANAGER_STATUSPAGE_API_KEY).toBe("sp-key");
    expect(JSON.parse(env.HOST_MANAGER_STATUSPAGE_METRIC_IDS as string)).toEqual(METRIC_IDS);
    expect(isSecretEnvelope(group.inputs.containers)).toBe(true);
  });

  test("every resource it declares is tagged with the project and stack, where the type takes tags", async () => {
    const { resources } = await declare(stackConfig("dev"));
    // A docker-build Image's `tags` are its image tags, not cloud tags.
    const tagged = resources.filter(
      (resource) => "tags" in resource.inputs && resource.type !== IMAGE_BUILD,
    );
    expect(tagged.length).toBeGreaterThanOrEqual(4);
    for (const resource of tagged) {
      expect(resource.inputs.tags).toMatchObject({
        project: "hpc-fleet",
        stack: "dev",
        Name: resource.name,
      });
    }
  });
});

describe("the HostManager's args", () => {
  const args = hostManagerArgs(stackConfig("dev"));

  test("are refused, before anything is declared, where settings need a partner", () => {
    expect(
      hostManagerArgProblems({
        ...args,
        registryInstanceId: undefined,
        image: PINNED_IMAGE,
        statuspage: { pageId: "p1", metricIds: METRIC_IDS },
        registryUsername: "puller",
      }),
    ).toEqual([
      { propertyPath: "statuspageApiKey", reason: "is required when statuspage is set" },
      {
        propertyPath: "registryPassword",
        reason: "registryUsername and registryPassword go together",
      },
    ]);
    expect(hostManagerArgProblems({ ...args, statuspageApiKey: "key" })).toEqual([
      { propertyPath: "statuspage", reason: "is required when statuspageApiKey is set" },
    ]);
    expect(() => new HostManager("hm", { ...args, statuspageApiKey: "key" })).toThrow(
      /HostManager hm: [\s\S]*statuspage: is required when statuspageApiKey is set/,
    );
  });

  test("take only the vCPU and memory pairs ECI creates, which it would otherwise round up", () => {
    expect(hostManagerArgProblems({ ...args, cpu: 2, memoryGb: 4 })).toEqual([]);
    expect(hostManagerArgProblems({ ...args, cpu: 0.25, memoryGb: 0.5 })).toEqual([]);
    expect(hostManagerArgProblems({ ...args, cpu: 1, memoryGb: 1 })).toEqual([
      {
        propertyPath: "memoryGb",
        reason: "must be one of 2, 4, 8 with 1 vCPU, as ECI offers them (got 1)",
      },
    ]);
    expect(hostManagerArgProblems({ ...args, cpu: 3, memoryGb: 6 })).toEqual([
      {
        propertyPath: "cpu",
        reason:
          "must be a vCPU count ECI offers: 0.25, 0.5, 1, 2, 4, 8, 12, 16, 24, 32, 52, 64 (got 3)",
      },
    ]);
  });

  test("a private registry's credentials are given for the image's registry", async () => {
    const image = PINNED_IMAGE;
    const { resources } = await runDeclarations(
      () =>
        new HostManager("hm", {
          ...args,
          registryInstanceId: undefined,
          image,
          registryUsername: "puller",
          registryPassword: pulumi.secret("pull-secret"),
        }),
    );
    const group = findResource(resources, CONTAINER_GROUP, "hm-container");
    expect(plain(group.inputs.imageRegistryCredentials)).toEqual([
      {
        server: "registry-vpc.cn-beijing.aliyuncs.com",
        userName: "puller",
        password: "pull-secret",
      },
    ]);
    expect(registryServer(image)).toBe("registry-vpc.cn-beijing.aliyuncs.com");
  });
});
