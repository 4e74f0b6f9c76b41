// The hpc-fleet-ci-identity program: GitHub Actions' OIDC identity in RAM for the fleet's
// CI. Applied once per account by an administrator (docs/ci.md, "Bootstrap").
import * as pulumi from "@pulumi/pulumi";
import { resolve } from "node:path";
import { declareCiIdentity, fleetDeployScopes } from "./identity";

const config = new pulumi.Config("hpc-fleet-ci-identity");

const identity = declareCiIdentity({
  githubRepository: config.require("githubRepository"),
  subjectPrefix: config.get("subjectPrefix"),
  fingerprints: config.requireObject<string[]>("fingerprints"),
  audience: config.get("audience"),
  deployScopes: fleetDeployScopes(resolve(__dirname, "..")),
});

export const oidcProviderArn = identity.oidcProviderArn;
export const previewRoleArn = identity.previewRoleArn;
export const planRoleArn = identity.planRoleArn;
export const deployRoleArns = identity.deployRoleArns;
/** Set it as the repository variable ALIYUN_ACCOUNT_ID: the workflows build the ARNs from it. */
export const accountId = identity.accountId;
