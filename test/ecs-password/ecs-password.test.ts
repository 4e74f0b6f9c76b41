// ECS instance passwords: alphabets and lengths the ECS API accepts, safe to quote.
import { ecsPasswordArgs, isAcceptedPassword, SAFE_SPECIALS } from "../../components/ecs-password";
import { ADMIN_PASSWORD_SPECIALS } from "../../components/instance-group";

describe("ECS passwords", () => {
  it.each([
    ["the safe alphabet", SAFE_SPECIALS],
    ["the hosts' Administrator password", ADMIN_PASSWORD_SPECIALS],
  ])(
    "never use `_`, which the ECS API has rejected, nor shell-quoting characters (%s)",
    (_alphabet, specials) => {
      for (const bad of "_$`'\"&|<>/\\") expect(specials).not.toContain(bad);
    },
  );

  it("are long and varied enough for ECS (8-30 characters, three kinds)", () => {
    const { length, minUpper, minLower, minNumeric, minSpecial } = ecsPasswordArgs();
    expect(length).toBeGreaterThanOrEqual(8);
    expect(length).toBeLessThanOrEqual(30);
    expect(minUpper + minLower + minNumeric + minSpecial).toBeLessThanOrEqual(length);
    expect([minUpper, minLower, minNumeric, minSpecial].filter((n) => n > 0).length).toBe(4);
  });

  it("checks what ECS accepts", () => {
    expect(isAcceptedPassword("Ab12!#cdEF34%*ghIJ56+-kl")).toBe(true);
    expect(isAcceptedPassword("Ab12_cdEF34")).toBe(false);
    expect(isAcceptedPassword("abcdefgh")).toBe(false);
    expect(isAcceptedPassword("Ab1!")).toBe(false);
  });

  it("checks against the alphabet a password was generated from", () => {
    expect(isAcceptedPassword("Ab12.?cdEF34")).toBe(false);
    expect(isAcceptedPassword("Ab12.?cdEF34", ADMIN_PASSWORD_SPECIALS)).toBe(true);
  });
});
