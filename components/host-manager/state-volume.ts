// Where the host-manager keeps its SQLite state. On "nas": a NAS file system the stack
// declares for it alone, reachable only from the container group's vSwitch, so the state
// outlives every update and replacement of the group (review B7); a mount target address
// typed into the config could never be in a VPC the stack itself creates (review A3). On
// "emptyDir": the group's own scratch space, lost whenever the group is replaced; enough
// for a dev stack that does not mind losing its history.
import * as alicloud from "@pulumi/alicloud";
import type * as pulumi from "@pulumi/pulumi";
import { resourceTags } from "../tags";
import type { HostManagerArgs } from "./args";
import { DATA_DIR } from "./container-env";

type Volume = alicloud.types.input.eci.ContainerGroupVolume;
type InitContainer = alicloud.types.input.eci.ContainerGroupInitContainer;

/** The service's user: `USER node` in its Dockerfile, uid 1000 in the node:20 images. */
export const SERVICE_UID = 1000;

/** The volume the service's data directory is, and what prepares it before the service starts. */
export interface StateVolume {
  readonly volume: Volume;
  readonly initContainers?: InitContainer[];
}

export type StateVolumeArgs = Pick<
  HostManagerArgs,
  "storage" | "nasStorageType" | "zoneId" | "vpcId" | "vSwitchId" | "vSwitchCidr" | "tags"
>;

/** The volume's name; the service's container mounts it at its data directory. */
export const STATE_VOLUME_NAME = "data";

/** Declares the state's storage as children of `parent`, and the volume that mounts it. */
export function declareStateVolume(
  parent: pulumi.Resource,
  name: string,
  args: StateVolumeArgs,
  image: pulumi.Input<string>,
): StateVolume {
  if (args.storage === "emptyDir") {
    return { volume: { name: STATE_VOLUME_NAME, type: "EmptyDirVolume" } };
  }
  const child = { parent };
  const fileSystemName = `${name}-state`;
  // General-purpose ("standard") NAS over NFS, in the container group's zone. Every field
  // here is ForceNew (resource_alicloud_nas_file_system.go:44-231): a change makes a new,
  // empty file system.
  const fileSystem = new alicloud.nas.FileSystem(
    fileSystemName,
    {
      protocolType: "NFS",
      fileSystemType: "standard",
      storageType: args.nasStorageType,
      zoneId: args.zoneId,
      description: fileSystemName,
      tags: resourceTags(args.tags, "host-manager-state", fileSystemName),
    },
    child,
  );
  const accessGroupName = `${name}-state-access`;
  const accessGroup = new alicloud.nas.AccessGroup(
    accessGroupName,
    {
      accessGroupName,
      accessGroupType: "Vpc",
      fileSystemType: "standard",
      // Its name again: letters, digits and hyphens, which any description rule takes.
      description: accessGroupName,
    },
    child,
  );
  // no_squash: the init container's root must be able to hand the directory to the
  // service's user; with root squashed to nobody its chown fails.
  const accessRule = new alicloud.nas.AccessRule(
    `${accessGroupName}-rule`,
    {
      accessGroupName: accessGroup.accessGroupName,
      sourceCidrIp: args.vSwitchCidr,
      rwAccessType: "RDWR",
      userAccessType: "no_squash",
      priority: 1,
    },
    child,
  );
  // In the stack's own VPC and the container group's vSwitch: a mount target answers only
  // inside its VPC. Its domain is the NFS server the container group mounts.
  const mountTarget = new alicloud.nas.MountTarget(
    `${name}-state-mount`,
    {
      fileSystemId: fileSystem.id,
      vpcId: args.vpcId,
      vswitchId: args.vSwitchId,
      networkType: "Vpc",
      accessGroupName: accessGroup.accessGroupName,
    },
    { ...child, dependsOn: [accessRule] },
  );
  return {
    volume: {
      name: STATE_VOLUME_NAME,
      type: "NFSVolume",
      nfsVolumeServer: mountTarget.mountTargetDomain,
      // The file system is the service's alone: its root is the data directory.
      nfsVolumePath: "/",
      nfsVolumeReadOnly: false,
    },
    // A new file system's root belongs to root, and the service runs as uid 1000: the same
    // image, as root, hands it (and anything a restore left behind) to the service's user
    // before the service starts. The mount point exists, so there is nothing to create.
    initContainers: [
      {
        name: "data-owner",
        image,
        imagePullPolicy: "IfNotPresent",
        commands: ["sh", "-c", `chown -R ${SERVICE_UID}:${SERVICE_UID} ${DATA_DIR}`],
        securityContexts: [{ runAsUser: 0 }],
        volumeMounts: [{ name: STATE_VOLUME_NAME, mountPath: DATA_DIR, readOnly: false }],
      },
    ],
  };
}
