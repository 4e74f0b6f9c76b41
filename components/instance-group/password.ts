// The hosts' Administrator password: generated once per stack, kept as a secret, used for
// break-glass RDP. It was first generated with `.` and `?` among its specials too, and a
// RandomPassword whose alphabet changes is replaced: new hosts would get another password
// than the running ones. So it keeps that alphabet; `.` and `?` are accepted by ECS.
import { ecsPasswordArgs, SAFE_SPECIALS } from "../ecs-password";

export const ADMIN_PASSWORD_SPECIALS = `${SAFE_SPECIALS}.?`;

/** Arguments for the hosts' random.RandomPassword. */
export const ADMIN_PASSWORD_ARGS = ecsPasswordArgs(ADMIN_PASSWORD_SPECIALS);
