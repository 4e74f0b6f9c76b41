// No security-group rule of any shipped stack admits a source that can never reach the
// group's members: as shipped (the image built, no operator endpoint), with the image
// taken as built, and with the operator endpoint on. And the rule itself fires on the
// rules the fleet no longer declares.
import {
  SECURITY_GROUP_RULE,
  unreachableSourceViolations,
  type StackResource,
} from "../../policy/rules";
import { runStack } from "../helpers/mocks";
import { renderManifest } from "../helpers/packer-manifest";
import { SHIPPED_STACKS, stackConfig, type ConfigOverrides } from "../helpers/stacks";
import { LOCAL_COMMAND } from "../helpers/types";
import { WITH_CERTIFICATE_ID, WITH_IMAGE } from "../operator-access/fixtures";
import { clientFixture, type ClientFixture } from "../windows-image/fixtures";

// The image is built from client files the repository does not hold: a fixture stands in.
let fixture: ClientFixture;
beforeAll(() => (fixture = clientFixture()));
afterAll(() => fixture.remove());
const built = (): ConfigOverrides => ({ image: { clientSourceDir: fixture.clientDir } });

/** The stack's resources with the ids the mocks gave them; a build answers with its image. */
async function declared(stack: string, overrides: ConfigOverrides): Promise<StackResource[]> {
  const region = stackConfig(stack).region;
  const manifest = renderManifest([{ region, imageId: "m-2zebuilt" }]);
  const { resources } = await runStack(stack, overrides, {
    cloudOutputs: { [LOCAL_COMMAND]: () => ({ stdout: manifest }) },
  });
  return resources.map(({ type, name, inputs }) => ({
    type,
    name,
    props: inputs,
    id: `${name}-id`,
  }));
}

const VARIANTS: Array<[string, () => ConfigOverrides]> = [
  ["as shipped (the image built here)", built],
  ["with the image taken as built", () => WITH_IMAGE],
  ["with the operator endpoint on", () => ({ ...built(), ...WITH_CERTIFICATE_ID })],
];

describe.each(SHIPPED_STACKS)("the %s stack's security-group rules", (stack) => {
  it.each(VARIANTS)("all admit a source that can reach them, %s", async (_variant, overrides) => {
    const resources = await declared(stack, overrides());
    expect(
      resources.filter((resource) => resource.type === SECURITY_GROUP_RULE).length,
    ).toBeGreaterThan(0);
    expect(unreachableSourceViolations(resources)).toEqual([]);
  });
});

describe("the reachable-sources rule", () => {
  let resources: StackResource[];
  beforeAll(
    async () => (resources = await declared("dev", { ...built(), ...WITH_CERTIFICATE_ID })),
  );

  const rule = (name: string, props: Record<string, unknown>): StackResource => ({
    type: SECURITY_GROUP_RULE,
    name,
    id: `${name}-id`,
    props: { type: "ingress", ipProtocol: "tcp", nicType: "intranet", ...props },
  });

  it("fires on RDP from a public admin CIDR into the hosts, which have no public address", () => {
    const rdp = rule("rdp-from-admins", {
      securityGroupId: "hpc-dev-network-sg-hosts-id",
      portRange: "3389/3389",
      cidrIp: "203.0.113.0/28",
    });
    expect(unreachableSourceViolations([...resources, rdp])).toEqual([
      expect.stringMatching(
        /^rdp-from-admins .*admits 203\.0\.113\.0\/28 into hpc-dev-network-sg-hosts, whose members \(hpc-dev-hosts-config\) have no public address/,
      ),
    ]);
  });

  it("fires on the host-manager's port open to a block of the VPC no vSwitch holds", () => {
    const stray = rule("stray", {
      securityGroupId: "hpc-dev-network-sg-host-manager-id",
      portRange: "8080/8080",
      cidrIp: "10.42.200.0/24",
    });
    expect(unreachableSourceViolations([...resources, stray])).toEqual([
      expect.stringMatching(/^stray .*10\.42\.200\.0\/24 is not within a vSwitch/),
    ]);
  });

  it("fires on a rule into a group nothing runs in (the build group, with no build)", async () => {
    const noBuild = await declared("dev", WITH_IMAGE);
    const winrm = rule("winrm", {
      securityGroupId: "hpc-dev-network-sg-packer-build-id",
      portRange: "5986/5986",
      cidrIp: "203.0.113.10/32",
    });
    expect(unreachableSourceViolations([...noBuild, winrm])).toEqual([
      expect.stringMatching(/^winrm .*into hpc-dev-network-sg-packer-build, which nothing runs in/),
    ]);
  });
});
