// Bearer-token check, in constant time: both sides are hashed to equal-length
// digests first, so neither the length nor a matching prefix leaks.
import { createHash, timingSafeEqual } from "node:crypto";

const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();

export function makeTokenCheck(token: string): (authorization: string | undefined) => boolean {
  const expected = digest(token);
  return (authorization) => {
    if (typeof authorization !== "string") return false;
    const match = /^Bearer ([^\s]+)$/i.exec(authorization.trim());
    if (!match) return false;
    return timingSafeEqual(digest(match[1]), expected);
  };
}
