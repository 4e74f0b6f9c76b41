// Host names for the group's instances. ESS numbers them itself with the pattern
// `prefix(AUTO_INCREMENT)[begin,digits]` (unique across the group's whole life, growing as
// hosts are replaced); Windows cuts a NetBIOS name at 15 characters, so the prefix, the
// separator and the digits must fit in 15 or two hosts could end up with the same name.

export const WINDOWS_HOST_NAME_MAX_LENGTH = 15;
/** ESS accepts at most 6 digits in a sequence; more digits postpone wrap-around. */
export const MAX_SEQUENCE_DIGITS = 6;
/** Fewer than 4 digits would run out after a few rounds of replacements. */
export const MIN_SEQUENCE_DIGITS = 4;
const SEPARATOR = "-";

export interface HostNamePattern {
  /** What the scaling configuration's hostName gets. */
  readonly pattern: string;
  readonly digits: number;
  /** The longest name ESS can render from the pattern, e.g. hpcdev-999999. */
  readonly longestName: string;
}

/** Why `prefix` cannot start the hosts' names, or undefined when it can. */
export function hostNamePrefixProblem(prefix: string): string | undefined {
  if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(prefix)) {
    return `${JSON.stringify(prefix)} must start with a letter and hold only letters, digits and hyphens`;
  }
  const room = WINDOWS_HOST_NAME_MAX_LENGTH - prefix.length - SEPARATOR.length;
  if (room < MIN_SEQUENCE_DIGITS) {
    return (
      `${prefix} leaves ${room} of the ${MIN_SEQUENCE_DIGITS} digits a Windows host name needs ` +
      `(at most ${WINDOWS_HOST_NAME_MAX_LENGTH - SEPARATOR.length - MIN_SEQUENCE_DIGITS} characters)`
    );
  }
  return undefined;
}

/** The ESS host-name pattern for a prefix; throws when the names could not fit Windows. */
export function hostNamePattern(prefix: string): HostNamePattern {
  const problem = hostNamePrefixProblem(prefix);
  if (problem) throw new Error(`hostNamePrefix: ${problem}`);
  const room = WINDOWS_HOST_NAME_MAX_LENGTH - prefix.length - SEPARATOR.length;
  const digits = Math.min(room, MAX_SEQUENCE_DIGITS);
  return {
    pattern: `${prefix}${SEPARATOR}(AUTO_INCREMENT)[1,${digits}]`,
    digits,
    longestName: `${prefix}${SEPARATOR}${"9".repeat(digits)}`,
  };
}
