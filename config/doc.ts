// What a config key means, kept on the schema itself so the configuration reference
// (docs/configuration.md, written by `npm run docs`) is generated from it and cannot drift.

export interface KeyDoc {
  /** What the key means, one or two sentences. */
  readonly description: string;
  /** The default when it is derived rather than a literal (the schema shows literal ones). */
  readonly defaultText?: string;
  /** zod's metadata is an open record. */
  readonly [key: string]: unknown;
}

export function doc(description: string, defaultText?: string): KeyDoc {
  return defaultText === undefined ? { description } : { description, defaultText };
}
