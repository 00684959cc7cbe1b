/**
 * Azure Functions route templates (`sync/runs/{runId}`, `items/{id:int?}`, `files/{*path}`) as
 * matchers, so the local runner answers on exactly the routes the Functions host would.
 * Supported: literal segments, `{name}`, `{name?}` (trailing), `{*name}` (rest of the path) and the
 * common constraints int, long, bool, guid, alpha. Matching is case-insensitive, as in the host.
 */
export type RouteParams = Record<string, string>;

type Segment =
  | { kind: 'literal'; value: string }
  | { kind: 'param'; name: string; optional: boolean; constraint: string | undefined }
  | { kind: 'rest'; name: string };

const CONSTRAINTS: Record<string, RegExp> = {
  int: /^-?\d+$/,
  long: /^-?\d+$/,
  bool: /^(true|false)$/i,
  guid: /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i,
  alpha: /^[a-z]+$/i,
};

function parseSegment(raw: string): Segment {
  const param = /^\{(\*)?([A-Za-z_][A-Za-z0-9_]*)(?::([a-z]+))?(\?)?\}$/.exec(raw);
  if (!param) {
    if (raw.includes('{') || raw.includes('}')) throw new Error(`Unsupported route segment "${raw}"`);
    return { kind: 'literal', value: raw.toLowerCase() };
  }
  const [, star, name = '', constraint, optional] = param;
  if (star) return { kind: 'rest', name };
  if (constraint !== undefined && !(constraint in CONSTRAINTS)) {
    throw new Error(`Unsupported route constraint "${constraint}" in "${raw}"`);
  }
  return { kind: 'param', name, optional: optional === '?', constraint };
}

export interface CompiledRoute {
  template: string;
  match(path: string): RouteParams | null;
}

export function compileRoute(template: string): CompiledRoute {
  const segments = template.split('/').filter(Boolean).map(parseSegment);
  return {
    template,
    match(path: string): RouteParams | null {
      const parts = path.split('/').filter(Boolean);
      const params: RouteParams = {};
      for (let i = 0; i < segments.length; i++) {
        const segment = segments[i] as Segment;
        const part = parts[i];
        if (segment.kind === 'rest') {
          params[segment.name] = parts.slice(i).map(decode).join('/');
          return params;
        }
        if (part === undefined) {
          // Only trailing optional parameters may be missing.
          if (segment.kind === 'param' && segment.optional) continue;
          return null;
        }
        const value = decode(part);
        if (segment.kind === 'literal') {
          if (value.toLowerCase() !== segment.value) return null;
          continue;
        }
        const pattern = segment.constraint ? CONSTRAINTS[segment.constraint] : undefined;
        if (pattern && !pattern.test(value)) return null;
        params[segment.name] = value;
      }
      return parts.length <= segments.length ? params : null;
    },
  };
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
