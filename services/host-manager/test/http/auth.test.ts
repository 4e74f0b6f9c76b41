// The bearer-token check: the current and the previous token, each compared in constant
// time on every call, whichever matches.
import crypto from "node:crypto";
import { constantTimeEquals, makeTokenCheck } from "../../src/http/auth";
import { PREVIOUS_TOKEN as PREVIOUS, TOKEN } from "../support/fixtures";

const THIRD = "x".repeat(24) + "some-other-token";

describe("token check", () => {
  afterEach(() => jest.restoreAllMocks());

  it("accepts the current and the previous token and refuses a third", () => {
    const check = makeTokenCheck(TOKEN, PREVIOUS);
    expect(check(`Bearer ${TOKEN}`)).toBe(true);
    expect(check(`Bearer ${PREVIOUS}`)).toBe(true);
    expect(check(`Bearer ${THIRD}`)).toBe(false);
    expect(check(`Bearer ${PREVIOUS.slice(0, -1)}`)).toBe(false);
    expect(check(undefined)).toBe(false);
    expect(check(PREVIOUS)).toBe(false);
    expect(makeTokenCheck(TOKEN)(`Bearer ${PREVIOUS}`)).toBe(false);
  });

  it("compares in constant time against both tokens, every time, whichever matches", () => {
    const spy = jest.spyOn(crypto, "timingSafeEqual");
    const previousUsed = jest.fn();
    const check = makeTokenCheck(TOKEN, PREVIOUS, { onPreviousToken: previousUsed });
    for (const presented of [TOKEN, PREVIOUS, THIRD, "short"]) {
      spy.mockClear();
      check(`Bearer ${presented}`);
      // One comparison per accepted token, the same whichever matched (no early exit).
      expect(spy).toHaveBeenCalledTimes(2);
      const expectedSides = spy.mock.calls.map(([, expected]) => Buffer.from(expected as Buffer));
      expect(expectedSides.map(String)).toEqual([TOKEN, PREVIOUS]);
    }
    expect(previousUsed).toHaveBeenCalledTimes(1);
    spy.mockClear();
    makeTokenCheck(TOKEN)(`Bearer ${TOKEN}`);
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it("the constant-time helper compares equal-length buffers whatever was presented", () => {
    const spy = jest.spyOn(crypto, "timingSafeEqual");
    const expected = Buffer.from(TOKEN);
    expect(constantTimeEquals(Buffer.from(TOKEN), expected)).toBe(true);
    expect(constantTimeEquals(Buffer.from(TOKEN + "x"), expected)).toBe(false);
    expect(constantTimeEquals(Buffer.from(""), expected)).toBe(false);
    expect(spy).toHaveBeenCalledTimes(3);
    for (const [a, b] of spy.mock.calls) expect((a as Buffer).length).toBe((b as Buffer).length);
  });
});
