// The provider type tokens the root tests find resources by, each named once. A scaling
// group and a security group are both "groups": their names say which.

export const VPC = "alicloud:vpc/network:Network";
export const VSWITCH = "alicloud:vpc/switch:Switch";
export const SECURITY_GROUP = "alicloud:ecs/securityGroup:SecurityGroup";
export const SECURITY_GROUP_RULE = "alicloud:ecs/securityGroupRule:SecurityGroupRule";
export const NAT_GATEWAY = "alicloud:vpc/natGateway:NatGateway";
export const EIP = "alicloud:ecs/eipAddress:EipAddress";
export const EIP_ASSOCIATION = "alicloud:ecs/eipAssociation:EipAssociation";
export const SNAT_ENTRY = "alicloud:vpc/snatEntry:SnatEntry";

export const ALB = "alicloud:alb/loadBalancer:LoadBalancer";
export const ALB_SERVER_GROUP = "alicloud:alb/serverGroup:ServerGroup";
export const ALB_LISTENER = "alicloud:alb/listener:Listener";
export const ALB_ACL = "alicloud:alb/acl:Acl";
export const ALB_ACL_ENTRY = "alicloud:alb/aclEntryAttachment:AclEntryAttachment";
export const ALB_LISTENER_ACL = "alicloud:alb/listenerAclAttachment:ListenerAclAttachment";
export const CERTIFICATE = "alicloud:cas/serviceCertificate:ServiceCertificate";
export const SESSION_MANAGER = "alicloud:ecs/ecsSessionManagerStatus:EcsSessionManagerStatus";

export const SCALING_GROUP = "alicloud:ess/scalingGroup:ScalingGroup";
export const SCALING_CONFIGURATION = "alicloud:ess/scalingConfiguration:ScalingConfiguration";
export const INSTANCE_REFRESH = "alicloud:ess/instanceRefresh:InstanceRefresh";

export const CONTAINER_GROUP = "alicloud:eci/containerGroup:ContainerGroup";
export const RAM_ROLE = "alicloud:ram/role:Role";
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
export const TLS_PRIVATE_KEY = "tls:index/privateKey:PrivateKey";
export const TLS_SELF_SIGNED_CERT = "tls:index/selfSignedCert:SelfSignedCert";
export const TLS_CERT_REQUEST = "tls:index/certRequest:CertRequest";
export const TLS_LOCALLY_SIGNED_CERT = "tls:index/locallySignedCert:LocallySignedCert";
export const LOCAL_COMMAND = "command:local:Command";
