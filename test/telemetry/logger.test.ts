import { describe, expect, it } from 'vitest';
import { createCapturingLogger, redactText, registerSecret } from '../../src/telemetry/index.js';

describe('logger sanitization', () => {
  it('keeps correlation fields and removes credential fields and values', () => {
    const { logger, lines } = createCapturingLogger();
    registerSecret('registered-secret-value');
    logger.child({ invocationId: 'i', runId: 'r', districtId: 'd', schoolId: 's' }).info(
      {
        headers: { authorization: 'Bearer xyz-token-value' },
        clientSecret: 'direct-secret',
        url: 'postgresql://user:pw-in-url@db:5432/x',
        note: 'value registered-secret-value here',
      },
      'x-functions-key: abcdefgh123 Basic dXNlcjpwYXNzd29yZA==',
    );
    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({ invocationId: 'i', runId: 'r', districtId: 'd', schoolId: 's' });
    const text = lines.join('\n');
    for (const leaked of [
      'xyz-token-value',
      'direct-secret',
      'pw-in-url',
      'registered-secret-value',
      'abcdefgh123',
      'dXNlcjpwYXNzd29yZA==',
    ]) {
      expect(text).not.toContain(leaked);
    }
  });

  it('masks connection-string and query secrets in free text', () => {
    expect(redactText('Server=tcp:x;Password=hunter22;')).toBe('Server=tcp:x;Password=[REDACTED];');
    expect(redactText('/oauth?client_secret=abc123&x=1')).toBe('/oauth?client_secret=[REDACTED]&x=1');
  });
});

describe('error serialization', () => {
  it('logs a raw AxiosError by its safe view, never its request headers', async () => {
    const { AxiosError } = await import('axios');
    const { logger, lines } = createCapturingLogger();
    const error = new AxiosError('Request failed', 'ECONNRESET', {
      headers: { Authorization: 'Bearer raw-axios-token-123' } as never,
      url: 'https://api.clever.com/v3.0/schools',
    });
    logger.error({ err: error }, 'boom');
    logger.error({ error: { nested: error } }, 'boom again');
    const text = lines.join('\n');
    expect(text).not.toContain('raw-axios-token-123');
    expect(JSON.parse(lines[0]!).err).toEqual({ name: 'AxiosError', message: 'Request failed' });
  });
});
