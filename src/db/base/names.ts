import type { DatabaseDef, ProviderName } from '../../../prisma/models.js';

/**
 * The database providers clever-sync speaks (one dialect each, ../dialects.ts) and its two kinds
 * of database, as prisma/models.ts lists them: the schemas, generated clients and migrations
 * (prisma/<database>/<provider>/, src/generated/<database>-<provider>/) are derived per pair.
 */
export type DatabaseProvider = ProviderName;

export type DatabaseKind = DatabaseDef['name'];
