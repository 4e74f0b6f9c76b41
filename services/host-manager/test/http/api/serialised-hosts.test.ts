// The bytes a snapshot keeps for the host list: any run of hosts cut from them is what
// joining their views would give, across batches and with characters of several bytes.
import { SerialisedHosts } from "../../../src/http/api/host-json";

const view = (i: number) =>
  JSON.stringify({ instanceId: `i-${i}`, hostname: i % 3 === 0 ? `hôte-${i}-✓` : `h-${i}` });

describe("SerialisedHosts", () => {
  const views = Array.from({ length: 23 }, (_, i) => view(i));
  const serialised = new SerialisedHosts();
  // Batches of uneven sizes, as a rebuild's last batch is.
  for (const [from, to] of [
    [0, 7],
    [7, 14],
    [14, 15],
    [15, 23],
  ]) {
    serialised.add(views.slice(from, to));
  }

  it("counts every host added", () => {
    expect(serialised.length).toBe(23);
  });

  it("cuts every run of hosts as their views joined, within and across batches", () => {
    const wrong: string[] = [];
    for (let from = 0; from <= 23; from++) {
      for (let to = from; to <= 23; to++) {
        const cut = serialised.elements(from, to).toString("utf8");
        if (cut !== views.slice(from, to).join(",")) wrong.push(`${from}..${to}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("gives JSON a parser reads back as the hosts", () => {
    const parsed = JSON.parse(`[${serialised.elements(2, 20).toString("utf8")}]`) as unknown[];
    expect(parsed).toEqual(views.slice(2, 20).map((v) => JSON.parse(v)));
  });
});
