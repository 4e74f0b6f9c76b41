// The first operator, from the deployment (a Pulumi secret in HOST_MANAGER_SEED_OPERATOR_*):
// added at start, hashed like any other, when no operator has its name. Idempotent: a
// restart adds nothing, and a seeded operator revoked with the CLI stays revoked (names
// are never reused), so the seed cannot bring back a token someone took away.
import type { Logger } from "pino";
import type { AuditStore } from "./adapters/storage/audit";
import type { OperatorStore } from "./adapters/storage/operators";
import type { Clock } from "./clock";

export function seedOperator(
  operators: Pick<OperatorStore, "byName" | "hasToken" | "addWithToken">,
  audit: Pick<AuditStore, "append">,
  seed: { readonly name: string; readonly token: string },
  clock: Clock,
  logger: Pick<Logger, "info" | "warn">,
): void {
  const existing = operators.byName(seed.name);
  if (existing) {
    if (existing.revokedAt !== null) {
      logger.warn({ operator: seed.name }, "seed operator was revoked: not added again");
    } else if (!operators.hasToken(seed.name, seed.token)) {
      logger.warn(
        { operator: seed.name },
        "seed operator exists with another token: kept as it is (revoke it to reseed under a new name)",
      );
    }
    return;
  }
  const now = clock.now();
  operators.addWithToken(seed.name, "operator", seed.token, now);
  audit.append({
    at: now,
    who: "seed",
    action: "operators.add",
    target: `${seed.name} (operator)`,
    reason: "HOST_MANAGER_SEED_OPERATOR_NAME",
    outcome: "ok",
  });
  logger.info({ operator: seed.name }, "seed operator added");
}
