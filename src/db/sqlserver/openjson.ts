/** What every SQL Server statement builder shares: quoting, and id lists as one JSON parameter. */

export const bracket = (name: string) => `[${name.replace(/]/g, ']]')}]`;

/** Clever ids and run ids, compared with NVARCHAR(64) columns. */
export const KEY_TYPE = 'NVARCHAR(64)';

/** A JSON array of Clever ids as a typed rowset (typed so the join can seek the unique index). */
export function openJsonIds(parameter: string): string {
  return `OPENJSON(${parameter}) WITH ([clever_id] ${KEY_TYPE} '$')`;
}
