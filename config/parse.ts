// Parses the raw stack config once: every problem at once, then every derived default.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { componentConfigProblems } from "../components/config-keys";
import { planSubnets } from "../components/network/cidr";
import { endpointEnabled } from "../components/operator-access/args";
import {
  ConfigError,
  ConfigProblem,
  configKey,
  problemsFromIssues,
  unknownKeyProblem,
} from "./errors";
import { crossFieldProblems, ParsedSections } from "./rules";
import { ParsedStackConfig, SECRET_KEYS, stackConfigSchema } from "./schema";

export interface RawStackConfig {
  readonly stack: string;
  /** `region` from `alicloud:region`, every other key from the `hpc-fleet:` namespace. */
  readonly values: Readonly<Record<string, unknown>>;
  /** Keys that Pulumi holds as secrets (set with `--secret`). */
  readonly secretKeys: ReadonlySet<string>;
}

type Parsed = ParsedStackConfig;

export interface StackConfig {
  readonly project: "hpc-fleet";
  readonly stack: string;
  readonly region: string;
  readonly environment: Parsed["environment"];
  readonly network: Parsed["network"] & { readonly vSwitchCidrs: string[] };
  readonly image: Parsed["image"];
  readonly fleet: Omit<Parsed["fleet"], "spot"> & {
    readonly spot: Parsed["fleet"]["spot"] & { readonly onDemandPercentageAboveBase: number };
    readonly deletionProtection: boolean;
  };
  readonly hostManager: Parsed["hostManager"];
  readonly operatorAccess: Parsed["operatorAccess"] & { readonly endpoint: boolean };
  readonly healthCheck: Parsed["healthCheck"];
  readonly tags: Readonly<Record<string, string>>;
  readonly secrets: {
    readonly statuspageApiKey?: pulumi.Output<string>;
    readonly hostManagerRegistryPassword?: pulumi.Output<string>;
    readonly operatorAccessPrivateKey?: pulumi.Output<string>;
  };
}

const sectionSchemas = stackConfigSchema.shape;
type SectionName = keyof typeof sectionSchemas;
const SECTION_NAMES = Object.keys(sectionSchemas) as SectionName[];

/** The object shape under optional/default/prefault wrappers, if the schema is an object. */
function objectShape(schema: unknown): Record<string, z.ZodType> | undefined {
  let inner = schema;
  while (inner && typeof inner === "object" && !("shape" in inner) && "unwrap" in inner) {
    inner = (inner as { unwrap(): unknown }).unwrap();
  }
  return (inner as { shape?: Record<string, z.ZodType> } | undefined)?.shape;
}

/** The keys a config object accepts at `path`, for "did you mean" suggestions. */
function knownKeysAt(path: readonly PropertyKey[]): string[] {
  let schema: unknown = stackConfigSchema;
  for (const part of path) {
    const shape = objectShape(schema);
    if (!shape || typeof part !== "string" || !(part in shape)) return [];
    schema = shape[part];
  }
  return Object.keys(objectShape(schema) ?? {});
}

/**
 * The fields of a section that are valid on their own, so that cross-field rules
 * can still check them when a sibling field is wrong.
 */
function salvageFields(schema: unknown, value: unknown): Record<string, unknown> | undefined {
  const shape = objectShape(schema);
  if (!shape || typeof value !== "object" || value === null) return undefined;
  const fields: Record<string, unknown> = {};
  for (const [field, fieldSchema] of Object.entries(shape)) {
    const result = fieldSchema.safeParse((value as Record<string, unknown>)[field]);
    if (result.success) fields[field] = result.data;
  }
  return fields;
}

function parseSections(raw: RawStackConfig): {
  sections: ParsedSections;
  problems: ConfigProblem[];
} {
  const problems: ConfigProblem[] = [];
  const sections: Record<string, unknown> = {};
  for (const key of Object.keys(raw.values)) {
    if (!SECTION_NAMES.includes(key as SectionName)) {
      problems.push(unknownKeyProblem([], key, SECTION_NAMES));
    }
  }
  for (const name of SECTION_NAMES) {
    const isSecret = (SECRET_KEYS as readonly string[]).includes(name);
    if (isSecret && raw.values[name] !== undefined && !raw.secretKeys.has(name)) {
      problems.push({
        key: configKey([name]),
        reason: `is stored in plain text: set it with pulumi config set --secret ${configKey([name])}`,
      });
    }
    const result = sectionSchemas[name].safeParse(raw.values[name], { reportInput: true });
    if (result.success) {
      sections[name] = result.data;
    } else {
      problems.push(...problemsFromIssues(result.error.issues, [name], knownKeysAt, isSecret));
      sections[name] = salvageFields(sectionSchemas[name], raw.values[name]);
    }
  }
  return { sections: sections as ParsedSections, problems };
}

function resolve(stack: string, parsed: Parsed): StackConfig {
  const { network, fleet, hostManager, healthCheck, operatorAccess } = parsed;
  return {
    project: "hpc-fleet",
    stack,
    region: parsed.region,
    environment: parsed.environment,
    network: {
      ...network,
      vSwitchCidrs: network.vSwitchCidrs ?? planSubnets(network.vpcCidr, network.zones.length),
      natZone: network.egress === "nat" ? (network.natZone ?? network.zones[0]) : undefined,
    },
    image: parsed.image,
    fleet: {
      ...fleet,
      spot: {
        ...fleet.spot,
        // Choosing a spot strategy means spot hosts: all spot above the base unless set.
        onDemandPercentageAboveBase:
          fleet.spot.onDemandPercentageAboveBase ?? (fleet.spot.strategy === "NoSpot" ? 100 : 0),
      },
      deletionProtection: fleet.deletionProtection ?? parsed.environment !== "dev",
    },
    hostManager,
    operatorAccess: { ...operatorAccess, endpoint: endpointEnabled(operatorAccess) },
    healthCheck,
    tags: parsed.tags,
    secrets: {
      statuspageApiKey: parsed.statuspageApiKey
        ? pulumi.secret(parsed.statuspageApiKey)
        : undefined,
      hostManagerRegistryPassword: parsed.hostManagerRegistryPassword
        ? pulumi.secret(parsed.hostManagerRegistryPassword)
        : undefined,
      operatorAccessPrivateKey: parsed.operatorAccessPrivateKey
        ? pulumi.secret(parsed.operatorAccessPrivateKey)
        : undefined,
    },
  };
}

/**
 * Validates the whole stack config and resolves its defaults. Throws a
 * ConfigError listing every problem, each under its full key, before any
 * resource is declared.
 */
export function parseStackConfig(raw: RawStackConfig): StackConfig {
  const { sections, problems } = parseSections(raw);
  problems.push(...crossFieldProblems(sections), ...componentConfigProblems(sections));
  if (problems.length > 0) throw new ConfigError(problems);
  return resolve(raw.stack, sections as Parsed);
}
