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

  it.each(SHIPPED_STACKS)(
    "the hosts admit nothing: operators come through Session Manager (%s)",
    (stack) => {
      expect(rulesOf(stack).filter((rule) => rule.group === "hosts")).toEqual([]);
    },
  );

  it("the host-manager API admits only the hosts' group, on its own port", () => {
    const rules = ingressRules({
      builderCidrs: [],
      hostManagerPort: 9090,
    }).filter((rule) => rule.group === "host-manager");
    expect(rules.map((rule) => [rule.port, rule.source])).toEqual([[9090, { group: "hosts" }]]);
  });

  it("the Packer group admits only WinRM-HTTPS from the builder CIDRs", () => {
    const rules = ingressRules({
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
