// Structured JSON logs. Secrets are redacted by path as a second line of defence:
// the code never logs the token or cloud credentials in the first place.
import pino, { type Logger } from "pino";

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: "host-manager" },
    redact: {
      paths: [
        "req.headers.authorization",
        "headers.authorization",
        "token",
        "config.token",
        "accessKeyId",
        "accessKeySecret",
        "securityToken",
      ],
      censor: "[redacted]",
    },
  });
}
