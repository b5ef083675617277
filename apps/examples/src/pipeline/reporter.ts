import cliProgress from 'cli-progress';

/** What the pipeline tells a person while it runs. */
export interface TrainingReporter {
  info(line: string): void;
  startTask(taskIndex: number, taskCount: number, classes: number[], epochs: number, epochsDone: number): void;
  step(loss: number): void;
  endEpoch(epoch: number, loss: number, accuracy: number): void;
  endTask(taskIndex: number, accuracies: number[]): void;
  checkpoint(version: number, description: string): void;
}

const percent = (value: number) => `${(value * 100).toFixed(2)}%`;

/**
 * Progress bars per task (epochs × steps) with loss and accuracy on a terminal; one line per epoch
 * when the output is a file or a pipe, so logs stay readable.
 */
export function terminalReporter(stream: NodeJS.WriteStream = process.stdout): TrainingReporter {
  const interactive = stream.isTTY === true;
  let bar: cliProgress.SingleBar | undefined;
  let steps = 0;
  let label = '';
  const write = (line: string) => {
    if (bar) bar.stop();
    stream.write(`${line}\n`);
    bar = undefined;
  };
  return {
    info: write,
    startTask(taskIndex, taskCount, classes, epochs, epochsDone) {
      label = `task ${taskIndex + 1}/${taskCount} [${classes.join(',')}]`;
      write(`── ${label}: ${epochs - epochsDone} epoch(s) to train`);
      if (interactive) {
        bar = new cliProgress.SingleBar(
          {
            format: `${label} |{bar}| epoch {epoch}/${epochs} step {value} loss {loss} acc {accuracy}`,
            hideCursor: true,
            stream,
            clearOnComplete: false,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(0, 0, { epoch: epochsDone + 1, loss: '-', accuracy: '-' });
      }
      steps = 0;
    },
    step(loss) {
      steps++;
      if (bar) {
        bar.setTotal(Math.max(bar.getTotal(), steps));
        bar.update(steps, { loss: loss.toFixed(4) });
      }
    },
    endEpoch(epoch, loss, accuracy) {
      if (bar) bar.update(steps, { epoch: epoch + 2, loss: loss.toFixed(4), accuracy: percent(accuracy) });
      else stream.write(`   ${label} epoch ${epoch + 1}: loss ${loss.toFixed(4)}, test accuracy ${percent(accuracy)}\n`);
    },
    endTask(taskIndex, accuracies) {
      write(`   after task ${taskIndex + 1}: ${accuracies.map((a, j) => `T${j + 1} ${percent(a)}`).join('  ')}`);
    },
    checkpoint(version, description) {
      if (!bar) stream.write(`   checkpoint v${version} (${description})\n`);
    },
  };
}

/** A reporter that prints nothing (compare, tests). */
export const silentReporter: TrainingReporter = {
  info() {},
  startTask() {},
  step() {},
  endEpoch() {},
  endTask() {},
  checkpoint() {},
};
