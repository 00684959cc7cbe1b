/**
 * The worker side of `npm run bench:records -- --worker`: a page's bytes in, prepared rows out
 * (JSON.parse, parseUser, mapping, prepareRows), as a worker thread of the sync would do them.
 */
import { parentPort } from 'node:worker_threads';
import { parseUser } from '../src/clever/api/parse.js';
import { prepareRows } from '../src/db/base/roster-columns.js';
import { mapStudent, mapTeacher } from '../src/sync/execute/mapping.js';

parentPort!.on('message', (bytes: Uint8Array) => {
  const page = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as {
    data: { data: unknown }[];
  };
  const users = page.data.map((entry) => parseUser(entry.data));
  const students = prepareRows(
    'students',
    users.flatMap((user) => mapStudent(user) ?? []),
  );
  const teachers = prepareRows(
    'teachers',
    users.flatMap((user) => mapTeacher(user) ?? []),
  );
  parentPort!.postMessage({ students, teachers });
});
