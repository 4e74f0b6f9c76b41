// Records every resource a program declares under Pulumi's mocks, and refuses
// provider calls nobody expected, so a new data-source lookup cannot slip in unseen.
import * as pulumi from "@pulumi/pulumi";

export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  /** The parent's name, or undefined for the stack's direct children. */
  parent?: string;
  /** Inputs as the engine would receive them: secrets wrapped, unknowns marked. */
  readonly inputs: Record<string, unknown>;
  /** The resource options that change how the engine treats it (the mocks do not see them). */
  options?: RecordedOptions;
}

export interface RecordedOptions {
  readonly customTimeouts?: pulumi.CustomTimeouts;
  readonly protect?: boolean;
  readonly ignoreChanges?: string[];
  readonly replaceOnChanges?: string[];
  readonly deleteBeforeReplace?: boolean;
  readonly retainOnDelete?: boolean;
  /** Former identities (a renamed type token): the engine matches them so URNs stay put. */
  readonly aliases?: pulumi.Input<string | pulumi.Alias>[];
  /** Explicit dependencies (`dependsOn`), each as `type::name`, once they have resolved. */
  readonly dependsOn?: readonly string[];
}

/** The resources in a `dependsOn` value: a resource, a promise or Output of some, or a list. */
async function resourcesIn(value: unknown): Promise<pulumi.Resource[]> {
  // The SDK hands transformations a promised dependsOn as an Output (its promise() is internal).
  const settled = pulumi.Output.isInstance(value)
    ? await (value as unknown as { promise(): Promise<unknown> }).promise()
    : await value;
  if (Array.isArray(settled)) return (await Promise.all(settled.map(resourcesIn))).flat();
  return pulumi.Resource.isInstance(settled) ? [settled] : [];
}

/** Answers a provider function call (`alicloud:...:get...`) the program is allowed to make. */
export type CallHandler = (inputs: Record<string, unknown>) => Record<string, unknown>;

/** Extra output properties a resource type gets from the (mock) cloud. */
export type CloudOutputs = (
  inputs: Record<string, unknown>,
  name: string,
) => Record<string, unknown>;

export interface RecorderOptions {
  /** In a preview, ids and cloud-only outputs are unknown, as `pulumi preview` shows them. */
  readonly preview: boolean;
  readonly calls?: Readonly<Record<string, CallHandler>>;
  readonly cloudOutputs?: Readonly<Record<string, CloudOutputs>>;
  /** Outputs known even in a preview (e.g. a generated password, to show it flows as a secret). */
  readonly previewOutputs?: Readonly<Record<string, CloudOutputs>>;
  /** Why the cloud would refuse a resource of the type with these inputs; undefined if it would not. */
  readonly refusals?: Readonly<
    Record<string, (inputs: Record<string, unknown>) => string | undefined>
  >;
}

export class ResourceRecorder implements pulumi.runtime.Mocks {
  readonly resources: RecordedResource[] = [];
  /** Why the (mock) cloud refused resources, as `pulumi up` would fail on them. */
  readonly refused: string[] = [];

  constructor(private readonly options: RecorderOptions) {}

  newResource(args: pulumi.runtime.MockResourceArgs): {
    id: string | undefined;
    state: Record<string, unknown>;
  } {
    const refusal = this.options.refusals?.[args.type]?.(args.inputs);
    // Kept, not thrown: a failed registration escapes the runtime as an unhandled
    // rejection; runUnderMocks fails the run with it once the stack has settled.
    if (refusal !== undefined) this.refused.push(`${args.type} ${args.name} refused: ${refusal}`);
    this.resources.push({ type: args.type, name: args.name, inputs: args.inputs });
    if (this.options.preview) {
      const known = this.options.previewOutputs?.[args.type];
      // The engine treats every output of a resource without an id as unknown.
      if (!known) return { id: undefined, state: args.inputs };
      return { id: `${args.name}-id`, state: { ...args.inputs, ...known(args.inputs, args.name) } };
    }
    const extra = this.options.cloudOutputs?.[args.type]?.(args.inputs, args.name) ?? {};
    return { id: `${args.name}-id`, state: { ...args.inputs, ...extra } };
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    const handler = this.options.calls?.[args.token];
    if (!handler) throw new Error(`unexpected provider call ${args.token}`);
    return handler(args.inputs);
  }

  /** Notes each resource's parent and options as the program constructs it. */
  recordParentsAndOptions(): void {
    const parents = new Map<string, string>();
    const options = new Map<string, RecordedOptions>();
    const dependsOn = new Map<string, unknown>();
    pulumi.runtime.registerStackTransformation((resource) => {
      const key = `${resource.type}::${resource.name}`;
      if (resource.opts.parent) parents.set(key, pulumi.resourceName(resource.opts.parent));
      const opts = resource.opts as pulumi.CustomResourceOptions;
      options.set(key, {
        customTimeouts: opts.customTimeouts,
        protect: opts.protect,
        ignoreChanges: opts.ignoreChanges,
        replaceOnChanges: opts.replaceOnChanges,
        deleteBeforeReplace: opts.deleteBeforeReplace,
        retainOnDelete: opts.retainOnDelete,
        aliases: opts.aliases,
      });
      if (opts.dependsOn !== undefined) dependsOn.set(key, opts.dependsOn);
      return undefined;
    });
    this.parentOf = (type, name) => parents.get(`${type}::${name}`);
    this.optionsOf = async (type, name) => {
      const key = `${type}::${name}`;
      const recorded = options.get(key);
      if (!recorded || !dependsOn.has(key)) return recorded;
      const resources = await resourcesIn(dependsOn.get(key));
      return {
        ...recorded,
        dependsOn: resources.map(
          (resource) => `${pulumi.resourceType(resource)}::${pulumi.resourceName(resource)}`,
        ),
      };
    };
  }

  parentOf: (type: string, name: string) => string | undefined = () => undefined;
  /** Resolves once the resource's dependsOn has (it waits on what the program declares later). */
  optionsOf: (type: string, name: string) => Promise<RecordedOptions | undefined> = () =>
    Promise.resolve(undefined);
}
