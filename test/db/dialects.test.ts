/**
 * Choosing a dialect from a connection URL (src/db/dialects.ts), and what the URL-level helpers
 * built on it promise: which database a URL opens, what may be logged of it, and which URLs
 * the log redactor must treat as secrets.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dialectFor } from '../../src/db/dialects.js';
import { createSchoolDatabaseProvider } from '../../src/db/school/provider.js';
import { databaseIdentity, describeDatabase, registerConnectionSecret } from '../../src/db/url.js';
import { clearRegisteredSecrets, redactText } from '../../src/telemetry/index.js';

describe('dialectFor', () => {
  it('picks the dialect from the URL scheme, whatever its case or surrounding blanks', () => {
    expect(dialectFor('file:./data/session.db').provider).toBe('sqlite');
    expect(dialectFor('  FILE:/var/data/school.db ').provider).toBe('sqlite');
    expect(dialectFor('postgresql://app@db:5432/sync').provider).toBe('postgresql');
    expect(dialectFor('postgres://app@db/sync').provider).toBe('postgresql');
    expect(dialectFor('sqlserver://sql.example.net:1433;database=sync').provider).toBe('sqlserver');
    expect(dialectFor('SQLServer://sql.example.net;database=sync').provider).toBe('sqlserver');
  });

  it('refuses any other scheme with CONFIG_INVALID, naming the scheme and never the URL', () => {
    const url = 'mysql://sync:Pa55wordInUrl@db.example:3306/sync';
    expect(() => dialectFor(url)).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message:
          'Unsupported database URL scheme "mysql:": expected file: (SQLite), postgresql:// or sqlserver://',
      }),
    );
    expect(() => dialectFor('not a url')).toThrow(/^Unsupported database URL: expected/);
  });
});

describe('database identity and description', () => {
  it('gives two URLs of one database the same identity, whatever their credentials and options', () => {
    expect(databaseIdentity('postgresql://a:x@DB.example/sync?schema=s1&connect_timeout=5')).toBe(
      databaseIdentity('postgresql://b:y@db.example:5432/sync?schema=s1'),
    );
    expect(databaseIdentity('sqlserver://SQL.example:1433;database=School_1;user=a;password=x')).toBe(
      databaseIdentity('sqlserver://sql.example;Database=school_1;authentication=DefaultAzureCredential'),
    );
    expect(databaseIdentity('postgresql://db/sync?schema=s1')).not.toBe(
      databaseIdentity('postgresql://db/sync?schema=s2'),
    );
    expect(databaseIdentity(`file:${join('data', 'a.db')}`)).not.toBe(databaseIdentity('file:data/b.db'));
  });

  it('refuses a SQL Server URL without a host or with a bad port before any connection', () => {
    expect(() => databaseIdentity('sqlserver://:1433;database=x')).toThrow(/no host/);
    expect(() =>
      createSchoolDatabaseProvider({ urlTemplate: 'sqlserver://db:99999;database=school_{schoolId}' }),
    ).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringMatching(/port/) }));
  });

  it('describes a URL for logs with host and database only', () => {
    expect(describeDatabase('postgresql://sync:Pa55wordInUrl@db.example:6432/school_1?schema=s')).toBe(
      'postgresql://db.example:6432/school_1',
    );
    expect(
      describeDatabase('sqlserver://sql.example.net;database=school_1;user=u;password=Pa55wordInUrl'),
    ).toBe('sqlserver://sql.example.net/school_1');
    expect(describeDatabase('mysql://sync:Pa55wordInUrl@db/x')).toBe('(unparseable database URL)');
  });
});

describe('registerConnectionSecret', () => {
  afterEach(() => clearRegisteredSecrets());

  it('masks server URLs, also of a scheme no dialect accepts, but not a SQLite file path', () => {
    const server = 'postgresql://db.internal.example/school_db_7';
    const unknown = 'mysql://db.internal.example/school_db_7';
    const file = 'file:/var/lib/clever-sync/schools/school-7.db';
    for (const url of [server, unknown, file]) registerConnectionSecret(url);
    expect(redactText(`opening ${server}`)).toBe('opening [REDACTED]');
    expect(redactText(`opening ${unknown}`)).toBe('opening [REDACTED]');
    expect(redactText(`opening ${file}`)).toBe(`opening ${file}`);
  });
});
