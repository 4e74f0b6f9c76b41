// The opaque cursor of the paged host list: where the next page starts (the last
// instance id of this one), versioned so the encoding can change without clients
// having to understand it. Opaque so that clients pass it back rather than build it.
const PREFIX = "h1:";
const MAX_ID_LENGTH = 128;
const PRINTABLE = /^[\x21-\x7e]+$/;

export function encodeCursor(lastInstanceId: string): string {
  return Buffer.from(PREFIX + lastInstanceId, "utf8").toString("base64url");
}

/** The instance id a cursor continues after, or undefined for one this service did not make. */
export function decodeCursor(cursor: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return undefined;
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  if (!text.startsWith(PREFIX)) return undefined;
  const id = text.slice(PREFIX.length);
  return id.length > 0 && id.length <= MAX_ID_LENGTH && PRINTABLE.test(id) ? id : undefined;
}

/** The 400 body for a cursor this service did not make. */
export const BAD_CURSOR = {
  error: "invalid query",
  field: "cursor",
  message: "must be a nextCursor this API returned",
} as const;
