// The status page's own links: a query as a URL that leaves out what is at its default,
// so links stay short and a bookmark of the plain page is "/".
import { DEFAULT_PAGE_SIZE, type PageQuery } from "./model";

const DEFAULTS: Omit<PageQuery, "page" | "size"> = {
  state: "all",
  zone: "",
  gen: "",
  q: "",
  sort: "state",
  dir: "asc",
  group: "zone",
  window: "1h",
};

export function pageUrl(query: PageQuery, change: Partial<PageQuery> = {}): string {
  const next = { ...query, ...change };
  const params = new URLSearchParams();
  for (const key of Object.keys(DEFAULTS) as (keyof typeof DEFAULTS)[]) {
    if (next[key] !== DEFAULTS[key]) params.set(key, String(next[key]));
  }
  if (next.size !== DEFAULT_PAGE_SIZE) params.set("size", String(next.size));
  if (next.page !== 1) params.set("page", String(next.page));
  const text = params.toString();
  return text ? `/?${text}` : "/";
}
