// The stack config: one schema, parsed once, every problem (the components' rules too) at once.
export { ConfigError, type ConfigProblem } from "./errors";
export { parseStackConfig, type RawStackConfig, type StackConfig } from "./parse";
export { rawConfigFromEntries, readStackConfig } from "./read";
export { DEFAULT_CLIENT_FILES, MAX_INSTANCES, RESERVED_TAG_KEYS } from "./schema";
