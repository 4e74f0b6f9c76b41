// No shared secret on any host (issue 15): the rendered user-data and the image's inputs
// carry the host-manager's https URL and public CA only, unless the stack keeps the legacy
// fleet token for one release, which `pulumi up` warns about.
import type { RecordedResource } from "../../tools/mocks/recorder";
import { isSecretEnvelope, mockPassword, plain, resourcesOfType, runStack } from "../helpers/mocks";
import { TEST_CA_CERT_PEM } from "../helpers/ca-cert";
import { renderManifest } from "../helpers/packer-manifest";
import { SHIPPED_STACKS } from "../helpers/stacks";
import { CONTAINER_GROUP, LOCAL_COMMAND, SCALING_CONFIGURATION } from "../helpers/types";
import { clientFixture } from "../windows-image/fixtures";

const WITH_IMAGE = { image: { existingImageId: "m-2ze0base" } };
const LEGACY = { hostManager: { legacyFleetToken: true } };

/** Every secret the stack makes that a host could report or act with. */
function stackSecrets(stack: string): string[] {
  return [
    mockPassword(`hpc-${stack}-fleet-token-a`, 48),
    mockPassword(`hpc-${stack}-fleet-token-b`, 48),
    mockPassword(`hpc-${stack}-operator-token`, 48),
  ];
}

function only<T>(items: readonly T[]): T {
  expect(items).toHaveLength(1);
  return items[0];
}

function userDataOf(resources: readonly RecordedResource[]) {
  const { userData } = only(resourcesOfType(resources, SCALING_CONFIGURATION)).inputs;
  return { secret: isSecretEnvelope(userData), text: plain<string>(userData) };
}

/** The warnings `pulumi up` prints while `run` declares the stack. */
async function warningsOf(run: () => Promise<unknown>): Promise<string> {
  const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
  try {
    await run();
    return warn.mock.calls.map((call) => String(call[0])).join("\n");
  } finally {
    warn.mockRestore();
  }
}

describe("the hosts' user-data", () => {
  test.each(SHIPPED_STACKS)(
    "%s: the https URL and the host-manager's CA, and no token or other secret",
    async (stack) => {
      const { resources } = await runStack(stack, WITH_IMAGE);
      const userData = userDataOf(resources);
      expect(userData.secret).toBe(false);
      expect(userData.text).toContain(`"hostManagerUrl": "https://`);
      expect(userData.text).toMatch(/"hostManagerCaCertPem": "-----BEGIN CERTIFICATE-----\\n/);
      expect(userData.text).not.toMatch(/token|secret|password|PRIVATE KEY/i);
      for (const secret of stackSecrets(stack)) expect(userData.text).not.toContain(secret);
      // Nor anything the host-manager keeps secret in its environment.
      const container = only(resourcesOfType(resources, CONTAINER_GROUP));
      const [{ environmentVars }] = plain<
        Array<{ environmentVars: Array<{ key: string; value: string }> }>
      >(container.inputs.containers);
      for (const { key, value } of environmentVars) {
        if (/TOKEN|KEY|PASSWORD|SECRET/.test(key) && value.length >= 8) {
          expect({ key, inUserData: userData.text.includes(value) }).toEqual({
            key,
            inUserData: false,
          });
        }
      }
    },
  );

  test("with hostManager.legacyFleetToken, the active token is back, as a secret, with a warning", async () => {
    let resources: readonly RecordedResource[] = [];
    const warnings = await warningsOf(async () => {
      resources = (await runStack("dev", { ...WITH_IMAGE, ...LEGACY })).resources;
    });
    const userData = userDataOf(resources);
    expect(userData.secret).toBe(true);
    expect(userData.text).toContain(`"fleetToken": "${mockPassword("hpc-dev-fleet-token-a", 48)}"`);
    expect(warnings).toMatch(/hostManager\.legacyFleetToken is on/);
    // The host-manager then takes the token too (its own warning says so).
    expect(warnings).toMatch(/still accepts reports with the shared fleet token/);
  });

  test("without the switch, no such warning", async () => {
    const warnings = await warningsOf(() => runStack("dev", WITH_IMAGE));
    expect(warnings).not.toMatch(/legacyFleetToken is on|shared fleet token/);
  });

  test("without the identity signing certificate, a warning names it; with it, none, and the host-manager gets it", async () => {
    const unset = await warningsOf(() => runStack("dev", WITH_IMAGE));
    expect(unset).toMatch(/hostManager\.identitySigningCertPem is not set/);
    let resources: readonly RecordedResource[] = [];
    const set = await warningsOf(async () => {
      const overrides = {
        ...WITH_IMAGE,
        hostManager: { identitySigningCertPem: TEST_CA_CERT_PEM },
      };
      resources = (await runStack("dev", overrides)).resources;
    });
    expect(set).not.toMatch(/identitySigningCertPem/);
    const container = only(resourcesOfType(resources, CONTAINER_GROUP));
    const [{ environmentVars }] = plain<
      Array<{ environmentVars: Array<{ key: string; value: string }> }>
    >(container.inputs.containers);
    expect(environmentVars).toContainEqual({
      key: "HOST_MANAGER_IDENTITY_SIGNING_CERT_PEM",
      value: TEST_CA_CERT_PEM,
    });
  });
});

describe("the image's inputs", () => {
  test.each([
    ["without", {}],
    ["even with", LEGACY],
  ])(
    "hold no token or other secret, %s the legacy switch (Packer variables, hash inputs)",
    async (_, overrides) => {
      const fixture = clientFixture();
      try {
        const manifest = renderManifest([{ region: "cn-beijing", imageId: "m-2zebuilt" }]);
        const { resources } = await runStack(
          "dev",
          { image: { clientSourceDir: fixture.clientDir }, ...overrides },
          { cloudOutputs: { [LOCAL_COMMAND]: () => ({ stdout: manifest }) } },
        );
        const build = only(resourcesOfType(resources, LOCAL_COMMAND));
        // The one secret is the build instance's own WinRM password (a secret environment
        // for it): the seal step removes that account's WinRM, and no host reports with it.
        const { environment, ...rest } = build.inputs;
        expect(Object.values(rest).some(isSecretEnvelope)).toBe(false);
        const { PKR_VAR_winrm_password: buildPassword, ...variables } =
          plain<Record<string, string>>(environment);
        expect(buildPassword).toBeTruthy();
        const inputs = JSON.stringify({ variables, rest: plain(rest) });
        expect(Object.keys(variables).length).toBeGreaterThan(5);
        expect(inputs).not.toMatch(/token|fleetToken|PRIVATE KEY/i);
        for (const secret of stackSecrets("dev")) expect(inputs).not.toContain(secret);
      } finally {
        fixture.remove();
      }
    },
  );
});
