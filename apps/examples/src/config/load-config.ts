import { readFile, stat } from 'node:fs/promises';
import { yamlLineOf } from '@holomind/core';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { ZodDefault, ZodObject, ZodOptional, type z } from 'zod';
import { CliError } from '../errors.js';
import { describeSystemError } from '../system-errors.js';
import { configSchema, type HolomindConfig, type HolomindConfigInput } from './schema.js';

/** The keys the schema accepts at a path of nested sections. */
function allowedKeys(path: readonly PropertyKey[]): string[] {
  let schema: z.ZodType = configSchema;
  for (const key of path) {
    while (schema instanceof ZodDefault || schema instanceof ZodOptional) schema = schema.unwrap() as z.ZodType;
    if (!(schema instanceof ZodObject)) return [];
    schema = (schema.shape as Record<string, z.ZodType>)[String(key)]!;
  }
  while (schema instanceof ZodDefault || schema instanceof ZodOptional) schema = schema.unwrap() as z.ZodType;
  return schema instanceof ZodObject ? Object.keys(schema.shape) : [];
}

function describeIssue(
  issue: z.core.$ZodIssue,
  document: Document | undefined,
  lineCounter: LineCounter,
  source: string,
): string {
  const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
  const key = path.length > 0 ? path.join('.') : '(top level)';
  const line = document ? yamlLineOf(document, lineCounter, path) : undefined;
  const where = line !== undefined ? `${source}:${line}` : source;
  if (issue.code === 'unrecognized_keys') {
    return `${where}: unknown key '${key}'; remove it or check its spelling (allowed here: ${allowedKeys(issue.path).join(', ')}).`;
  }
  if (issue.code === 'invalid_value' && 'values' in issue) {
    return `${where}: '${key}' must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}.`;
  }
  return `${where}: '${key}': ${issue.message}.`;
}

/** Validates a configuration object (from YAML, flags or code), filling in defaults. */
export function parseConfig(
  input: unknown,
  source = 'configuration',
  document?: Document,
  lineCounter = new LineCounter(),
): HolomindConfig {
  const result = configSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => describeIssue(issue, document, lineCounter, source));
  throw new CliError('CONFIG_INVALID', `The configuration is not valid:\n${lines.map((line) => `  ${line}`).join('\n')}`);
}

/** Reads and validates a YAML configuration file; errors name the key and the line. */
export async function loadConfigFile(path: string, overrides: HolomindConfigInput = {}): Promise<HolomindConfig> {
  const text = await readConfigText(path);
  const nesting = nestingUpperBound(text);
  if (nesting > MAX_CONFIG_NESTING) {
    throw new CliError(
      'CONFIG_LIMIT_EXCEEDED',
      `${path} nests lists or mappings up to ${nesting} levels deep, more than the ${MAX_CONFIG_NESTING} a configuration may have (a HoloMind configuration is 3 levels deep). Check --config names the YAML configuration.`,
    );
  }
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true, logLevel: 'error' });
  if (document.errors.length > 0) {
    const first = document.errors[0]!;
    if (first.message.includes('Maximum call stack size exceeded')) {
      throw new CliError(
        'CONFIG_LIMIT_EXCEEDED',
        `${path}:${first.linePos?.[0]?.line ?? 1} nests lists or mappings deeper than a configuration can; a HoloMind configuration is at most 3 levels deep. Check the file is the right one.`,
      );
    }
    const line = first.linePos?.[0]?.line;
    throw new CliError(
      'CONFIG_SYNTAX',
      `${path}${line !== undefined ? `:${line}` : ''} is not valid YAML: ${first.message.split('\n')[0]}. Fix the syntax at that line (indentation, a missing ':' or quote).`,
    );
  }
  const raw = resolveAliases(document, path) ?? {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new CliError(
      'CONFIG_INVALID',
      `${path} must hold a mapping of sections (network:, training:, ...), got ${Array.isArray(raw) ? 'a list' : typeof raw}.`,
    );
  }
  return parseConfig(
    deepMerge(raw as Record<string, unknown>, overrides as Record<string, unknown>),
    path,
    document,
    lineCounter,
  );
}

/** Largest configuration file read (a real one is about 1 KiB); larger files are CONFIG_LIMIT_EXCEEDED before parsing. */
export const MAX_CONFIG_BYTES = 256 * 1024;
// A configuration needs no aliases at all; a few are allowed, an alias bomb (aliases of aliases) is not.
const MAX_CONFIG_ALIASES = 50;

/**
 * Deepest nesting a configuration may have, by {@link nestingUpperBound}. The YAML parser recurses
 * once per level: a few thousand levels overflow the stack, and when that happens while V8 compiles a
 * regular expression the whole process dies (a fatal "RegExpCompiler allocation failed"), so deep
 * input is refused before parsing.
 */
export const MAX_CONFIG_NESTING = 200;

/**
 * An upper bound on how deeply YAML text nests: per line, twice its indentation plus its compact
 * `- ` / `? ` / `: ` indicators, plus the open flow brackets (`[`, `{`) so far, counted even inside
 * quotes (so the bound never undercounts).
 */
export function nestingUpperBound(text: string): number {
  let flow = 0;
  let deepest = 0;
  for (const line of text.split('\n')) {
    const indent = /^[ \t]*/.exec(line)![0].length;
    const compact = /^(?:[-?:][ \t]+)*/.exec(line.slice(indent))![0].replace(/[ \t]/g, '').length;
    let lineDeepest = flow;
    for (let i = 0; i < line.length; i++) {
      const character = line[i];
      if (character === '[' || character === '{') lineDeepest = Math.max(lineDeepest, ++flow);
      else if ((character === ']' || character === '}') && flow > 0) flow--;
    }
    deepest = Math.max(deepest, 2 * (indent + 1) + compact + lineDeepest);
  }
  return deepest;
}

/** The file's text, after checking it is a file of a sane size; every failure names the path and the fix. */
async function readConfigText(path: string): Promise<string> {
  try {
    const info = await stat(path);
    if (info.isFile() && info.size > MAX_CONFIG_BYTES) {
      throw new CliError(
        'CONFIG_LIMIT_EXCEEDED',
        `The configuration file ${path} has ${info.size} bytes, more than the ${MAX_CONFIG_BYTES} a configuration may have. Check --config names the YAML configuration.`,
      );
    }
    return await readFile(path, 'utf8');
  } catch (error) {
    if (CliError.isInstance(error)) throw error;
    const reason = describeSystemError(error) ?? `${(error as Error).message}.`;
    throw new CliError(
      'CONFIG_NOT_FOUND',
      `Cannot read the configuration file ${path}. ${reason} Check the path given to --config.`,
      {
        cause: error,
      },
    );
  }
}

/** The document as plain data; an alias bomb or nesting too deep for the stack is CONFIG_LIMIT_EXCEEDED. */
function resolveAliases(document: Document, path: string): unknown {
  try {
    return document.toJS({ maxAliasCount: MAX_CONFIG_ALIASES });
  } catch (error) {
    if (!(error instanceof ReferenceError || error instanceof RangeError)) throw error;
    throw new CliError(
      'CONFIG_LIMIT_EXCEEDED',
      `${path} expands to more than a configuration may hold (${error.message}): its YAML aliases (*name) repeat each other too often or nest too deeply. ` +
        'Write the values out instead of using aliases.',
      { cause: error },
    );
  }
}

/** `overrides` laid over `base`, recursively; undefined overrides leave the base value. */
export function deepMerge(base: Record<string, unknown>, overrides: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    const existing = merged[key];
    const isPlainObject = typeof value === 'object' && value !== null && !Array.isArray(value);
    const base =
      typeof existing === 'object' && existing !== null && !Array.isArray(existing) ? (existing as Record<string, unknown>) : {};
    // Recurse even without a base so nested undefined overrides are dropped, not kept as keys.
    merged[key] = isPlainObject ? deepMerge(base, value as Record<string, unknown>) : value;
  }
  return merged;
}
