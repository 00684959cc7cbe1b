import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { ECHO_MAX_CHARACTERS, safeEcho } from '../../src/runs/safe-echo.js';
import { parseSyncQuery } from '../../src/runs/sync-request.js';

/** The message of the ValidationError parseSyncQuery throws for `query`. */
function refusal(query: string | URLSearchParams): ValidationError {
  try {
    parseSyncQuery(typeof query === 'string' ? new URLSearchParams(query) : query);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error(`"${String(query)}" was accepted`);
}

const CONTROL = /[\p{Cc}\p{Cf}\u2028\u2029]/u;

describe('hostile input in the sync query', () => {
  it('echoes a huge parameter name as a short prefix, without control characters', () => {
    const name = `evil\n{"level":"error","msg":"forged"}\u001b[31m\u202e${'x'.repeat(10_000)}`;
    const error = refusal(new URLSearchParams([[name, '1']]));
    expect(error.message.length).toBeLessThan(300);
    expect(error.message).not.toMatch(CONTROL);
    expect(error.message).toContain('unknown parameter "evil{"level":"error","msg":"forged"}[31m');
    expect(error.message).toContain('characters)');
    const problems = error.details.problems as string[];
    expect(problems.join('')).not.toMatch(CONTROL);
  });

  it('echoes a hostile id value the same way', () => {
    const error = refusal(`schoolId=${encodeURIComponent(`12\r\n${'9'.repeat(5_000)}\u0000`)}`);
    expect(error.message).toMatch(/schoolId must be an internal id/);
    expect(error.message.length).toBeLessThan(300);
    expect(error.message).not.toMatch(CONTROL);
  });

  it('lists at most ten problems of a flooded query string and counts the rest', () => {
    const flood = new URLSearchParams(
      Array.from({ length: 500 }, (_, i): [string, string] => [`p${i}`, 'x']),
    );
    const problems = refusal(flood).details.problems as string[];
    expect(problems).toHaveLength(11);
    expect(problems[10]).toBe('and 490 more problems with the query string');
  });
});

describe('safeEcho', () => {
  it('keeps short printable text as it is, including non-ASCII letters', () => {
    expect(safeEcho('École 12')).toBe('École 12');
  });

  it(`cuts to ${ECHO_MAX_CHARACTERS} characters without splitting a surrogate pair`, () => {
    const echoed = safeEcho('😀'.repeat(100));
    expect(echoed).toBe(`${'😀'.repeat(ECHO_MAX_CHARACTERS)}... (100 characters)`);
  });
});
