/**
 * The database providers clever-sync speaks (one dialect each, ../dialects.ts) and its two kinds
 * of database. Prisma's names, as in prisma/<database>/<provider>/ and src/generated/.
 */
export type DatabaseProvider = 'sqlserver' | 'postgresql' | 'sqlite';

export type DatabaseKind = 'session' | 'school';
