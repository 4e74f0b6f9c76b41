// The status page's one way to build markup: every interpolated value is escaped
// unless it was itself built with html``.
import { html } from "../../../src/http/status-page/html";

describe("status page", () => {
  it("html`` escapes every interpolation but nested html", () => {
    const inner = html`<i>${"<b>"}</i>`;
    expect(html`<p title="${`"'`}">${inner}${["<", 1, null, false]}</p>`.value).toBe(
      '<p title="&quot;&#39;"><i>&lt;b&gt;</i>&lt;1</p>',
    );
  });
});
