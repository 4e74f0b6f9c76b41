// The hosts' Administrator password: an alphabet and lengths the ECS API accepts.
import {
  isAcceptedPassword,
  PASSWORD_ARGS,
  PASSWORD_SPECIALS,
} from "../../components/instance-group";

describe("the Administrator password", () => {
  it("never uses `_`, which the ECS API has rejected, nor shell-quoting characters", () => {
    for (const bad of "_$`'\"&|<>/") expect(PASSWORD_SPECIALS).not.toContain(bad);
  });

  it("is long and varied enough for ECS (8-30 characters, three kinds)", () => {
    const { length, minUpper, minLower, minNumeric, minSpecial } = PASSWORD_ARGS;
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
});
