#!/usr/bin/env node
/**
 * A tiny Prisma generator that writes the DMMF datamodel (Prisma's own parse of a schema:
 * fields, nullability, uniques, indexes, @map names) to `<output>/dmmf.json`.
 * test/db/schema-matches-models.test.ts compares migrated databases with it, so the check
 * rests on what Prisma Client believes, not on our own model description.
 *
 * Speaks the generator JSON-RPC protocol directly (requests on stdin, answers on stderr, one
 * JSON object per line) instead of depending on @prisma/generator-helper.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import readline from 'node:readline';

const respond = (message) => process.stderr.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);

readline.createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
  const request = JSON.parse(line);
  try {
    if (request.method === 'getManifest') {
      respond({ id: request.id, result: { manifest: { prettyName: 'DMMF snapshot', requiresEngines: [] } } });
    } else if (request.method === 'generate') {
      const output = request.params.generator.output?.value;
      if (!output) throw new Error('the dmmf generator needs an output folder');
      mkdirSync(output, { recursive: true });
      writeFileSync(join(output, 'dmmf.json'), `${JSON.stringify(request.params.dmmf.datamodel, null, 2)}\n`);
      respond({ id: request.id, result: null });
    }
  } catch (error) {
    respond({ id: request.id, error: { code: -32000, message: String(error?.stack ?? error), data: null } });
  }
});
