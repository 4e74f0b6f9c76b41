// The fleet contract, fed from the PowerShell side: the report bodies the HpcFleet module
// sends (captured from its mocked Invoke-WebRequest in a Pester run) go through the
// contract's own parseHostReport; the module's constants must equal the contract's; and
// user-data rendered by the Pulumi program's renderUserData is read back by the module's
// host-config parser.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  HOST_CONFIG_BEGIN,
  HOST_CONFIG_END,
  HOST_CREDENTIAL_PREFIX,
  HostStatus,
  METADATA_IDENTITY_DOCUMENT_PATH,
  METADATA_IDENTITY_PKCS7_PATH,
  METADATA_ORIGIN,
  METADATA_TOKEN_HEADER,
  METADATA_TOKEN_PATH,
  METADATA_TOKEN_TTL_HEADER,
  parseHostReport,
  REGISTER_CHALLENGE_PATH,
  REGISTER_PATH,
  REPORT_PATH,
  type HostConfig,
} from "@hpc-fleet/fleet-contract";
import { renderUserData } from "../../components/instance-group/user-data";
import { findPwsh, PESTER_SUITE } from "./pwsh";

interface Captured {
  reports: { uri: string; body: string }[];
  status: Record<string, number>;
  reportPath: string;
  hostConfigKeys: string[];
  hostConfigBegin: string;
  hostConfigEnd: string;
  hostConfigs: { name: string; config: HostConfig }[];
  identity: Record<string, string>;
}

/** Every required key of HostConfig: the type makes this literal list them all. */
const sample: Required<Omit<HostConfig, "fleetToken">> = {
  hostManagerUrl: "https://host-manager.hpc-fleet.internal:8080",
  hostManagerCaCertPem:
    "-----BEGIN CERTIFICATE-----\nMIIBkTCB+wIJAKHBfpE\n-----END CERTIFICATE-----\n",
  clientExecutable: "C:\\hpc\\client\\hpc-client.exe",
  clientArguments: ["--server", "bench.example.com"],
  accountName: "hpc",
  accountIsAdministrator: false,
  heartbeatSeconds: 60,
};

const hostConfigs: Record<string, HostConfig> = {
  plain: sample,
  administrator: { ...sample, accountName: "bench_user-1", accountIsAdministrator: true },
  "tricky-arguments": {
    ...sample,
    clientArguments: [
      "'@",
      "\n'@\n",
      "@'",
      'say "hi"',
      "C:\\dir with space\\",
      "",
      "caf\u00e9 \u6d4b",
    ],
    heartbeatSeconds: 600,
  },
  "no-arguments": { ...sample, clientArguments: [] },
  "one-argument": { ...sample, clientArguments: ["--once"] },
  "legacy-fleet-token": { ...sample, fleetToken: "token-0123456789abcdef" },
};

let captured: Captured;

beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), "hpc-fleet-contract-"));
  try {
    const userDataDir = join(dir, "user-data");
    mkdirSync(userDataDir);
    for (const [name, config] of Object.entries(hostConfigs)) {
      writeFileSync(join(userDataDir, `${name}.txt`), renderUserData(config), "utf8");
    }
    const out = join(dir, "captured.json");
    const result = spawnSync(
      findPwsh(),
      [
        "-NoProfile",
        "-NonInteractive",
        "-File",
        PESTER_SUITE,
        "-Path",
        join(__dirname, "Contract.Tests.ps1"),
      ],
      {
        encoding: "utf8",
        env: { ...process.env, HPC_CONTRACT_OUT: out, HPC_CONTRACT_USER_DATA: userDataDir },
      },
    );
    if (result.status !== 0)
      throw new Error(`Contract.Tests.ps1 failed:\n${result.stdout}${result.stderr}`);
    captured = JSON.parse(readFileSync(out, "utf8")) as Captured;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);

describe("the host report, as the Windows hosts send it", () => {
  it("is accepted by the contract's parseHostReport, every field kept", () => {
    expect(captured.reports.length).toBeGreaterThanOrEqual(8);
    for (const report of captured.reports) {
      const body = JSON.parse(report.body) as unknown;
      const parsed = parseHostReport(body);
      expect({ body: report.body, parsed }).toEqual({
        body: report.body,
        parsed: { success: true, data: body, dropped: [] },
      });
    }
  });

  it("goes to the contract's REPORT_PATH", () => {
    expect(captured.reportPath).toBe(REPORT_PATH);
    for (const report of captured.reports) expect(new URL(report.uri).pathname).toBe(REPORT_PATH);
  });

  it("uses the contract's status codes, and only those a host may send", () => {
    const { created: _created, ...reported } = HostStatus;
    expect(captured.status).toEqual(reported);
  });
});

describe("registration by instance identity, as the Windows hosts do it", () => {
  it("uses the contract's routes, metadata paths and headers", () => {
    expect(captured.identity).toEqual({
      metadataBase: METADATA_ORIGIN,
      metadataTokenPath: METADATA_TOKEN_PATH,
      metadataTokenTtlHeader: METADATA_TOKEN_TTL_HEADER,
      metadataTokenHeader: METADATA_TOKEN_HEADER,
      identityDocumentPath: METADATA_IDENTITY_DOCUMENT_PATH,
      identityPkcs7Path: METADATA_IDENTITY_PKCS7_PATH,
      registerChallengePath: REGISTER_CHALLENGE_PATH,
      registerPath: REGISTER_PATH,
      hostCredentialPrefix: HOST_CREDENTIAL_PREFIX,
    });
  });
});

describe("the host config, as the Windows hosts read it", () => {
  it("has exactly the contract's keys", () => {
    expect([...captured.hostConfigKeys].sort()).toEqual(Object.keys(sample).sort());
  });

  it("is found between the contract's markers", () => {
    expect(captured.hostConfigBegin).toBe(HOST_CONFIG_BEGIN);
    expect(captured.hostConfigEnd).toBe(HOST_CONFIG_END);
  });

  it.each(Object.keys(hostConfigs))(
    "comes back from the user-data renderUserData renders (%s)",
    (name) => {
      const read = captured.hostConfigs.find((entry) => entry.name === name);
      expect(read?.config).toEqual(hostConfigs[name]);
    },
  );
});
