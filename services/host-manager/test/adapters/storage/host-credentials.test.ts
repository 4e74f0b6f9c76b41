// Host credentials (issue 15) are looked up at every report, so the lookups are kept in
// memory; the memory must never accept what the database no longer holds, nor miss what
// it does: a new credential replaces the host's old one at once, a credential not found is
// looked for again, and only what was found is kept.
import {
  HostCredentialStore,
  newHostCredential,
} from "../../../src/adapters/storage/host-credentials";
import { eachTestDatabase, T0 } from "../../support/fixtures";

const each = eachTestDatabase();

describe("host credential lookups", () => {
  it("refuses a host's old credential as soon as it has a new one, though it was looked up", () => {
    const store = new HostCredentialStore(each.db);
    const old = store.issue("i-a", T0);
    expect(store.instanceOf(old)).toBe("i-a");
    const renewed = store.issue("i-a", T0 + 1);
    expect(store.instanceOf(old)).toBeUndefined();
    expect(store.instanceOf(renewed)).toBe("i-a");
  });

  it("looks again for a credential it did not find, and finds one issued since elsewhere", () => {
    const here = new HostCredentialStore(each.db);
    const elsewhere = new HostCredentialStore(each.db);
    const guess = newHostCredential();
    expect(here.instanceOf(guess)).toBeUndefined();
    const issued = elsewhere.issue("i-b", T0);
    expect(here.instanceOf(issued)).toBe("i-b");
  });

  it("keeps one host's lookups apart from another's", () => {
    const store = new HostCredentialStore(each.db);
    const a = store.issue("i-a", T0);
    const b = store.issue("i-b", T0);
    store.issue("i-a", T0 + 1);
    expect(store.instanceOf(a)).toBeUndefined();
    expect(store.instanceOf(b)).toBe("i-b");
    expect(store.hashOf("i-b")).toBeDefined();
  });

  it("reads the database again after forgetCached (a change of role)", () => {
    const here = new HostCredentialStore(each.db);
    const elsewhere = new HostCredentialStore(each.db);
    const old = elsewhere.issue("i-c", T0);
    expect(here.instanceOf(old)).toBe("i-c");
    const renewed = elsewhere.issue("i-c", T0 + 1);
    // Issued through another store (the other manager): this one still has the old lookup.
    expect(here.instanceOf(old)).toBe("i-c");
    here.forgetCached();
    expect(here.instanceOf(old)).toBeUndefined();
    expect(here.instanceOf(renewed)).toBe("i-c");
  });
});
