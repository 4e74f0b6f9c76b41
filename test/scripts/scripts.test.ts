// The host and build scripts: each parses (tree-sitter warnings only), opens with
// STYLE.md's preamble, and does what the design says, checked on its text and calls.
import { join } from "node:path";
import { SCRIPTS_DIR } from "../../components/windows-image/build-inputs";
import { BOOTSTRAP_PATH } from "../../components/windows-image/user-data";
import { callsOf, commandCalls, ParsedScript, parseScript, scriptNames } from "./powershell";

const scripts = new Map<string, ParsedScript>();
const script = (name: string): ParsedScript => {
  const found = scripts.get(name);
  if (!found) throw new Error(`no script ${name}`);
  return found;
};

beforeAll(async () => {
  for (const name of scriptNames()) scripts.set(name, await parseScript(join(SCRIPTS_DIR, name)));
});

const EXPECTED_SCRIPTS = [
  "build/install-client-files.ps1",
  "build/register-bootstrap-task.ps1",
  "build/remove-build-leftovers.ps1",
  "host/bootstrap.ps1",
  "host/enable-winrm.ps1",
  "host/hpc-common.ps1",
  "host/register-client-task.ps1",
  "host/set-autologon.ps1",
  "host/start-client.ps1",
];

describe("every script", () => {
  it("is one of the known scripts", () => {
    expect(scriptNames()).toEqual(EXPECTED_SCRIPTS);
  });

  it.each(EXPECTED_SCRIPTS)("%s parses to a tree (errors are warnings)", (name) => {
    const parsed = script(name);
    expect(parsed.tree.rootNode.type).toBe("program");
    expect(commandCalls(parsed).length).toBeGreaterThan(0);
  });

  it.each(EXPECTED_SCRIPTS)("%s opens with a header comment and the strict preamble", (name) => {
    const text = script(name).text;
    expect(text.startsWith("# ")).toBe(true);
    const preamble = text.indexOf("Set-StrictMode -Version Latest\n");
    expect(preamble).toBeGreaterThan(0);
    const rest = text.slice(preamble);
    expect(rest).toMatch(
      /^Set-StrictMode -Version Latest\n\$ErrorActionPreference = 'Stop'\n\$ProgressPreference = 'SilentlyContinue'\ntrap \{\n[\s\S]*?\n {4}Exit 1\n\}\n/,
    );
    // Only the header and a param block may come before it.
    const before = text.slice(0, preamble).replace(/^#.*\n/gm, "");
    expect(before === "" || before.trimStart().startsWith("param(")).toBe(true);
  });

  it.each(EXPECTED_SCRIPTS)("%s never allows unencrypted WinRM or a registry password", (name) => {
    const parsed = script(name);
    expect(parsed.text).not.toMatch(/AllowUnencrypted\S*\s+-Value\s+'?\$?true/i);
    for (const command of ["Set-ItemProperty", "New-ItemProperty", "Set-RegistryValue"]) {
      for (const call of callsOf(parsed, command)) {
        expect(call.text).not.toMatch(/DefaultPassword/);
      }
    }
    expect(parsed.text).not.toMatch(/reg(\.exe)? add .*DefaultPassword/i);
    expect(parsed.text).not.toMatch(
      /Write-(Host|HpcLog|Output)[^\n]*\$(password|securePassword)\b/i,
    );
  });
});

describe("enable-winrm.ps1", () => {
  let parsed: ParsedScript;
  beforeAll(() => {
    parsed = script("host/enable-winrm.ps1");
  });

  it("creates an HTTPS listener on 5986 with a self-signed certificate", () => {
    expect(callsOf(parsed, "New-SelfSignedCertificate")).toHaveLength(1);
    const [listener] = callsOf(parsed, "New-Item");
    expect(listener.text).toMatch(/-Path WSMan:\\localhost\\Listener -Transport HTTPS/);
    expect(listener.text).toMatch(/-CertificateThumbPrint \$certificate\.Thumbprint/);
    expect(parsed.text).toMatch(/^\$httpsPort = 5986$/m);
    expect(parsed.text).not.toMatch(/-Transport HTTP\b(?!S)/);
    expect(parsed.text).not.toMatch(/quickconfig/i);
  });

  it("removes every other listener, HTTP included", () => {
    expect(parsed.text).toMatch(/Keys -contains 'Transport=HTTPS'/);
    const removal = callsOf(parsed, "Remove-Item").find((call) => call.text.includes("$path"));
    expect(removal?.text).toMatch(/-Recurse -Force/);
  });

  it("allows Basic auth with AllowUnencrypted false", () => {
    const values = callsOf(parsed, "Set-WSManValue").map((call) => call.text);
    expect(values).toEqual([
      "Set-WSManValue -Path WSMan:\\localhost\\Service\\AllowUnencrypted -Value 'false'",
      "Set-WSManValue -Path WSMan:\\localhost\\Client\\AllowUnencrypted -Value 'false'",
      "Set-WSManValue -Path WSMan:\\localhost\\Service\\Auth\\Basic -Value 'true'",
    ]);
  });

  it("opens 5986 in the firewall and keeps the HTTP rules closed", () => {
    const [rule] = callsOf(parsed, "New-NetFirewallRule");
    expect(rule.text).toMatch(
      /-Direction Inbound -Protocol TCP -LocalPort \$httpsPort -Action Allow/,
    );
    expect(callsOf(parsed, "Disable-NetFirewallRule")).toHaveLength(1);
    expect(parsed.text).toContain("'WINRM-HTTP-In-TCP*'");
  });

  it("is idempotent: creates only what is missing", () => {
    expect(parsed.text).toMatch(/if \(-not \$certificate\)/);
    expect(parsed.text).toMatch(/if \(-not \$haveHttps\)/);
    expect(parsed.text).toMatch(/if \(-not \(Get-NetFirewallRule -Name \$firewallRuleName/);
  });
});

describe("set-autologon.ps1", () => {
  let parsed: ParsedScript;
  beforeAll(() => {
    parsed = script("host/set-autologon.ps1");
  });

  it("stores the password as the LSA secret DefaultPassword through LsaStorePrivateData", () => {
    const [addType] = callsOf(parsed, "Add-Type");
    expect(addType).toBeDefined();
    expect(parsed.text).toMatch(
      /\[DllImport\("advapi32\.dll"\)\]\s+private static extern uint LsaStorePrivateData/,
    );
    expect(parsed.text).toContain("[HpcFleet.LsaSecret]::Store('DefaultPassword', $password)");
  });

  it("generates the password on the host from a cryptographic source", () => {
    expect(parsed.text).toContain("[System.Security.Cryptography.RandomNumberGenerator]::Create()");
    expect(callsOf(parsed, "Get-Random")).toHaveLength(0);
    expect(parsed.text).not.toMatch(/\$env:\w*PASSWORD/i);
  });

  it("writes AutoAdminLogon, DefaultUserName, DefaultDomainName and DisableCAD", () => {
    const writes = callsOf(parsed, "Set-RegistryValue").map((call) => call.text);
    expect(writes).toEqual([
      "Set-RegistryValue -Key $winlogonKey -Name 'AutoAdminLogon' -Value '1' -Type String",
      "Set-RegistryValue -Key $winlogonKey -Name 'DefaultUserName' -Value $AccountName -Type String",
      "Set-RegistryValue -Key $winlogonKey -Name 'DefaultDomainName' -Value $env:COMPUTERNAME -Type String",
      "Set-RegistryValue -Key $systemPolicyKey -Name 'DisableCAD' -Value 1 -Type DWord",
    ]);
    expect(parsed.text).toContain(
      "$winlogonKey = 'HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon'",
    );
    expect(parsed.text).toContain(
      "$systemPolicyKey = 'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System'",
    );
  });

  it("removes a plain-text DefaultPassword registry value left by anyone else", () => {
    expect(parsed.text).toMatch(/foreach \(\$name in 'DefaultPassword', 'AutoLogonCount'\)/);
    expect(callsOf(parsed, "Remove-ItemProperty")).toHaveLength(1);
  });

  it("keeps Administrators membership as configured, both ways", () => {
    expect(
      callsOf(parsed, "Add-LocalGroupMember")
        .map((call) => call.text)
        .join("\n"),
    ).toContain("$administratorsSid");
    expect(callsOf(parsed, "Remove-LocalGroupMember")[0].text).toContain("$administratorsSid");
  });

  it("keeps the account's password only while the LSA secret is still that password", () => {
    expect(parsed.text).toMatch(/if \(-not \$account -or -not \(Test-StoredPassword\)\)/);
    const check = parsed.text.slice(parsed.text.indexOf("function Test-StoredPassword"));
    expect(check).toMatch(/\[HpcFleet\.LsaSecret\]::Retrieve\('DefaultPassword'\)/);
    expect(check).toMatch(/ValidateCredentials\(\$AccountName, \$stored\)/);
    // The secret read back never reaches the output.
    expect(check.slice(0, check.indexOf("\n}\n"))).not.toMatch(/Write-(Host|Output|HpcLog)/);
  });
});

describe("register-client-task.ps1", () => {
  let parsed: ParsedScript;
  beforeAll(() => {
    parsed = script("host/register-client-task.ps1");
  });

  it("starts start-client.ps1 at logon of the account, interactively, with no time limit", () => {
    expect(callsOf(parsed, "New-ScheduledTaskTrigger")[0].text).toContain("-AtLogOn -User $user");
    expect(callsOf(parsed, "New-ScheduledTaskPrincipal")[0].text).toContain(
      "-LogonType Interactive",
    );
    expect(parsed.text).toContain("$settings.ExecutionTimeLimit = 'PT0S'");
    expect(callsOf(parsed, "New-ScheduledTaskSettingsSet")[0].text).toMatch(
      /-RestartCount 255 -RestartInterval/,
    );
    expect(parsed.text).toContain("(Join-Path $PSScriptRoot 'start-client.ps1')");
  });

  it("registers again only when the task differs", () => {
    expect(parsed.text).toMatch(/if \(\$upToDate\)/);
    expect(callsOf(parsed, "Register-ScheduledTask")[0].text).toContain("-Force");
  });
});

describe("start-client.ps1 and hpc-common.ps1", () => {
  let client: ParsedScript;
  let common: ParsedScript;
  beforeAll(() => {
    client = script("host/start-client.ps1");
    common = script("host/hpc-common.ps1");
  });

  it("reports to POST {hostManagerUrl}/rpc/v1/status with the fleet token as Bearer", () => {
    expect(common.text).toContain("$uri = $Config.hostManagerUrl.TrimEnd('/') + '/rpc/v1/status'");
    expect(common.text).toContain('$headers = @{ Authorization = "Bearer $($Config.fleetToken)" }');
    const post = callsOf(common, "Invoke-WebRequest").find((call) => call.text.includes("$uri"));
    expect(post?.text).toMatch(/-Method Post -Uri \$uri -Headers \$headers/);
    expect(post?.text).toContain("-ContentType 'application/json; charset=utf-8'");
  });

  it("sends exactly the fields the host-manager reads, in order", () => {
    const body = common.text.match(/\$body = \[ordered\]@\{([\s\S]*?)\}/)?.[1] ?? "";
    const keys = [...body.matchAll(/^\s*(\w+)\s*=/gm)].map((match) => match[1]);
    expect(keys).toEqual([
      "instanceId",
      "privateIp",
      "mac",
      "status",
      "logicalCpus",
      "physicalCpus",
      "clientVersion",
      "hostname",
    ]);
    expect(common.text).toContain("ConvertTo-Json -Compress");
  });

  it("defines the four status codes", () => {
    expect(common.text).toMatch(
      /\$HpcStatusStarting = 1\n\$HpcStatusRunning = 2\n\$HpcStatusClientExited = 3\n\$HpcStatusClientFailed = 4/,
    );
  });

  it("reads metadata in hardened mode: a token, then the token on each request", () => {
    expect(common.text).toContain("$EcsMetadataBase = 'http://100.100.100.200'");
    expect(common.text).toMatch(
      /-Method Put -Uri "\$EcsMetadataBase\/latest\/api\/token" `\s+-Headers @\{ 'X-aliyun-ecs-metadata-token-ttl-seconds' = '\d+' \}/,
    );
    expect(common.text).toContain("-Headers @{ 'X-aliyun-ecs-metadata-token' = $Token }");
    for (const path of ["instance-id", "private-ipv4", "mac", "region-id"]) {
      expect(common.text).toContain(`'meta-data/${path}'`);
    }
  });

  it("counts logical processors and physical cores", () => {
    expect(common.text).toContain("Measure-Object -Property NumberOfLogicalProcessors -Sum");
    expect(common.text).toContain("Measure-Object -Property NumberOfCores -Sum");
  });

  it("retries reports with bounded backoff and never lets a failed report stop the client", () => {
    expect(common.text).toMatch(
      /\[Math\]::Min\(\[Math\]::Pow\(2, \$attempt\), \$MaxDelaySeconds\)/,
    );
    expect(common.text).toMatch(/return \$false/);
  });

  it("reports running, heartbeats while the client runs, then exited or failed", () => {
    const statuses = callsOf(client, "Send-ClientStatus").map(
      (call) => call.text.match(/-Status \$(\w+)/)?.[1],
    );
    expect(statuses).toEqual([
      "HpcStatusRunning",
      "HpcStatusRunning",
      "HpcStatusClientFailed",
      "HpcStatusClientExited",
    ]);
    expect(client.text).toContain("while (-not $process.WaitForExit($heartbeatMilliseconds))");
    expect(client.text).toContain("$heartbeatMilliseconds = [int]$config.heartbeatSeconds * 1000");
  });

  it("never lets a failed metadata read or report stop the client from starting", () => {
    // The facts are read inside the report function, under try/catch, not before the loop.
    const loopStart = client.text.indexOf("while ($true)");
    const beforeLoop = client.text.slice(0, loopStart);
    expect(beforeLoop).not.toMatch(/^\$facts = Get-HpcHostFacts/m);
    const reporter = client.text.slice(
      client.text.indexOf("function Send-ClientStatus"),
      loopStart,
    );
    expect(reporter).toMatch(
      /try \{\s*\$script:facts = Get-HpcHostFacts[\s\S]*\} catch \{[\s\S]*return/,
    );
  });

  it("restarts the client with a bounded backoff and gives up after repeated quick failures", () => {
    expect(client.text).toMatch(
      /\[Math\]::Min\(5 \* \[Math\]::Pow\(2, .*\), \$MaxBackoffSeconds\)/,
    );
    expect(client.text).toMatch(/if \(\$quickFailures -ge \$MaxQuickFailures\)/);
    expect(client.text).toMatch(/while \(\$true\)/);
  });

  it("quotes each client argument for CommandLineToArgvW", () => {
    expect(client.text).toContain("$startInfo.Arguments = $commandLine");
    expect(callsOf(client, "Start-Process")).toHaveLength(0);
  });
});

describe("bootstrap.ps1", () => {
  let parsed: ParsedScript;
  beforeAll(() => {
    parsed = script("host/bootstrap.ps1");
  });

  it("reads the host config from the user-data in the metadata service at every run", () => {
    expect(parsed.text).toContain("Get-EcsMetadata -Path 'user-data' -Token $token");
    expect(parsed.text).toContain(". (Join-Path $PSScriptRoot 'hpc-common.ps1')");
  });

  it("runs the three setup steps in order", () => {
    const steps = callsOf(parsed, "Invoke-Step").map(
      (call) => call.text.match(/-Script '([\w-]+\.ps1)'/)?.[1],
    );
    expect(steps).toEqual(["enable-winrm.ps1", "set-autologon.ps1", "register-client-task.ps1"]);
  });

  it("restricts config.json to SYSTEM, Administrators and the client account", () => {
    expect(parsed.text).toContain("$acl.SetAccessRuleProtection($true, $false)");
    expect(parsed.text).toContain("SecurityIdentifier('S-1-5-18')");
    expect(parsed.text).toContain("SecurityIdentifier('S-1-5-32-544')");
    expect(parsed.text).toContain("NTAccount($env:COMPUTERNAME, $AccountName)");
    const acls = callsOf(parsed, "Set-PrivateAcl").map((call) => call.text);
    expect(acls[0]).toContain("-Path $HpcDataDir");
    expect(acls[1]).toContain("-Path $HpcConfigPath");
    // The directory's ACL comes before the file is written.
    expect(parsed.text.indexOf(acls[0])).toBeLessThan(parsed.text.indexOf("WriteAllText"));
  });

  it("reboots once, only when autologon was just configured", () => {
    const [restart] = callsOf(parsed, "Restart-Computer");
    expect(restart.text).toBe("Restart-Computer -Force");
    expect(parsed.text).toMatch(
      /if \(-not \$autologonWasSet -and -not \(Test-Path -LiteralPath \$rebootMarker\)\)/,
    );
  });

  it("lets one bootstrap run at a time", () => {
    expect(parsed.text).toContain("'Global\\hpc-fleet-bootstrap'");
  });

  it("does nothing without a host config (the image build instance)", () => {
    expect(parsed.text).toMatch(/if \(-not \$json\) \{[\s\S]*?exit 0/);
  });
});

describe("the build scripts", () => {
  it("register the bootstrap to run as SYSTEM at every startup", () => {
    const parsed = script("build/register-bootstrap-task.ps1");
    expect(callsOf(parsed, "New-ScheduledTaskTrigger")[0].text).toBe(
      "New-ScheduledTaskTrigger -AtStartup",
    );
    expect(callsOf(parsed, "New-ScheduledTaskPrincipal")[0].text).toContain("-UserId 'S-1-5-18'");
    expect(BOOTSTRAP_PATH).toBe("C:\\Program Files\\hpc-fleet\\bootstrap.ps1");
  });

  it("install client files from the staging directory to their destinations", () => {
    const parsed = script("build/install-client-files.ps1");
    expect(parsed.text).toContain("[Convert]::FromBase64String($env:HPC_CLIENT_FILES)");
    expect(callsOf(parsed, "Move-Item")[0].text).toContain("-Destination $destination -Force");
  });

  it("remove the client staging directory", () => {
    const parsed = script("build/remove-build-leftovers.ps1");
    expect(callsOf(parsed, "Remove-Item")[0].text).toContain("-LiteralPath $staging -Recurse");
  });
});
