import { afterAll } from 'vitest';
import { type EmulatorHandle, startEmulator } from '../../emulator/index.js';

/** Starts emulators for a test file; every one started is stopped after its tests. */
export function emulatorStarter(): (options: Parameters<typeof startEmulator>[0]) => Promise<EmulatorHandle> {
  const started: EmulatorHandle[] = [];
  afterAll(() => Promise.all(started.map((emu) => emu.stop())));
  return async (options) => {
    const emu = await startEmulator(options);
    started.push(emu);
    return emu;
  };
}

export interface ApiResult {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
  body: any;
}

/** GET against the emulator with a bearer token (or none); body parsed when it is JSON. */
export async function get(emu: EmulatorHandle, path: string, token?: string): Promise<ApiResult> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const response = await fetch(emu.baseUrl + path, { headers });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, text, body };
}

export function basicAuth(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

export function districtToken(emu: EmulatorHandle, n = 0): string {
  const token = emu.districts[n]?.token;
  if (token === undefined) throw new Error(`district ${n} has no token`);
  return token;
}

/** Follows rel=next from `path` to the end; returns every item id in order and the page count. */
export async function collectIds(
  emu: EmulatorHandle,
  path: string,
  token: string,
): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let pages = 0;
  let next: string | undefined = path;
  while (next !== undefined) {
    const page = await get(emu, next, token);
    if (page.status !== 200) throw new Error(`GET ${next} -> ${page.status} ${page.text}`);
    pages++;
    for (const item of page.body.data) ids.push(item.data.id);
    next = page.body.links.find((l: { rel: string }) => l.rel === 'next')?.uri;
  }
  return { ids, pages };
}

export function relLink(body: { links: { rel: string; uri: string }[] }, rel: string): string | undefined {
  return body.links.find((l) => l.rel === rel)?.uri;
}

export function idsOf(body: { data: { data: { id: string } }[] }): string[] {
  return body.data.map((item) => item.data.id);
}

/** A fetch body as JSON, untyped on purpose: tests assert its fields one by one. */
// biome-ignore lint/suspicious/noExplicitAny: see above
export async function jsonOf(response: Response): Promise<any> {
  return response.json();
}
