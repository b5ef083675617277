import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Trial } from '@holomind/db';
import { meanAndStd, objectiveOf } from './objective.js';
import type { StudySpec } from './study-spec.js';

/** One configuration of a study with its objective over seeds. */
export interface LeaderboardRow {
  rank: number;
  trial: number;
  status: Trial['status'];
  params: Trial['params'];
  /** Mean and sample standard deviation of the objective over the seeds (at the pruning point for pruned trials). */
  mean: number | null;
  std: number | null;
  /** Each seed's objective. */
  perSeed: Record<string, number>;
  tasksDone: number;
  experimentIds: string[];
}

const statusOrder: Record<Trial['status'], number> = { completed: 0, running: 1, pruned: 2, failed: 3 };

/** Trials best first: completed ones by mean objective, then running, pruned (by their value when stopped), failed. */
export function leaderboard(trials: readonly Trial[], objective: StudySpec['objective']): LeaderboardRow[] {
  const rows = trials.map((trial) => {
    const perSeed = Object.fromEntries(
      trial.runs.filter((run) => run.matrix.length > 0).map((run) => [String(run.seed), objectiveOf(run.matrix, objective)]),
    );
    const values = Object.values(perSeed);
    const stats = values.length ? meanAndStd(values) : null;
    return {
      rank: 0,
      trial: trial.number,
      status: trial.status,
      params: trial.params,
      mean: stats?.mean ?? null,
      std: stats?.std ?? null,
      perSeed,
      tasksDone: Math.min(...trial.runs.map((run) => run.tasksDone), Infinity),
      experimentIds: trial.runs.flatMap((run) => (run.experimentId ? [run.experimentId] : [])),
    };
  });
  rows.sort(
    (a, b) => statusOrder[a.status] - statusOrder[b.status] || (b.mean ?? -Infinity) - (a.mean ?? -Infinity) || a.trial - b.trial,
  );
  return rows.map((row, index) => ({ ...row, rank: index + 1 }));
}

const percent = (value: number | null) => (value === null ? '-' : (value * 100).toFixed(2));

/** The leaderboard as an aligned text table (objective in percent, mean ± std over seeds). */
export function formatLeaderboard(rows: readonly LeaderboardRow[]): string {
  const keys = [...new Set(rows.flatMap((row) => Object.keys(row.params)))];
  const header = ['rank', 'trial', ...keys, 'objective % (mean ± std)', 'seeds', 'status'];
  const lines = rows.map((row) => [
    String(row.rank),
    String(row.trial),
    ...keys.map((key) => {
      const value = row.params[key];
      return typeof value === 'number' ? String(Number(value.toPrecision(4))) : String(value ?? '');
    }),
    `${percent(row.mean)} ± ${percent(row.std)}`,
    String(Object.keys(row.perSeed).length),
    row.status === 'pruned' ? `pruned after task ${row.tasksDone}` : row.status,
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column]!.length)));
  return [header, ...lines]
    .map((line) =>
      line
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function csvCell(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Writes the leaderboard as CSV (one column per parameter) and JSON; returns both paths. */
export function writeLeaderboard(
  rows: readonly LeaderboardRow[],
  folder: string,
  meta: Record<string, unknown>,
): { csv: string; json: string } {
  mkdirSync(folder, { recursive: true });
  const keys = [...new Set(rows.flatMap((row) => Object.keys(row.params)))];
  const seeds = [...new Set(rows.flatMap((row) => Object.keys(row.perSeed)))];
  const header = [
    'rank',
    'trial',
    'status',
    ...keys,
    'mean',
    'std',
    ...seeds.map((seed) => `seed_${seed}`),
    'tasks_done',
    'experiment_ids',
  ];
  const lines = rows.map((row) =>
    [
      row.rank,
      row.trial,
      row.status,
      ...keys.map((key) => row.params[key]),
      row.mean,
      row.std,
      ...seeds.map((seed) => row.perSeed[seed]),
      row.tasksDone,
      row.experimentIds.join(' '),
    ]
      .map(csvCell)
      .join(','),
  );
  const csv = path.join(folder, 'leaderboard.csv');
  const json = path.join(folder, 'leaderboard.json');
  writeFileSync(csv, `${[header.join(','), ...lines].join('\n')}\n`);
  writeFileSync(json, `${JSON.stringify({ ...meta, leaderboard: rows }, null, 2)}\n`);
  return { csv, json };
}
