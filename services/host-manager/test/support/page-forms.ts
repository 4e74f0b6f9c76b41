// The status page's forms, as a browser posts them: a signed-in session's cookie and
// url-encoded fields; and the refusals every form shares.
import { OPERATOR, VIEWER } from "./fixtures";
import type { TestService } from "./service";

export const FORM = { "content-type": "application/x-www-form-urlencoded" };
/** What a browser sends with a form posted from the page itself. */
export const SAME_ORIGIN = { ...FORM, "sec-fetch-site": "same-origin" };
/** What a browser sends with a form posted from another site (or a sandboxed frame). */
export const OTHER_SITES: readonly Record<string, string>[] = [
  { "sec-fetch-site": "cross-site" },
  { "sec-fetch-site": "same-site" },
  { origin: "https://evil.example" },
  { origin: "null" },
];

export function pageForms(t: TestService) {
  /** Signs `who` in through the page's form: the session cookie, as a header. */
  const signIn = async (who: { name: string; token: string }) => {
    const res = await t.service.app.inject({
      method: "POST",
      url: "/login",
      headers: FORM,
      payload: new URLSearchParams(who).toString(),
    });
    return { cookie: String(res.headers["set-cookie"]).split(";")[0] as string };
  };
  const post = (url: string, form: Record<string, string>, headers: Record<string, string>) =>
    t.service.app.inject({
      method: "POST",
      url,
      headers,
      payload: new URLSearchParams(form).toString(),
    });
  /**
   * Posts `form` to `path` as everyone but an operator on the page itself, and expects each
   * refused: a viewer's session and bearer token and the fleet token (403), no session
   * (401), an operator's session from another site (403). The operator's session, to go on.
   */
  const expectRefusedButToOperators = async (path: string, form: Record<string, string>) => {
    const viewer = await post(path, form, { ...SAME_ORIGIN, ...(await signIn(VIEWER)) });
    expect(viewer.statusCode).toBe(403);
    expect((await post(path, form, { ...FORM, ...t.viewer })).statusCode).toBe(403);
    expect((await post(path, form, { ...FORM, ...t.auth })).statusCode).toBe(403);
    expect((await post(path, form, FORM)).statusCode).toBe(401);
    const session = await signIn(OPERATOR);
    for (const site of OTHER_SITES) {
      expect((await post(path, form, { ...FORM, ...session, ...site })).statusCode).toBe(403);
    }
    return session;
  };
  return { signIn, post, expectRefusedButToOperators };
}
