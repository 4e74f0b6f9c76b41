// The jobs domain on its own: selectors over the active fleet, and the retcode scheme.
import {
  actionFailed,
  describeRetcode,
  RETCODE,
  retcodeHex,
  retcodeKind,
} from "../../src/domain/jobs/retcode";
import {
  hostSelectorSchema,
  resolveSelector,
  type SelectableHost,
} from "../../src/domain/jobs/selector";
import { respOf } from "../../src/domain/jobs/task";

const fleet: SelectableHost[] = [
  { instanceId: "i-3", zone: "cn-hangzhou-h", generation: "g2", state: "running" },
  { instanceId: "i-1", zone: "cn-hangzhou-i", generation: "g1", state: "running" },
  { instanceId: "i-2", zone: "cn-hangzhou-h", generation: "g1", state: "unhealthy" },
  { instanceId: "i-4", zone: null, generation: "g2", state: "running" },
];

describe("resolveSelector", () => {
  it("chooses all, by generation and by state, in id order", () => {
    expect(resolveSelector({ all: true }, fleet).hosts).toEqual(["i-1", "i-2", "i-3", "i-4"]);
    expect(resolveSelector({ generation: "g1" }, fleet).hosts).toEqual(["i-1", "i-2"]);
    expect(resolveSelector({ state: "running" }, fleet).hosts).toEqual(["i-1", "i-3", "i-4"]);
    expect(resolveSelector({ state: "failed" }, fleet).hosts).toEqual([]);
  });

  it("chooses by zone, never a host whose zone is not known", () => {
    expect(resolveSelector({ zone: "cn-hangzhou-h" }, fleet).hosts).toEqual(["i-2", "i-3"]);
    expect(resolveSelector({ zone: "cn-hangzhou-i" }, fleet).hosts).toEqual(["i-1"]);
    expect(resolveSelector({ zone: "cn-shanghai-a" }, fleet).hosts).toEqual([]);
  });

  it("takes {zone} as a selector and refuses an empty one", () => {
    expect(hostSelectorSchema.safeParse({ zone: "cn-hangzhou-h" }).success).toBe(true);
    expect(hostSelectorSchema.safeParse({ zone: "" }).success).toBe(false);
    expect(hostSelectorSchema.safeParse({ zone: "a", all: true }).success).toBe(false);
  });

  it("keeps named ids once each, apart from those not in the fleet", () => {
    expect(resolveSelector({ ids: ["i-2", "i-9", "i-2", "i-1"] }, fleet)).toEqual({
      hosts: ["i-2", "i-1"],
      unknown: ["i-9"],
    });
  });
});

describe("retcodes", () => {
  it("put the error type in the high byte and the code in the low byte", () => {
    expect(actionFailed(7)).toBe(0x0307);
    expect(actionFailed(undefined)).toBe(0x03ff);
    expect(actionFailed(300)).toBe(0x03ff);
    expect(
      [
        RETCODE.SUCCESS,
        RETCODE.NO_SUCH_HOST,
        RETCODE.TIMED_OUT,
        actionFailed(1),
        RETCODE.DEADLINE_PASSED,
        0x0001,
        0x0901,
      ].map(retcodeKind),
    ).toEqual(["success", "host", "timeout", "action", "service", "unknown", "unknown"]);
  });

  it("read as hex with their meaning, the host's own code carried in the low byte", () => {
    expect(retcodeHex(RETCODE.SUCCESS)).toBe("0x0000");
    expect(retcodeHex(actionFailed(0x2a))).toBe("0x032a");
    expect(describeRetcode(RETCODE.TIMED_OUT)).toMatch(/^timed out/);
    expect(describeRetcode(RETCODE.REVOKED)).toMatch(/^revoked by an operator/);
    expect(describeRetcode(actionFailed(42))).toBe(
      "the action failed on the host with its code 42",
    );
    expect(describeRetcode(actionFailed(undefined))).toMatch(/no code of its own/);
    expect(describeRetcode(0x0999)).toBe("an unknown code");
  });

  it("answer success only for success, failed for every other end, nothing before", () => {
    expect(respOf({ state: "success" })).toBe("success");
    for (const state of ["failed", "buried", "revoked"] as const) {
      expect(respOf({ state })).toBe("failed");
    }
    for (const state of ["pending", "ready", "reserved", "delayed"] as const) {
      expect(respOf({ state })).toBeNull();
    }
  });
});
