// The one result code every host's part of a job ends with: the high byte says what
// kind of outcome it is, the low byte which one. 0x0000 is success; a host's own failure
// code (1-255) is carried in the low byte of ACTION_FAILED. The table is in the README.
export const RETCODE = {
  /** The action ran and succeeded. */
  SUCCESS: 0x0000,
  /** 0x01xx, host errors: the id named is not an active host of the fleet. */
  NO_SUCH_HOST: 0x0101,
  /** The host left the fleet (archived) before it started its task. */
  HOST_LEFT: 0x0102,
  /** 0x02xx, timeouts: the host went quiet past the time-to-run, every attempt. */
  TIMED_OUT: 0x0201,
  /** 0x03xx, the action failed on the host; the low byte is the host's own code. */
  ACTION_FAILED: 0x0300,
  /** 0x04xx, stopped by the service: revoked by an operator before it started. */
  REVOKED: 0x0401,
  /** Its deadline passed before it started. */
  DEADLINE_PASSED: 0x0402,
} as const;

/** What a host's part says to a person: success or failed, never anything between. */
export type Resp = "success" | "failed";

/** ACTION_FAILED with the host's code (1-255; anything else is 0xff, "unspecified"). */
export function actionFailed(hostCode: number | undefined): number {
  const code =
    hostCode !== undefined && Number.isInteger(hostCode) && hostCode >= 1 && hostCode <= 0xff
      ? hostCode
      : 0xff;
  return RETCODE.ACTION_FAILED | code;
}

/** The error type of a retcode, by its high byte. */
export function retcodeKind(
  retcode: number,
): "success" | "host" | "timeout" | "action" | "service" | "unknown" {
  switch (retcode >> 8) {
    case 0x00:
      return retcode === 0 ? "success" : "unknown";
    case 0x01:
      return "host";
    case 0x02:
      return "timeout";
    case 0x03:
      return "action";
    case 0x04:
      return "service";
    default:
      return "unknown";
  }
}

/** A retcode as a person reads it: hex, as the README's table writes it (`0x0301`). */
export function retcodeHex(retcode: number): string {
  return `0x${retcode.toString(16).padStart(4, "0")}`;
}

/** What a retcode means, in the words of the README's table. */
export function describeRetcode(retcode: number): string {
  switch (retcode) {
    case RETCODE.SUCCESS:
      return "success";
    case RETCODE.NO_SUCH_HOST:
      return "no such host: a named id is not an active host of the fleet";
    case RETCODE.HOST_LEFT:
      return "the host left the fleet before it started";
    case RETCODE.TIMED_OUT:
      return "timed out: quiet past the time-to-run on every attempt";
    case RETCODE.REVOKED:
      return "revoked by an operator before it started";
    case RETCODE.DEADLINE_PASSED:
      return "the job's deadline passed before it started";
  }
  if (retcodeKind(retcode) === "action") {
    const own = retcode & 0xff;
    return own === 0xff
      ? "the action failed on the host (no code of its own)"
      : `the action failed on the host with its code ${own}`;
  }
  return "an unknown code";
}
