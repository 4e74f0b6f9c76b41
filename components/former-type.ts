// A component whose type token was renamed keeps its former token as an alias: the engine
// then matches the resource already in a stack's state, and its children (whose URNs
// carry the parent's type) inherit the alias, so nothing is replaced or recreated.
import type * as pulumi from "@pulumi/pulumi";

/** `opts` with `formerType` added to its aliases. */
export function withFormerType(
  formerType: string,
  opts: pulumi.ComponentResourceOptions = {},
): pulumi.ComponentResourceOptions {
  return { ...opts, aliases: [{ type: formerType }, ...(opts.aliases ?? [])] };
}
