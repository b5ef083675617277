import { describe, expect, it } from 'vitest';
import type { BenchmarkTask } from '@holomind/data';
import { MemoryError } from '@holomind/memory';
import { parseConfig } from '../config/load-config.js';
import { CliError } from '../errors.js';
import { buildStrategy } from './build-strategy.js';
import { planStrategy } from './strategy.js';

// Two tasks of two classes, 4 features: enough for buildStrategy to size an episodic memory.
const split = { features: new Float32Array(8), labels: new Int32Array([0, 1]), featureShape: [4] };
const tasks = [0, 1].map((taskId) => ({
  taskId,
  scenario: 'class-incremental',
  classes: [2 * taskId, 2 * taskId + 1],
  targetLabels: [2 * taskId, 2 * taskId + 1],
  outputSize: 4,
  train: split,
  val: split,
  test: split,
  sourceIndices: { train: new Int32Array(2), val: new Int32Array(2), test: new Int32Array(2) },
})) as unknown as BenchmarkTask[];

function build(input: Record<string, unknown>) {
  const config = parseConfig({ strategy: 'derpp', ...input });
  return buildStrategy(config, planStrategy(config, 'class-incremental'), tasks);
}

describe('replay configuration, bad input', () => {
  it('refuses a budget below the number of classes, naming the fix', () => {
    expect(() => build({ replay: { budget: 3 }, training: { batchSize: 2 } })).toThrow(
      expect.objectContaining({
        code: 'BUDGET_TOO_SMALL',
        message: expect.stringMatching(/at least classCount \(4\).*raise the budget/),
      }),
    );
    expect(() => build({ replay: { budget: 3 }, training: { batchSize: 2 } })).toThrow(MemoryError);
  });

  it('refuses a replay batch larger than the memory', () => {
    expect(() => build({ replay: { budget: 100, batchSize: 128 } })).toThrow(
      expect.objectContaining({
        code: 'INVALID_ARGUMENT',
        message: expect.stringMatching(/replay batch \(128.*replay\.budget 100/),
      }),
    );
    expect(() => build({ replay: { budget: 100 }, training: { batchSize: 128 } })).toThrow(CliError);
  });

  it('refuses a budget of 0 and an unknown write policy in the configuration, naming the key', () => {
    expect(() => parseConfig({ replay: { budget: 0 } })).toThrow(/'replay\.budget'/);
    expect(() => parseConfig({ replay: { policy: 'fifo' } })).toThrow(
      /'replay\.policy' must be one of "reservoir", "class-balanced", "importance", "herding"/,
    );
  });

  it('refuses iCaRL and PNN where the scenario does not fit', () => {
    const config = parseConfig({ strategy: 'icarl' });
    expect(() => planStrategy(config, 'task-incremental')).toThrow(/--scenario class-incremental/);
    expect(() => planStrategy(parseConfig({ strategy: 'pnn' }), 'class-incremental')).toThrow(/needs the task identity/);
  });
});

describe('holomind, per scenario', () => {
  const parts = (scenario: 'task-incremental' | 'domain-incremental' | 'class-incremental', input = {}) => {
    const plan = planStrategy(parseConfig({ strategy: 'holomind', ...input }), scenario);
    return { ewc: plan.ewc, memory: plan.memory, replay: plan.replay };
  };
  const derpp = { kind: 'derpp', policy: 'class-balanced' };

  it('uses progressive columns with task identity, DER++ replay without, and the read only when asked', () => {
    expect(parts('task-incremental')).toEqual({ ewc: undefined, memory: false, replay: undefined });
    expect(planStrategy(parseConfig({ strategy: 'holomind' }), 'task-incremental').extractor).toEqual({ kind: 'none' });
    expect(parts('domain-incremental')).toEqual({ ewc: undefined, memory: false, replay: derpp });
    expect(parts('class-incremental')).toEqual({ ewc: undefined, memory: false, replay: derpp });
  });

  it('lets the holomind section switch each part on or off in any scenario', () => {
    expect(parts('domain-incremental', { holomind: { ewc: true, memoryRead: true } })).toMatchObject({
      ewc: 'separate',
      memory: true,
    });
    expect(parts('task-incremental', { holomind: { columns: false, ewc: true } })).toEqual({
      ewc: 'separate',
      memory: false,
      replay: derpp,
    });
    expect(parts('task-incremental', { holomind: { memoryRead: true } })).toEqual({
      ewc: undefined,
      memory: true,
      replay: undefined,
    });
  });

  it('gives task-IL columns lateral inputs and task-inference columns none, unless holomind.lateral says', () => {
    const lateral = (scenario: 'task-incremental' | 'domain-incremental', input: Record<string, unknown>) =>
      planStrategy(parseConfig({ strategy: 'holomind', benchmark: 'permuted-mnist', ...input }), scenario).lateral;
    expect(lateral('task-incremental', {})).toBe(true);
    expect(lateral('domain-incremental', {})).toBe(false); // Permuted MNIST: inferTask by default
    expect(lateral('domain-incremental', { holomind: { lateral: true } })).toBe(true);
    expect(lateral('task-incremental', { holomind: { lateral: false } })).toBe(false);
    expect(() => lateral('domain-incremental', { holomind: { inferTask: false, lateral: false } })).toThrow(
      /holomind\.lateral connects progressive columns, but this run has none.*Drop holomind\.lateral/,
    );
  });

  it('refuses parts that columns make pointless, and columns without task identity', () => {
    expect(() => parts('task-incremental', { holomind: { ewc: true } })).toThrow(
      /holomind\.ewc: true has nothing to protect.*holomind\.columns: false/,
    );
    expect(() => parts('task-incremental', { holomind: { replay: true } })).toThrow(/holomind\.replay: true/);
    expect(() => parts('class-incremental', { holomind: { columns: true } })).toThrow(
      /needs the task identity.*--scenario task-incremental/,
    );
  });
});
