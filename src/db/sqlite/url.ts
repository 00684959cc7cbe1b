import { isAbsolute, resolve } from 'node:path';
import { AppError } from '../../errors.js';

/** SQLite URLs are `file:<path>`, as Prisma writes them. */
export const isSqliteUrl = (url: string): boolean => /^file:/i.test(url.trim());

/** Absolute path of a SQLite `file:` URL; relative paths resolve against `cwd`. */
export function sqliteFilePath(url: string, cwd = process.cwd()): string {
  const path = url
    .trim()
    .replace(/^file:/i, '')
    .replace(/\?.*$/, '');
  if (path === '' || path === ':memory:') {
    throw new AppError('CONFIG_INVALID', 'SQLite URL needs a file path (file:./data/session.db)');
  }
  return isAbsolute(path) ? path : resolve(cwd, path);
}
