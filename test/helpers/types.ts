// The provider type tokens the root tests find resources by, each named once. A scaling
// group and a security group are both "groups": their names say which.

export const VPC = "alicloud:vpc/network:Network";
export const VSWITCH = "alicloud:vpc/switch:Switch";
export const SECURITY_GROUP = "alicloud:ecs/securityGroup:SecurityGroup";
export const SECURITY_GROUP_RULE = "alicloud:ecs/securityGroupRule:SecurityGroupRule";

export const SCALING_GROUP = "alicloud:ess/scalingGroup:ScalingGroup";
export const SCALING_CONFIGURATION = "alicloud:ess/scalingConfiguration:ScalingConfiguration";
export const INSTANCE_REFRESH = "alicloud:ess/instanceRefresh:InstanceRefresh";

export const CONTAINER_GROUP = "alicloud:eci/containerGroup:ContainerGroup";
export const RAM_POLICY = "alicloud:ram/policy:Policy";
export const DNS_ZONE_ATTACHMENT = "alicloud:pvtz/zoneAttachment:ZoneAttachment";
export const DNS_RECORD = "alicloud:pvtz/zoneRecord:ZoneRecord";

export const NAS_FILE_SYSTEM = "alicloud:nas/fileSystem:FileSystem";
export const NAS_ACCESS_GROUP = "alicloud:nas/accessGroup:AccessGroup";
export const NAS_ACCESS_RULE = "alicloud:nas/accessRule:AccessRule";
export const NAS_MOUNT_TARGET = "alicloud:nas/mountTarget:MountTarget";

export const REGISTRY_NAMESPACE =
  "alicloud:cs/registryEnterpriseNamespace:RegistryEnterpriseNamespace";
export const REGISTRY_REPOSITORY = "alicloud:cs/registryEnterpriseRepo:RegistryEnterpriseRepo";
export const REGISTRY_VPC_ENDPOINT = "alicloud:cr/vpcEndpointLinkedVpc:VpcEndpointLinkedVpc";
export const IMAGE_BUILD = "docker-build:index:Image";
export const GET_REGISTRY_INSTANCES =
  "alicloud:cs/getRegistryEnterpriseInstances:getRegistryEnterpriseInstances";

export const RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword";
export const RANDOM_ID = "random:index/randomId:RandomId";
export const LOCAL_COMMAND = "command:local:Command";
