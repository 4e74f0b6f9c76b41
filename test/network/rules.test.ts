// The security rules as data: what each group admits, for every shipped stack.
import { isWholeInternet } from "../../components/network/cidr";
import {
  ingressRules,
  RDP_PORT,
  WINRM_HTTP_PORT,
  WINRM_HTTPS_PORT,
} from "../../components/network";
import { SHIPPED_STACKS, stackConfig } from "../helpers/stacks";

const rulesOf = (stack: string) => {
  const config = stackConfig(stack);
  return ingressRules({ ...config.network, hostManagerPort: config.hostManager.port });
};

describe("security rules", () => {
  it.each(SHIPPED_STACKS)("WinRM and RDP are never open to the whole internet (%s)", (stack) => {
    for (const rule of rulesOf(stack)) {
      if (
        [RDP_PORT, WINRM_HTTP_PORT, WINRM_HTTPS_PORT].includes(rule.port) &&
        "cidr" in rule.source
      ) {
        expect(isWholeInternet(rule.source.cidr)).toBe(false);
      }
    }
  });

  it.each(SHIPPED_STACKS)("WinRM over plain HTTP (5985) is never opened (%s)", (stack) => {
    expect(rulesOf(stack).filter((rule) => rule.port === WINRM_HTTP_PORT)).toEqual([]);
  });

  it("hosts admit WinRM-HTTPS and RDP from each admin CIDR and nothing else", () => {
    const rules = ingressRules({
      adminCidrs: ["192.0.2.0/28", "198.51.100.0/27"],
      builderCidrs: [],
      hostManagerPort: 8080,
    }).filter((rule) => rule.group === "hosts");
    expect(rules.map((rule) => [rule.port, rule.source])).toEqual([
      [WINRM_HTTPS_PORT, { cidr: "192.0.2.0/28" }],
      [RDP_PORT, { cidr: "192.0.2.0/28" }],
      [WINRM_HTTPS_PORT, { cidr: "198.51.100.0/27" }],
      [RDP_PORT, { cidr: "198.51.100.0/27" }],
    ]);
  });

  it("the host-manager API admits only the hosts' group, on its own port", () => {
    const rules = ingressRules({
      adminCidrs: ["192.0.2.0/28"],
      builderCidrs: [],
      hostManagerPort: 9090,
    }).filter((rule) => rule.group === "host-manager");
    expect(rules.map((rule) => [rule.port, rule.source])).toEqual([[9090, { group: "hosts" }]]);
  });

  it("the Packer group admits only WinRM-HTTPS from the builder CIDRs", () => {
    const rules = ingressRules({
      adminCidrs: [],
      builderCidrs: ["203.0.113.10/32"],
      hostManagerPort: 8080,
    }).filter((rule) => rule.group === "packer-build");
    expect(rules.map((rule) => [rule.port, rule.source])).toEqual([
      [WINRM_HTTPS_PORT, { cidr: "203.0.113.10/32" }],
    ]);
  });

  it("rule keys are unique within a group, so resource names never collide", () => {
    const rules = rulesOf("prod-cn-hangzhou");
    const names = rules.map((rule) => `${rule.group}-${rule.key}`);
    expect(new Set(names).size).toBe(names.length);
  });
});
