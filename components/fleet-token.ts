// The fleet token: what every host sends with its reports, and nothing else (operators
// have their own tokens; the stack seeds the first). Two slots, so that a rotation (flip fleet.activeTokenSlot, then
// replace the old slot's token) never locks out the hosts still carrying the other one
// while they are rolled: the hosts get the active slot's, the host-manager accepts both.
import type * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

export type TokenSlot = "a" | "b";

export interface FleetTokens {
  /** The active slot's token, which the hosts get. */
  readonly active: pulumi.Output<string>;
  /** The other slot's token, which the host-manager still accepts. */
  readonly previous: pulumi.Output<string>;
}

function tokenSlot(name: string): random.RandomPassword {
  return new random.RandomPassword(name, { length: 48, special: false });
}

/** Declares both slots' tokens, `${prefix}-fleet-token-a` and `-b`, at the stack's top level. */
export function declareFleetTokens(prefix: string, activeSlot: TokenSlot): FleetTokens {
  const slots = {
    a: tokenSlot(`${prefix}-fleet-token-a`),
    b: tokenSlot(`${prefix}-fleet-token-b`),
  };
  return {
    active: slots[activeSlot].result,
    previous: slots[activeSlot === "a" ? "b" : "a"].result,
  };
}

/**
 * The first operator's token, `${prefix}-operator-token`: the host-manager seeds operator
 * `first-operator` with it; apart from the fleet token, so a host cannot act as it.
 */
export function declareOperatorToken(prefix: string): pulumi.Output<string> {
  return new random.RandomPassword(`${prefix}-operator-token`, { length: 48, special: false })
    .result;
}
