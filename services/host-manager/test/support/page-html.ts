// Reading the status page's HTML in tests: its grid section, and the hosts its table lists.

/** The grid of every host, as the page serves it; undefined if the page has none. */
export const gridOf = (page: string): string | undefined =>
  /<section id="grid"[\s\S]*?<\/section>/.exec(page)?.[0];

/** The instance ids of the table's rows, in the page's order. */
export const tableRows = (page: string): string[] =>
  [...page.matchAll(/<tr data-instance="([^"]+)"/g)].map((match) => match[1]);
