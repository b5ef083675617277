import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { ZodDefault, ZodObject, ZodOptional, z } from 'zod';
import { deepMerge, parseConfig } from '../config/load-config.js';
import { configSchema, type HolomindConfig } from '../config/schema.js';
import { CliError } from '../errors.js';
import { gridOf, paramsToConfig, type ParameterSpec, type SearchSpace, type TrialParams } from './search-space.js';

/** Samplers `holomind sweep` offers. */
export const SAMPLERS = ['grid', 'random', 'tpe'] as const;
/** What a study maximises, measured on the configured split (`training.evaluateOn`). */
export const OBJECTIVES = ['accuracy', 'accuracy-minus-forgetting'] as const;
/** Early-stopping rules applied at `pruner.atTasks`. */
export const PRUNING_RULES = ['none', 'median', 'halving'] as const;

/** Configuration keys a study sets itself, per run; a search space may not name them. */
const RESERVED_KEYS: Record<string, string> = {
  seed: 'list the seeds under `seeds:` instead (a repeat dimension)',
  db: 'set the study database with `db:` at the top of the study file',
  output: 'set the study folder with `output:` at the top of the study file',
};

const scalar = z.union([z.number(), z.string(), z.boolean()]);
const range = z.tuple([z.number(), z.number()]);
const parameterSchema = z.union([
  z.strictObject({ values: z.array(scalar).min(1) }),
  z.strictObject({ uniform: range }),
  z.strictObject({ logUniform: range }),
  z.strictObject({ intUniform: range }),
]);

const studySchema = z.strictObject({
  name: z.string().min(1).max(200),
  /** The configuration every trial starts from (same keys as a `holomind train` YAML file). */
  base: z.record(z.string(), z.unknown()).default({}),
  space: z.record(z.string(), parameterSchema),
  sampler: z.enum(SAMPLERS).default('grid'),
  /** Seed of the sampler's own random draws (random, TPE). */
  samplerSeed: z.number().int().min(0).default(0),
  /** Each trial trains once per seed; its objective is the mean over them. */
  seeds: z.array(z.number().int().min(0)).min(1).default([0]),
  objective: z.enum(OBJECTIVES).default('accuracy'),
  /** Trials (configurations) to run in all. */
  budget: z.number().int(),
  /** Trials proposed and trained together before the sampler sees their results (default: the budget; TPE: 4). */
  batch: z.number().int().positive().optional(),
  tpe: z
    .strictObject({
      startupTrials: z.number().int().min(1).default(4),
      candidates: z.number().int().min(1).default(24),
      gamma: z.number().gt(0).lt(1).default(0.25),
    })
    .default({ startupTrials: 4, candidates: 24, gamma: 0.25 }),
  pruner: z
    .strictObject({
      rule: z.enum(PRUNING_RULES).default('median'),
      /** Task counts after which the rule compares the trials still running. */
      atTasks: z.array(z.number().int().positive()).default([1]),
      /** Successive halving keeps the best 1/eta at each point. */
      eta: z.number().int().min(2).default(2),
    })
    .default({ rule: 'none', atTasks: [], eta: 2 }),
  /** The experiments database holding the study (default sqlite:<output>/holomind.db). */
  db: z.string().optional(),
  /** Folder of every trial's checkpoints; with workers on several machines, a folder they all mount. */
  output: z.string().default('.holomind/sweeps'),
  /** `redis://host:port`: trials go to `holomind worker` processes through BullMQ; absent: they run in this process. */
  queue: z.string().optional(),
});

/** A validated study definition. */
export type StudySpec = z.infer<typeof studySchema>;

/** Every leaf key of the configuration schema, dotted (`ewc.lambda`). */
export function configurationKeys(schema: z.ZodType = configSchema, prefix = ''): string[] {
  let inner = schema;
  while (inner instanceof ZodDefault || inner instanceof ZodOptional) inner = inner.unwrap() as z.ZodType;
  if (!(inner instanceof ZodObject)) return [prefix];
  return Object.entries(inner.shape as Record<string, z.ZodType>).flatMap(([key, child]) =>
    configurationKeys(child, prefix ? `${prefix}.${key}` : key),
  );
}

function invalid(source: string, problem: string): CliError {
  return new CliError('STUDY_INVALID', `${source}: ${problem}`);
}

function checkKey(key: string, source: string): void {
  const allowed = configurationKeys().filter((name) => !(name in RESERVED_KEYS));
  if (key in RESERVED_KEYS) throw invalid(source, `'space.${key}' cannot be searched: ${RESERVED_KEYS[key]}.`);
  if (!allowed.includes(key)) {
    throw invalid(
      source,
      `unknown configuration key '${key}' in the search space; remove it or check its spelling (allowed: ${allowed.join(', ')}).`,
    );
  }
}

/** The values a dimension's check must accept: every listed value, or both ends of a range. */
function valuesToCheck(key: string, spec: ParameterSpec, source: string): Array<number | string | boolean> {
  if ('values' in spec) return spec.values;
  const [low, high] = 'uniform' in spec ? spec.uniform : 'logUniform' in spec ? spec.logUniform : spec.intUniform;
  if (!(low < high)) throw invalid(source, `'space.${key}' needs low < high, got [${low}, ${high}].`);
  if ('logUniform' in spec && low <= 0) throw invalid(source, `'space.${key}': logUniform needs low > 0, got ${low}.`);
  return [low, high];
}

/** Validates a study object (from YAML or code): keys, values against the configuration schema, budget. */
export function parseStudy(input: unknown, source = 'study'): StudySpec {
  const result = studySchema.safeParse(input ?? {});
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
      return `  '${path.join('.') || '(top level)'}': ${issue.message}`;
    });
    throw invalid(source, `the study is not valid:\n${lines.join('\n')}`);
  }
  const study = result.data;
  const keys = Object.keys(study.space);
  if (keys.length === 0)
    throw invalid(
      source,
      'the search space is empty; add at least one configuration key under `space:` (e.g. `ewc.lambda: { values: [10, 100] }`).',
    );
  if (study.budget < 1) throw invalid(source, `budget must be at least 1 trial, got ${study.budget}.`);
  if (new Set(study.seeds).size !== study.seeds.length)
    throw invalid(source, `seeds must differ, got [${study.seeds.join(', ')}].`);
  for (const key of keys) {
    checkKey(key, source);
    for (const value of valuesToCheck(key, study.space[key]!, source)) {
      try {
        parseConfig(
          deepMerge(study.base, paramsToConfig({ [key]: value })),
          `${source} (space.${key} = ${JSON.stringify(value)})`,
        );
      } catch (error) {
        throw invalid(source, (error as Error).message);
      }
    }
  }
  if (study.sampler === 'grid') {
    const ranges = keys.filter((key) => !('values' in study.space[key]!));
    if (ranges.length)
      throw invalid(
        source,
        `the grid sampler needs \`values:\` lists; ${ranges.join(', ')} are ranges (use sampler: random or tpe).`,
      );
  }
  const base = parseConfig(study.base, `${source} (base)`);
  const tasks = base.training.tasks;
  const late = study.pruner.atTasks.filter((task) => task >= tasks);
  if (study.pruner.rule !== 'none' && late.length)
    throw invalid(source, `pruner.atTasks must be below training.tasks (${tasks}), got ${late.join(', ')}.`);
  return study;
}

/** Reads and validates a study YAML file. */
export async function loadStudyFile(file: string): Promise<StudySpec> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError('CONFIG_NOT_FOUND', `Cannot read the study file ${file}: ${(error as Error).message}.`, { cause: error });
  }
  const document = parseDocument(text, { uniqueKeys: true });
  if (document.errors.length)
    throw invalid(file, `not valid YAML: ${document.errors[0]!.message.split('\n')[0]}. Fix the syntax at that line.`);
  return parseStudy(document.toJS(), file);
}

/** One run of a study: a trial's configuration with one seed, in its own folder and database. */
export function runConfig(study: StudySpec, params: TrialParams, seed: number, output: string, db: string): HolomindConfig {
  return parseConfig(deepMerge(deepMerge(study.base, paramsToConfig(params)), { seed, output, db }));
}

/** The grid's points in order, at most `budget`. */
export function gridTrials(study: StudySpec): TrialParams[] {
  return gridOf(study.space as SearchSpace).slice(0, study.budget);
}
