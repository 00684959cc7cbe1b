/**
 * Where the app may send Clever credentials and bearer tokens: over TLS, or in plain HTTP only to
 * this machine (the Clever emulator). Checked when settings are read, so a wrong URL fails at
 * start-up by name, and again by the HTTP layer for any URL built later.
 */
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

export function isAllowedCleverUrl(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
}

export const CLEVER_URL_RULE =
  'must use https (plain http is accepted only for localhost, e.g. the emulator)';
