// The Administrator password of every host: generated once per stack, kept as a secret,
// used for break-glass RDP. ECS wants 8-30 characters with three of upper, lower, digit and
// special; the API has rejected `_`, and `$ \` ' " & | < > /` are left out so the password
// survives PowerShell, cmd and URL quoting unescaped.

export const PASSWORD_LENGTH = 24;
export const PASSWORD_SPECIALS = "!#%*+-=.?";

/** Arguments for random.RandomPassword. */
export const PASSWORD_ARGS = {
  length: PASSWORD_LENGTH,
  special: true,
  overrideSpecial: PASSWORD_SPECIALS,
  minUpper: 2,
  minLower: 2,
  minNumeric: 2,
  minSpecial: 2,
} as const;

/** Whether ECS accepts `password` for a Windows instance and it avoids the unsafe characters. */
export function isAcceptedPassword(password: string): boolean {
  if (password.length < 8 || password.length > 30) return false;
  const allowed = new RegExp(`^[A-Za-z0-9${PASSWORD_SPECIALS.replace(/[-\]\\^]/g, "\\$&")}]+$`);
  if (!allowed.test(password) || password.startsWith("/")) return false;
  const classes = [/[A-Z]/, /[a-z]/, /[0-9]/, /[^A-Za-z0-9]/];
  return classes.filter((kind) => kind.test(password)).length >= 3;
}
