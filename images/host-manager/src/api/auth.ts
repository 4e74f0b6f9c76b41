// Bearer-token check in constant time. The presented token is compared with a
// buffer of the expected token's length whatever its own length, so the time
// taken depends on neither where the first difference is nor the token's length.
import { timingSafeEqual } from "node:crypto";

export function makeTokenCheck(token: string): (authorization: string | undefined) => boolean {
  const expected = Buffer.from(token, "utf8");
  return (authorization) => {
    if (typeof authorization !== "string" || !authorization.startsWith("Bearer ")) return false;
    const presented = Buffer.from(authorization.slice(7).trim(), "utf8");
    const sameLength = presented.length === expected.length;
    return timingSafeEqual(sameLength ? presented : expected, expected) && sameLength;
  };
}
