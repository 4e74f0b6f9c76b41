// What a failed cloud call says, read from the Alibaba Cloud SDK's error: whether the
// API answered (and with which code), gave no answer, or an answer that is not its own.
// The health check decides what to do with a CallFailure; this only reads the error.
import type { CallFailure } from "../../domain/cloud";

/** A property of a thrown value, whatever was thrown. */
export function field(error: unknown, name: string): unknown {
  return typeof error === "object" && error !== null
    ? (error as Record<string, unknown>)[name]
    : undefined;
}

/** Node's own error codes for a connection (ECONNRESET, UND_ERR_SOCKET, ...): not the API's. */
const SYSTEM_CODE = /^(E[A-Z0-9_]+|UND_ERR_[A-Z_]+)$/;

/**
 * The API's error code; undefined when there was none (the SDK prints a missing one as
 * "undefined") or the code is the connection's, not the API's.
 */
export function errorCode(error: unknown): string | undefined {
  const code = field(error, "code");
  return typeof code === "string" && code !== "" && code !== "undefined" && !SYSTEM_CODE.test(code)
    ? code
    : undefined;
}

/**
 * RebootInstance refusals that mean "this host cannot be rebooted", from the API's error
 * table (https://www.alibabacloud.com/help/en/ecs/developer-reference/api-rebootinstance;
 * also AlibabaCloudDocs/ecs RebootInstance.md): locked for security reasons, and a disk
 * in a bad state. Not InstanceExpiredOrInArrears: arrears are the account's, and a new
 * instance would not start either. IncorrectInstanceStatus is read with the instance's
 * status (below).
 */
const CANNOT_REBOOT_CODES = new Set(["InstanceLockedForSecurity", "DiskError"]);

/**
 * ECS instance states (DescribeInstances `Status`) in which a reboot is already under
 * way: IncorrectInstanceStatus then says the host is restarting, not that it cannot.
 */
const RESTARTING_STATES = new Set(["Starting", "Stopping", "Pending"]);

/** Connection failures in which the request never left this host. */
const NOT_SENT_CODES = new Set(["ECONNREFUSED", "EAI_AGAIN", "ENOTFOUND"]);

/**
 * The group cannot take the change now, and may later: a scaling activity is running,
 * the group is not Active, or removing would take it below MinSize. ESS's RemoveInstances
 * error table (https://www.alibabacloud.com/help/en/auto-scaling/developer-reference/api-ess-2014-08-28-removeinstances)
 * and Terraform, which retries exactly these (alicloud/service_alicloud_ess.go:808,817;
 * InvalidOperation.Conflict in resource_alicloud_ess_attachment.go:192,287).
 */
export const ESS_BUSY_CODES = new Set([
  "ScalingActivityInProgress",
  "IncorrectScalingGroupStatus",
  "IncorrectCapacity.MinSize",
  "InvalidOperation.Conflict",
]);

/**
 * Errors about the caller, not the host: the key, its permissions, the signature or the
 * request's time. Codes from the OpenAPI common client errors
 * (https://developer.aliyun.com/ask/278265, https://help.aliyun.com/document_detail/51132.html)
 * and ESS's client errors (https://www.alibabacloud.com/help/en/auto-scaling/developer-reference/client-errors).
 */
const CALLER_CODE =
  /^(Forbidden|ActionUnauthorized|NoPermission|InvalidAccessKeyId|InvalidSecurityToken|InvalidTimeStamp|IllegalTimestamp|SignatureDoesNotMatch|SignatureNonceUsed|IncompleteSignature|InvalidSignatureMethod)/;

/** Whether the request certainly did not reach the API (so sending it again is safe). */
export function neverSent(error: unknown): boolean {
  return NOT_SENT_CODES.has(String(field(error, "code") ?? ""));
}

/**
 * Reads a failed call (see CallFailure): an explicit list of refusals says a host cannot
 * be rebooted; anything the API answered otherwise is `refused` (with `alert` for the
 * caller's own faults), and so is an answer that is not the API's (a gateway's HTML 503);
 * no answer at all is `unknown`.
 */
export function classifyFailure(error: unknown): CallFailure {
  const message = describeError(error);
  const code = errorCode(error);
  if (code === "InvalidInstanceId.NotFound") return { kind: "gone", alert: false, message };
  if (code !== undefined && CANNOT_REBOOT_CODES.has(code)) {
    return { kind: "cannot-reboot", alert: false, message };
  }
  // "Only instances in the Running state can be restarted": Stopped cannot be, a host
  // starting or stopping is being restarted already. Without its status, nothing is sure.
  if (code === "IncorrectInstanceStatus") {
    const status = field(error, "instanceStatus");
    const described = `${message} (instance ${typeof status === "string" ? status : "status unknown"})`;
    if (status === "Stopped") return { kind: "cannot-reboot", alert: false, message: described };
    if (typeof status === "string" && RESTARTING_STATES.has(status)) {
      return { kind: "restarting", alert: false, message: described };
    }
    return { kind: "refused", alert: false, message: described };
  }
  if (code !== undefined && ESS_BUSY_CODES.has(code)) {
    return { kind: "busy", alert: false, message };
  }
  if (code !== undefined && CALLER_CODE.test(code)) {
    return { kind: "refused", alert: true, message };
  }
  if (code !== undefined) return { kind: "refused", alert: false, message };
  if (neverSent(error)) return { kind: "refused", alert: false, message };
  // The SDK parses every body as JSON: a SyntaxError (or JSON without a Code) is an answer
  // from something other than the API, e.g. a gateway's HTML 503.
  if (field(error, "name") === "SyntaxError" || field(error, "statusCode") !== undefined) {
    return { kind: "refused", alert: true, message: `not an API answer: ${message}` };
  }
  // A timeout, a reset connection: the request may have been carried out.
  return { kind: "unknown", alert: false, message };
}

export function describeError(error: unknown): string {
  const code = field(error, "code");
  const message = String(field(error, "message") ?? error);
  return code ? `${String(code)}: ${message}` : message;
}
