/**
 * Input a caller sent, made fit to quote back in an error message or a log line: control and
 * format characters (newlines, ANSI escapes, NUL, bidirectional overrides, zero-width characters)
 * are dropped so a value cannot forge log lines or hide text, and a long value is cut to a
 * recognisable prefix so a pasted blob (or a 100 KB parameter name) is never echoed whole.
 */
export const ECHO_MAX_CHARACTERS = 64;

const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

export function safeEcho(value: string, max: number = ECHO_MAX_CHARACTERS): string {
  const printable = value.replace(UNPRINTABLE, '');
  // Code points, not UTF-16 units: a cut never splits a surrogate pair.
  const characters = Array.from(printable);
  if (characters.length <= max) return printable;
  return `${characters.slice(0, max).join('')}... (${characters.length} characters)`;
}
