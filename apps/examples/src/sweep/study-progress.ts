import cliProgress from 'cli-progress';

/** What a person sees while a study runs. */
export interface StudyProgress {
  info(line: string): void;
  /** A trial appears: its bar counts tasks over all seeds. */
  addTrial(trialNumber: number, label: string, totalTasks: number): void;
  /** Tasks done by one seed of a trial so far. */
  trialTasks(trialNumber: number, seed: number, tasksDone: number): void;
  /** A trial is decided (completed, pruned or failed). */
  endTrial(trialNumber: number, status: string, value: number | null): void;
  stop(): void;
}

/**
 * A bar for the study (trials decided out of the budget) and one per trial (tasks trained over
 * all its seeds) on a terminal; plain lines when the output is a file or a pipe.
 */
export function studyProgress(budget: number, stream: NodeJS.WriteStream = process.stdout): StudyProgress {
  const interactive = stream.isTTY === true && !process.env.HOLOMIND_QUIET;
  const multibar = interactive
    ? new cliProgress.MultiBar(
        { stream, hideCursor: true, clearOnComplete: false, format: '{label} |{bar}| {value}/{total} {status}' },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  const studyBar = multibar?.create(budget, 0, { label: 'study    ', status: 'trials decided' });
  const bars = new Map<number, { bar?: cliProgress.SingleBar; seeds: Map<number, number>; label: string }>();
  let decided = 0;
  const write = (line: string) => (multibar ? multibar.log(`${line}\n`) : stream.write(`${line}\n`));
  return {
    info: write,
    addTrial(trialNumber, label, totalTasks) {
      const bar = multibar?.create(totalTasks, 0, { label: `trial ${String(trialNumber).padStart(3)}`, status: label });
      bars.set(trialNumber, { bar, seeds: new Map(), label });
      if (!multibar) write(`trial ${trialNumber}: ${label}`);
    },
    trialTasks(trialNumber, seed, tasksDone) {
      const entry = bars.get(trialNumber);
      if (!entry) return;
      entry.seeds.set(seed, tasksDone);
      const total = [...entry.seeds.values()].reduce((sum, value) => sum + value, 0);
      if (entry.bar) entry.bar.update(total);
      else write(`trial ${trialNumber} seed ${seed}: ${tasksDone} task(s) trained`);
    },
    endTrial(trialNumber, status, value) {
      decided++;
      const entry = bars.get(trialNumber);
      const summary = `${status}${value === null ? '' : ` ${(value * 100).toFixed(2)}`}`;
      entry?.bar?.update({ status: `${entry.label} → ${summary}` });
      studyBar?.update(decided);
      if (!multibar) write(`trial ${trialNumber}: ${summary} (${decided}/${budget} decided)`);
    },
    stop() {
      multibar?.stop();
    },
  };
}

/** A study progress that prints nothing (tests). */
export const silentStudyProgress: StudyProgress = {
  info() {},
  addTrial() {},
  trialTasks() {},
  endTrial() {},
  stop() {},
};
