import type { Study, Trial } from '@holomind/db';
import type { StudyPageData } from '@holomind/monitoring';
import type { LeaderboardRow } from './leaderboard.js';
import { meanAndStd, objectiveOf } from './objective.js';
import type { StudySpec } from './study-spec.js';

/** A study and its leaderboard in the shape of the dashboard's study page: each trial's curve is its objective after each task, mean over seeds. */
export function studyPageData(study: Study, trials: readonly Trial[], rows: readonly LeaderboardRow[]): StudyPageData {
  const objective = study.objective as StudySpec['objective'];
  return {
    id: study.id,
    name: study.name,
    status: study.status,
    sampler: study.sampler,
    objective,
    trials: rows.map((row) => {
      const trial = trials.find((entry) => entry.number === row.trial)!;
      const trained = Math.min(...trial.runs.map((run) => run.matrix.length), 0 + Infinity);
      const curve = Number.isFinite(trained)
        ? Array.from({ length: trained }, (_, index) => ({
            tasks: index + 1,
            value: meanAndStd(trial.runs.map((run) => objectiveOf(run.matrix.slice(0, index + 1), objective))).mean,
          }))
        : [];
      return {
        number: row.trial,
        status: row.status,
        params: row.params as Record<string, number | string | boolean>,
        mean: row.mean,
        std: row.std,
        curve,
      };
    }),
  };
}
