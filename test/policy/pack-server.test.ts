// The pack as the Pulumi CLI runs it: started by @pulumi/pulumi's run-policy-pack (ts-node,
// type-checked, from the policy directory), then asked over gRPC, as the engine asks it.
import { ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as analyzer from "@pulumi/pulumi/proto/analyzer_pb";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { PROJECT_DIR } from "../helpers/stacks";

const RUN_POLICY_PACK = require.resolve("@pulumi/pulumi/cmd/run-policy-pack");
/** The engine's enum value for a mandatory violation. */
const MANDATORY = 1;

let pack: ChildProcess;
let client: AnalyzerClient;

beforeAll(async () => {
  // The engine address is unused by a pack; the program is the pack's own directory.
  pack = spawn(process.execPath, [RUN_POLICY_PACK, "127.0.0.1:1", "."], {
    cwd: join(PROJECT_DIR, "policy"),
  });
  let stderr = "";
  pack.stderr?.on("data", (chunk) => (stderr += String(chunk)));
  // The pack prints the port it serves on, as the CLI expects.
  const port = await new Promise<string>((resolve, reject) => {
    pack.stdout?.once("data", (chunk) => resolve(String(chunk).trim()));
    pack.once("exit", (code) => reject(new Error(`pack exited ${code}: ${stderr}`)));
  });
  client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
});

afterAll(() => {
  client?.close();
  pack?.kill();
});

function analyze(type: string, name: string, props: Record<string, unknown>): Promise<string[]> {
  const request = new analyzer.AnalyzeRequest();
  request.setType(type);
  request.setName(name);
  request.setUrn(`urn:pulumi:dev::hpc-fleet::${type}::${name}`);
  request.setProperties(Struct.fromJavaScript(props as never));
  const options = new analyzer.AnalyzerResourceOptions();
  options.setCustomtimeouts(new analyzer.AnalyzerResourceOptions.CustomTimeouts());
  request.setOptions(options);
  return new Promise((resolve, reject) =>
    client.analyze(request, (error, response) =>
      error
        ? reject(error)
        : resolve(
            response
              .getDiagnosticsList()
              .map(
                (diagnostic) =>
                  `${diagnostic.getPolicyname()} ${diagnostic.getEnforcementlevel()}: ${diagnostic.getMessage()}`,
              ),
          ),
    ),
  );
}

describe("the policy pack served over gRPC", () => {
  it("announces the four policies, all mandatory", async () => {
    const info = await new Promise<analyzer.AnalyzerInfo>((resolve, reject) =>
      client.getAnalyzerInfo(new Empty(), (error, response) =>
        error ? reject(error) : resolve(response),
      ),
    );
    expect(info.getName()).toBe("hpc-fleet");
    expect(
      info.getPoliciesList().map((policy) => [policy.getName(), policy.getEnforcementlevel()]),
    ).toEqual([
      ["no-internet-remote-access", MANDATORY],
      ["no-public-bandwidth-on-hosts", MANDATORY],
      ["ram-policy-names-its-actions", MANDATORY],
      ["project-and-stack-tags", MANDATORY],
    ]);
  });

  it("stops RDP open to the internet", async () => {
    const rule = {
      type: "ingress",
      ipProtocol: "tcp",
      portRange: "3389/3389",
      cidrIp: "0.0.0.0/0",
    };
    expect(
      await analyze("alicloud:ecs/securityGroupRule:SecurityGroupRule", "open-rdp", rule),
    ).toEqual([expect.stringMatching(/^no-internet-remote-access 1: .*open-rdp .*port 3389/s)]);
  });

  it("stops public bandwidth and missing tags on a scaling configuration", async () => {
    const props = { internetMaxBandwidthOut: 10, tags: { project: "hpc-fleet" } };
    expect(
      await analyze("alicloud:ess/scalingConfiguration:ScalingConfiguration", "cfg", props),
    ).toEqual([
      expect.stringMatching(/^no-public-bandwidth-on-hosts 1: .*cfg .*internetMaxBandwidthOut/s),
      expect.stringMatching(/^project-and-stack-tags 1: .*cfg .*missing the "stack" tag/s),
    ]);
  });

  it("stops a service wildcard in a RAM policy, and passes a compliant resource", async () => {
    const document = JSON.stringify({ Statement: [{ Effect: "Allow", Action: "ecs:*" }] });
    const tags = { project: "hpc-fleet", stack: "dev" };
    expect(
      await analyze("alicloud:ram/policy:Policy", "pol", { policyDocument: document, tags }),
    ).toEqual([expect.stringMatching(/^ram-policy-names-its-actions 1: .*"ecs:\*"/s)]);
    expect(await analyze("alicloud:vpc/network:Network", "vpc", { tags })).toEqual([]);
  });
});
