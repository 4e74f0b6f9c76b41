// How a failed call is read: which refusals say a host cannot be rebooted, which say
// nothing about it, and which leave it unknown whether the call was carried out.
import { classifyFailure } from "../../../src/adapters/cloud/errors";

const api = (code: string, statusCode = 400, extra: object = {}) =>
  Object.assign(new Error(`${code} message`), { code, statusCode, ...extra });

describe("classifyFailure", () => {
  it.each([
    [api("InstanceLockedForSecurity", 403), "cannot-reboot", false],
    [api("DiskError", 403), "cannot-reboot", false],
    [api("IncorrectInstanceStatus", 403, { instanceStatus: "Stopped" }), "cannot-reboot", false],
    [api("IncorrectInstanceStatus", 403, { instanceStatus: "Starting" }), "restarting", false],
    [api("IncorrectInstanceStatus", 403, { instanceStatus: "Stopping" }), "restarting", false],
    [api("IncorrectInstanceStatus", 403), "refused", false],
    [api("InstanceExpiredOrInArrears", 403), "refused", false],
    [api("InvalidInstanceId.NotFound", 404), "gone", false],
    [api("ScalingActivityInProgress"), "busy", false],
    [api("IncorrectCapacity.MinSize"), "busy", false],
    [api("Forbidden.RAM", 403), "refused", true],
    [api("SignatureDoesNotMatch"), "refused", true],
    [api("InvalidTimeStamp.Expired"), "refused", true],
    [api("InvalidAccessKeyId.NotFound", 404), "refused", true],
    [api("Throttling.User"), "refused", false],
    [api("InternalError", 500), "refused", false],
    [Object.assign(new SyntaxError("Unexpected token '<'"), {}), "refused", true],
    [Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }), "unknown", false],
    [Object.assign(new Error("ReadTimeout"), { name: "RequestTimeoutError" }), "unknown", false],
    [Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }), "refused", false],
  ])("%s is %s (alert %s)", (error, kind, alert) => {
    expect(classifyFailure(error)).toMatchObject({ kind, alert });
  });
});
