/**
 * Last line of defence against credential leakage: every log line passes through `redactText`
 * before it is written. Known secret values (registered when they are loaded) are masked
 * wherever they appear, plus patterns that look like credentials whatever their source.
 */
const MASK = '[REDACTED]';
const MIN_SECRET_LENGTH = 6;

const registeredSecrets = new Set<string>();

/** Remember a secret value so that it is masked in every later log line, error and response. */
export function registerSecret(value: string | undefined | null): void {
  if (!value || value.length < MIN_SECRET_LENGTH) return;
  registeredSecrets.add(value);
  // The Basic header form of a secret is also a secret.
  registeredSecrets.add(encodeURIComponent(value));
}

/** For tests: forget registered secrets. */
export function clearRegisteredSecrets(): void {
  registeredSecrets.clear();
}

const PATTERNS: [RegExp, string][] = [
  // Authorization header values
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/gi, `$1 ${MASK}`],
  // key=value secrets in connection strings and query strings
  [
    /\b(password|pwd|accountkey|sharedaccesskey|client_secret|access_token|refresh_token|code|sig|instrumentationkey)=([^;&\s"']+)/gi,
    `$1=${MASK}`,
  ],
  // user:password@ in URLs
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^:/\s"'@]+):[^@/\s"']+@/gi, `$1:${MASK}@`],
  // JSON fields that carry secrets
  [
    /("(?:access_token|client_secret|password|authorization|x-functions-key|token|connectionString)"\s*:\s*")[^"]*"/gi,
    `$1${MASK}"`,
  ],
  // Function keys in headers
  [/(x-functions-key\s*[:=]\s*)[^\s,;"']+/gi, `$1${MASK}`],
];

export function redactText(text: string): string {
  let result = text;
  for (const secret of registeredSecrets) {
    if (result.includes(secret)) result = result.split(secret).join(MASK);
  }
  for (const [pattern, replacement] of PATTERNS) result = result.replace(pattern, replacement);
  return result;
}

/** Object keys whose values are never logged, whatever they contain. */
export const REDACTED_KEYS = [
  'authorization',
  'Authorization',
  'headers.authorization',
  'headers.Authorization',
  'config.headers',
  'request',
  'clientSecret',
  'client_secret',
  'accessToken',
  'access_token',
  'token',
  'password',
  'connectionString',
  'functionKey',
  'x-functions-key',
  '*.authorization',
  '*.Authorization',
  '*.clientSecret',
  '*.accessToken',
  '*.access_token',
  '*.token',
  '*.password',
  '*.connectionString',
];
