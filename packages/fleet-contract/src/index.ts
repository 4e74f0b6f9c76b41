// The fleet's contract between the Pulumi program, the host-manager and the hosts.
export * from "./capacity-schedules";
export * from "./freeze-windows";
export * from "./generation";
export * from "./host-config";
export * from "./host-identity";
export * from "./host-manager-env";
export * from "./host-report";
export * from "./version";
