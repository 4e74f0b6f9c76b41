// Issue 14 (item 1) and 17 (item 7): sign-ins are limited per operator name as well as
// per address, so guesses spread over many addresses still stop at the limit for one
// name, while other names sign in. Over real HTTP from loopback aliases (one per guesser).
import { OPERATOR, VIEWER } from "../support/fixtures";
import { rawRequest } from "../support/http";
import { startTestService, type TestService } from "../support/service";

describe("sign-ins per name", () => {
  let t: TestService;
  let url: string;
  beforeEach(async () => {
    t = await startTestService({
      service: {
        requestLimits: {
          // Far above what these tests send from any one address.
          guesses: { limit: 100, windowMs: 60_000 },
          signInsPerName: { limit: 3, windowMs: 60_000 },
        },
      },
    });
    url = await t.listen();
  });
  afterEach(() => t.close());

  const signIn = (name: string, token: string, localAddress: string) =>
    rawRequest(`${url}/login`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ name, token }).toString(),
      localAddress,
    });

  it("stops a name after too many failures from any addresses, and only that name", async () => {
    for (const from of ["127.0.0.2", "127.0.0.3", "127.0.0.4"]) {
      expect((await signIn(VIEWER.name, "nope", from)).headers.location).toBe("/login?error=1");
    }
    // The right token, from an address that never guessed: the name is held for the window.
    expect((await signIn(VIEWER.name, VIEWER.token, "127.0.0.9")).status).toBe(429);
    expect((await signIn(OPERATOR.name, OPERATOR.token, "127.0.0.9")).status).toBe(303);
    t.clock.advanceMs(60_000);
    expect((await signIn(VIEWER.name, VIEWER.token, "127.0.0.9")).status).toBe(303);
  });
});
