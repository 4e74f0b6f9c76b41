// Whether a form post comes from the status page itself: sign-in and sign-out change
// who is signed in, so a page elsewhere must not be able to post them (login CSRF,
// forced sign-out). Browsers say where a request comes from in Sec-Fetch-Site, and
// older ones in Origin; a client that sends neither (curl, a script) is no browser
// another site drives.
import type { FastifyRequest } from "fastify";

export function isCrossSite(request: Pick<FastifyRequest, "headers">): boolean {
  const site = request.headers["sec-fetch-site"];
  // Decisive where sent: the page's no-referrer policy makes a browser send Origin: null
  // even for its own forms, so Origin is only looked at without it.
  if (site !== undefined) return site !== "same-origin" && site !== "none";
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  try {
    // "null" (a sandboxed frame, a redirect across sites) does not parse: cross-site.
    return new URL(origin).host !== request.headers.host;
  } catch {
    return true;
  }
}
