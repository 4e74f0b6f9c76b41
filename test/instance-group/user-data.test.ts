import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SCRIPTS_DIR } from "../../components/windows-image/build-inputs";
import { TEST_CA_CERT_PEM } from "../helpers/ca-cert";
import {
  BOOTSTRAP_PATH,
  CA_CERT_PEM_BUDGET,
  CLIENT_ARGUMENTS_BUDGET,
  HOST_CONFIG_BEGIN,
  HOST_CONFIG_END,
  HostConfig,
  renderUserData,
  USER_DATA_LIMIT_BYTES,
  UserDataTooLargeError,
} from "../../components/instance-group/user-data";

// The markers live in the HpcFleet module, which bootstrap.ps1 imports.
const bootstrap = readFileSync(join(SCRIPTS_DIR, "host", "HpcFleet.psm1"), "utf8");

/** A single-quoted PowerShell string assigned to $name in HpcFleet.psm1, unquoted. */
function bootstrapConstant(name: string): string {
  const match = bootstrap.match(new RegExp(`^\\$${name} = '((?:[^']|'')*)'\\r?$`, "m"));
  if (!match) throw new Error(`HpcFleet.psm1 assigns no $${name}`);
  return match[1].replace(/''/g, "'");
}

/** What bootstrap.ps1's Get-HostConfigFromUserData does, step for step. */
function extractLikeBootstrap(userData: string): string | undefined {
  const lines = userData.split(/\r?\n/);
  const begin = lines.indexOf(bootstrapConstant("HpcHostConfigBegin"));
  if (begin < 0) return undefined;
  const end = lines.indexOf(bootstrapConstant("HpcHostConfigEnd"), begin + 1);
  if (end <= begin + 1) throw new Error("not closed or empty");
  return lines.slice(begin + 1, end).join("\n");
}

const host: HostConfig = {
  hostManagerUrl: "https://host-manager.hpc-fleet.internal:8080",
  hostManagerCaCertPem: TEST_CA_CERT_PEM,
  clientExecutable: "C:\\hpc\\client\\hpc-client.exe",
  clientArguments: ["--server", "bench.example.com", "--name", 'it\'s "quoted" \\ here'],
  accountName: "hpc",
  accountIsAdministrator: false,
  heartbeatSeconds: 60,
};

/** The longest values the other fields can take, so only clientArguments varies. */
const longest: HostConfig = {
  ...host,
  hostManagerUrl: `https://${"h".repeat(63)}.${"z".repeat(60)}.internal:65535`,
  hostManagerCaCertPem: TEST_CA_CERT_PEM.replace(
    /\n-----END/,
    `${"A".repeat(CA_CERT_PEM_BUDGET - TEST_CA_CERT_PEM.length)}\n-----END`,
  ),
  fleetToken: "t".repeat(128),
  clientExecutable: `C:\\${"p".repeat(256)}`,
  accountName: "a".repeat(20),
  heartbeatSeconds: 600,
};

describe("host user-data", () => {
  it("begins with [powershell] and calls the baked bootstrap with the config", () => {
    const userData = renderUserData(host);
    expect(userData.startsWith("[powershell]\r\n")).toBe(true);
    expect(userData).toContain(`& '${BOOTSTRAP_PATH}' -HostConfigJson $HpcHostConfigJson`);
  });

  it("uses the same markers as bootstrap.ps1", () => {
    expect(bootstrapConstant("HpcHostConfigBegin")).toBe(HOST_CONFIG_BEGIN);
    expect(bootstrapConstant("HpcHostConfigEnd")).toBe(HOST_CONFIG_END);
  });

  it("gives bootstrap.ps1 back exactly the host config", () => {
    const json = extractLikeBootstrap(renderUserData(host));
    expect(JSON.parse(json!)).toEqual(host);
  });

  it("keeps arguments that look like the here-string's end inside it", () => {
    const tricky = { ...host, clientArguments: ["'@", "\n'@\n", "@'"] };
    const json = extractLikeBootstrap(renderUserData(tricky));
    expect(JSON.parse(json!)).toEqual(tricky);
  });

  it.each([
    [25, 476],
    [50, 236],
  ])(
    "fits %i arguments of %i characters (the 12,000-character budget) with every other field at its longest",
    (count, length) => {
      const clientArguments = Array.from({ length: count }, () => "x".repeat(length));
      expect(CLIENT_ARGUMENTS_BUDGET).toBe(12_000);
      expect(JSON.stringify(clientArguments).length).toBeLessThanOrEqual(CLIENT_ARGUMENTS_BUDGET);
      const userData = renderUserData({ ...longest, clientArguments });
      expect(Buffer.byteLength(userData)).toBeLessThanOrEqual(USER_DATA_LIMIT_BYTES);
    },
  );

  it("refuses the schema's longest arguments (50 of 512) with a clear error", () => {
    const clientArguments = Array.from({ length: 50 }, () => "x".repeat(512));
    expect(() => renderUserData({ ...longest, clientArguments })).toThrow(UserDataTooLargeError);
    expect(() => renderUserData({ ...longest, clientArguments })).toThrow(
      /over ECS's 16384-byte limit: shorten hpc-fleet:fleet.clientArguments/,
    );
  });

  it("carries the https URL and the CA, and no fleet token unless the stack keeps one", () => {
    const userData = renderUserData(host);
    const json = JSON.parse(extractLikeBootstrap(userData)!) as Record<string, unknown>;
    expect(json.hostManagerUrl).toBe("https://host-manager.hpc-fleet.internal:8080");
    expect(json.hostManagerCaCertPem).toBe(TEST_CA_CERT_PEM);
    expect(Object.keys(json)).not.toContain("fleetToken");
    expect(userData).not.toMatch(/token/i);
  });

  it("refuses a plain-http URL and anything but one PEM certificate for the CA", () => {
    expect(() => renderUserData({ ...host, hostManagerUrl: "http://hm.internal:8080" })).toThrow(
      /https only/,
    );
    expect(() => renderUserData({ ...host, hostManagerCaCertPem: "" })).toThrow(
      /hostManagerCaCertPem must be one PEM certificate/,
    );
    expect(() =>
      renderUserData({
        ...host,
        hostManagerCaCertPem: `${TEST_CA_CERT_PEM}-----BEGIN RSA PRIVATE KEY-----\nMII\n-----END RSA PRIVATE KEY-----\n`,
      }),
    ).toThrow(/hostManagerCaCertPem must be one PEM certificate/);
  });

  it("refuses a CA over its budget, naming it", () => {
    const tooLong = longest.hostManagerCaCertPem.replace("\n-----END", "A\n-----END");
    expect(() => renderUserData({ ...host, hostManagerCaCertPem: tooLong })).toThrow(
      /hostManagerCaCertPem is 3001 characters, over the 3000/,
    );
  });

  it("counts bytes, not characters", () => {
    const wide = Array.from({ length: 12 }, () => "测".repeat(512));
    expect(() => renderUserData({ ...host, clientArguments: wide })).toThrow(UserDataTooLargeError);
  });
});
