// The hpc-fleet policy pack, served to the Pulumi engine: `pulumi preview --policy-pack policy`.
// The policies live in ./policies so tests can load them without starting this server.
import { PolicyPack } from "@pulumi/policy";
import { PACK_NAME, policies } from "./policies";

new PolicyPack(PACK_NAME, { policies, enforcementLevel: "mandatory" });
