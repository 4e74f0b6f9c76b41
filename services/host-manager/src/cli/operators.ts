// `host-manager operators add NAME --role operator|viewer [--reason TEXT]`, `operators
// list`, `operators revoke NAME [--reason TEXT]`: on the database in HOST_MANAGER_DATA_DIR,
// the running service's own (it sees a change at its next request). A new token goes to
// stdout once and nowhere else; every add and revoke, done or refused, is audited as
// `cli:<OS user>`.
import { userInfo } from "node:os";
import { parseArgs } from "node:util";
import { AuditStore } from "../adapters/storage/audit";
import { openDatabase } from "../adapters/storage/database";
import {
  OPERATOR_ROLES,
  OperatorError,
  OperatorStore,
  type OperatorRole,
} from "../adapters/storage/operators";
import { HOST_MANAGER_ENV } from "@hpc-fleet/fleet-contract";

export interface CliIo {
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly now: () => number;
}

export const OPERATORS_USAGE = `usage:
  host-manager operators add NAME --role operator|viewer [--reason TEXT]
  host-manager operators list
  host-manager operators revoke NAME [--reason TEXT]
HOST_MANAGER_DATA_DIR names the data directory (the service's).
`;

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
}

/** Runs the command; returns the exit code (0 done, 1 refused, 2 usage or configuration). */
export function runOperatorsCli(args: readonly string[], io: CliIo): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options: { role: { type: "string" }, reason: { type: "string" } },
    });
  } catch (error) {
    io.stderr(`host-manager operators: ${(error as Error).message}\n${OPERATORS_USAGE}`);
    return 2;
  }
  const [command, name, ...extra] = parsed.positionals;
  const { role, reason } = parsed.values;
  const usage = (why: string) => {
    io.stderr(`host-manager operators: ${why}\n${OPERATORS_USAGE}`);
    return 2;
  };
  if (extra.length > 0) return usage(`unexpected argument ${extra[0]}`);
  if (command === "list") {
    if (name !== undefined) return usage("list takes no name");
  } else if (command === "add" || command === "revoke") {
    if (name === undefined) return usage(`${command} needs a NAME`);
    if (command === "add" && !OPERATOR_ROLES.includes(role as OperatorRole)) {
      return usage(`add needs --role ${OPERATOR_ROLES.join("|")}`);
    }
    if (command === "revoke" && role !== undefined) return usage("revoke takes no --role");
  } else {
    return usage(command === undefined ? "no command" : `unknown command ${command}`);
  }
  const dataDir = io.env[HOST_MANAGER_ENV.dataDir];
  if (!dataDir) return usage(`${HOST_MANAGER_ENV.dataDir} is required`);
  const networkFs = io.env[HOST_MANAGER_ENV.dataOnNetworkFs] === "true";

  const db = openDatabase(dataDir, { networkFs });
  try {
    const operators = new OperatorStore(db);
    if (command === "list") {
      for (const op of operators.list()) {
        const state = op.revokedAt === null ? "active" : `revoked ${iso(op.revokedAt)}`;
        io.stdout(`${op.name}\t${op.role}\t${iso(op.createdAt)}\t${state}\n`);
      }
      return 0;
    }
    const audit = new AuditStore(db);
    const now = io.now();
    const record = (outcome: string) =>
      audit.append({
        at: now,
        who: `cli:${osUser()}`,
        action: `operators.${command}`,
        target: `${name}${command === "add" ? ` (${role})` : ""}`,
        reason: reason ?? null,
        outcome,
      });
    if (command === "add") {
      let token: string;
      try {
        token = operators.add(name as string, role as OperatorRole, now);
      } catch (error) {
        if (!(error instanceof OperatorError)) throw error;
        record(`refused: ${error.message}`);
        io.stderr(`host-manager operators: ${error.message}\n`);
        return 1;
      }
      record("ok");
      // The only copy: stdout, for the person running the command. Never logged.
      io.stdout(`${token}\n`);
      io.stderr(`operator ${name} added (${role}); the token above is shown only once\n`);
      return 0;
    }
    if (!operators.revoke(name as string, now)) {
      record("refused: no such live operator");
      io.stderr(`host-manager operators: no live operator named ${name}\n`);
      return 1;
    }
    record("ok");
    io.stderr(`operator ${name} revoked\n`);
    return 0;
  } finally {
    db.close();
  }
}

const iso = (ms: number) => new Date(ms).toISOString();
