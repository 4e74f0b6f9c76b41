// Which input changes replace a resource rather than update it: the provider's force-new
// fields, so a diff can say "replaced, because <field> changed" as `pulumi preview` does.
// Taken from the Terraform provider that @pulumi/alicloud bridges (ForceNew: true in each
// resource's schema; aliyun/terraform-provider-alicloud at 81c43b6, alicloud/<file>), and
// from the Pulumi providers' own sources for command and random. Paths are the Pulumi
// input names; `[]` stands for any element of a list.

const FORCE_NEW: Readonly<Record<string, readonly string[]>> = {
  // resource_alicloud_vpc.go:78,173,184
  "alicloud:vpc/network:Network": ["ipv6CidrBlock", "isDefault", "userCidrs"],
  // resource_alicloud_vswitch.go:35,64,80,92,105
  "alicloud:vpc/switch:Switch": ["cidrBlock", "isDefault", "vpcId", "zoneId", "availabilityZone"],
  // resource_alicloud_security_group.go:63,71
  "alicloud:ecs/securityGroup:SecurityGroup": ["securityGroupType", "vpcId"],
  // resource_alicloud_security_group_rule.go:31-110
  "alicloud:ecs/securityGroupRule:SecurityGroupRule": [
    "securityGroupId",
    "type",
    "ipProtocol",
    "policy",
    "priority",
    "cidrIp",
    "ipv6CidrIp",
    "sourceSecurityGroupId",
    "sourceGroupOwnerAccount",
    "sourceGroupOwnerId",
    "prefixListId",
    "portRange",
    "nicType",
  ],
  // resource_alicloud_ess_scaling_group.go:93,98,157,253
  "alicloud:ess/scalingGroup:ScalingGroup": [
    "instanceId",
    "containerGroupId",
    "multiAzPolicy",
    "groupType",
  ],
  // resource_alicloud_ess_scaling_configuration.go:47,212,353,366
  "alicloud:ess/scalingConfiguration:ScalingConfiguration": [
    "scalingGroupId",
    "securityEnhancementStrategy",
    "password",
    "kmsEncryptedPassword",
  ],
  // resource_alicloud_eci_container_group.go:32-867
  "alicloud:eci/containerGroup:ContainerGroup": [
    "containerGroupName",
    "vswitchId",
    "securityGroupId",
    "instanceType",
    "zoneId",
    "cpu",
    "memory",
    "ramRoleName",
    "dnsPolicy",
    "ephemeralStorage",
    "spotPriceLimit",
    "spotStrategy",
    "containers[].name",
    "containers[].gpu",
    "containers[].volumeMounts[].name",
    "containers[].livenessProbes[].successThreshold",
    "containers[].readinessProbes[].successThreshold",
    "containers[].securityContexts[].privileged",
    "initContainers[].name",
    "initContainers[].gpu",
    "initContainers[].volumeMounts[].name",
    "securityContext",
    "hostAliases",
    "volumes[].name",
    "volumes[].diskVolumeDiskId",
    "volumes[].diskVolumeFsType",
    "volumes[].flexVolumeDriver",
    "volumes[].flexVolumeFsType",
    "volumes[].flexVolumeOptions",
    "volumes[].nfsVolumePath",
    "volumes[].nfsVolumeServer",
    "volumes[].nfsVolumeReadOnly",
    "volumes[].configFileVolumeConfigFileToPaths",
    "acrRegistryInfos[].regionId",
    // Not ForceNew, but sent only at create: the HostManager replaces on it (replaceOnChanges).
    "terminationGracePeriodSeconds",
  ],
  // resource_alicloud_ram_role.go:67,75
  "alicloud:ram/role:Role": ["roleName", "name"],
  // resource_alicloud_ram_policy.go:54,87
  "alicloud:ram/policy:Policy": ["policyName", "name"],
  // resource_alicloud_ram_role_policy_attachment.go:31,36,42
  "alicloud:ram/rolePolicyAttachment:RolePolicyAttachment": [
    "policyName",
    "policyType",
    "roleName",
  ],
  // resource_alicloud_pvtz_zone.go:62,73,80
  "alicloud:pvtz/zone:Zone": ["resourceGroupId", "zoneName", "name"],
  // resource_alicloud_pvtz_zone_attachment.go:39,44,68
  "alicloud:pvtz/zoneAttachment:ZoneAttachment": ["lang", "userClientIp", "zoneId"],
  // resource_alicloud_pvtz_zone_record.go:91
  "alicloud:pvtz/zoneRecord:ZoneRecord": ["zoneId"],
  // resource_alicloud_nat_gateway.go:50,76,84,167,194,199,222; networkType and vswitchId are
  // not ForceNew there, but components/network/egress.ts replaces on them (replaceOnChanges).
  "alicloud:vpc/natGateway:NatGateway": [
    "internetChargeType",
    "paymentType",
    "instanceChargeType",
    "vpcId",
    "privateLinkEnabled",
    "accessMode",
    "availabilityMode",
    "networkType",
    "vswitchId",
  ],
  // resource_alicloud_eip_address.go:44-173
  "alicloud:ecs/eipAddress:EipAddress": [
    "allocationId",
    "highDefinitionMonitorLogStatus",
    "internetChargeType",
    "ipAddress",
    "isp",
    "netmode",
    "paymentType",
    "publicIpAddressPoolId",
    "securityProtectionTypes",
    "zone",
    "instanceChargeType",
  ],
  // resource_alicloud_eip_association.go:33,42,48,59,64
  "alicloud:ecs/eipAssociation:EipAssociation": [
    "allocationId",
    "instanceId",
    "instanceType",
    "privateIpAddress",
    "vpcId",
  ],
  // resource_alicloud_snat_entry.go:50,55,62
  "alicloud:vpc/snatEntry:SnatEntry": ["snatTableId", "sourceCidr", "sourceVswitchId"],
  // resource_alicloud_alb_load_balancer.go:53,60,70,110,167
  "alicloud:alb/loadBalancer:LoadBalancer": [
    "addressAllocatedMode",
    "addressIpVersion",
    "bandwidthPackageId",
    "loadBalancerBillingConfig",
    "vpcId",
  ],
  // resource_alicloud_alb_server_group.go:147,153,175,309
  "alicloud:alb/serverGroup:ServerGroup": ["ipv6Enabled", "protocol", "serverGroupType", "vpcId"],
  // resource_alicloud_alb_listener.go:94,147,153,159
  "alicloud:alb/listener:Listener": [
    "defaultActions[].type",
    "listenerPort",
    "listenerProtocol",
    "loadBalancerId",
  ],
  // resource_alicloud_alb_acl.go:66
  "alicloud:alb/acl:Acl": ["resourceGroupId"],
  // resource_alicloud_alb_acl_entry_attachment.go:30,35,40 (the snapshot predates `entries`)
  "alicloud:alb/aclEntryAttachment:AclEntryAttachment": ["aclId", "entry", "description"],
  // resource_alicloud_alb_listener_acl_attachment.go:31,36,42
  "alicloud:alb/listenerAclAttachment:ListenerAclAttachment": ["aclId", "aclType", "listenerId"],
  // resource_alicloud_ssl_certificates_service_certificate.go:32-70
  "alicloud:cas/serviceCertificate:ServiceCertificate": [
    "cert",
    "encryptCert",
    "encryptPrivateKey",
    "key",
    "signCert",
    "signPrivateKey",
  ],
  // resource_alicloud_ecs_session_manager_status.go:26
  "alicloud:ecs/ecsSessionManagerStatus:EcsSessionManagerStatus": ["sessionManagerStatusName"],
  // resource_alicloud_nas_file_system.go:44-231
  "alicloud:nas/fileSystem:FileSystem": [
    "encryptType",
    "fileSystemType",
    "kmsKeyId",
    "protocolType",
    "redundancyType",
    "redundancyVswitchIds",
    "storageType",
    "vswitchId",
    "vpcId",
    "zoneId",
  ],
  // resource_alicloud_nas_access_group.go:30-70
  "alicloud:nas/accessGroup:AccessGroup": [
    "accessGroupName",
    "accessGroupType",
    "fileSystemType",
    "name",
    "type",
  ],
  // resource_alicloud_nas_access_rule.go:30,39
  "alicloud:nas/accessRule:AccessRule": ["accessGroupName", "fileSystemType"],
  // resource_alicloud_nas_mount_target.go:37-66
  "alicloud:nas/mountTarget:MountTarget": ["fileSystemId", "networkType", "vswitchId", "vpcId"],
  // pulumi-command provider/pkg/provider/common/inputs.go: triggers are replaceOnChanges.
  "command:local:Command": ["triggers"],
  // hashicorp/terraform-provider-tls at d72d90e, internal/provider/resource_private_key.go:57-84
  // (RequiresReplace on each argument).
  "tls:index/privateKey:PrivateKey": ["algorithm", "rsaBits", "ecdsaCurve"],
  // resource_self_signed_cert.go:52-318 there: every argument but early_renewal_hours,
  // which updates in place; a key the state holds replaces it too (:55, common.go:53).
  "tls:index/selfSignedCert:SelfSignedCert": [
    "privateKeyPem",
    "validityPeriodHours",
    "allowedUses",
    "dnsNames",
    "ipAddresses",
    "uris",
    "isCaCertificate",
    "maxPathLength",
    "setSubjectKeyId",
    "setAuthorityKeyId",
    "subject",
  ],
  // resource_cert_request.go there: every argument (RequiresReplace).
  "tls:index/certRequest:CertRequest": [
    "privateKeyPem",
    "dnsNames",
    "ipAddresses",
    "uris",
    "subject",
  ],
  // resource_locally_signed_cert.go there: every argument but early_renewal_hours, as
  // for a self-signed one.
  "tls:index/locallySignedCert:LocallySignedCert": [
    "certRequestPem",
    "caPrivateKeyPem",
    "caCertPem",
    "validityPeriodHours",
    "allowedUses",
    "isCaCertificate",
    "maxPathLength",
    "setSubjectKeyId",
  ],
  // terraform-provider-random password and id resources: every argument forces a new value.
  "random:index/randomPassword:RandomPassword": ["*"],
  "random:index/randomId:RandomId": ["*"],
};

/** Whether a change at `path` (e.g. `containers[0].name`) forces `type` to be replaced. */
export function forcesReplacement(type: string, path: string): boolean {
  const fields = FORCE_NEW[type] ?? [];
  const generic = path.replace(/\[[^\]]*\]/g, "[]");
  return fields.some(
    (field) =>
      field === "*" ||
      generic === field ||
      generic.startsWith(`${field}.`) ||
      generic.startsWith(`${field}[]`),
  );
}
