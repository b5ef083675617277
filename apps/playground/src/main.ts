import type { PlaygroundSettings, WorkerMessage } from './protocol.js';
import { settingsFromUrl } from './settings.js';
import { DrawingPad, renderCurves, renderMatrix } from './views.js';

const element = <Type extends HTMLElement>(id: string) => document.getElementById(id) as Type;

function showNote(id: string, text: string): void {
  const note = element<HTMLParagraphElement>(id);
  note.textContent = text;
  note.hidden = false;
}

function describeBackend(message: Extract<WorkerMessage, { type: 'backend' }>): string {
  const { name, adapter, features } = message.backend;
  const where = adapter
    ? ` (adapter: ${[adapter.vendor, adapter.architecture, adapter.description].filter(Boolean).join(' ')})`
    : '';
  return `Backend: ${name}${where}${features.length > 0 ? ` [${features.join(', ')}]` : ''}`;
}

// The page's own animation loop: it keeps counting while the worker trains, which shows (and lets
// the browser test check) that training never blocks the main thread.
let frames = 0;
const heartbeat = () => {
  frames++;
  if (frames % 10 === 0) element('heartbeat').textContent = `frames: ${frames}`;
  requestAnimationFrame(heartbeat);
};
requestAnimationFrame(heartbeat);

function handle(message: WorkerMessage, settings: PlaygroundSettings): void {
  switch (message.type) {
    case 'backend': {
      const backend = element('backend');
      backend.textContent = describeBackend(message);
      backend.dataset.backend = message.backend.name;
      if (message.backend.note) showNote('backend-note', message.backend.note);
      break;
    }
    case 'status':
      element('status').textContent = message.text;
      break;
    case 'resumed':
      showNote(
        'checkpoint-note',
        `Resumed from the stored checkpoint: ${message.completedTasks} task(s) done (saved ${message.savedAt}).`,
      );
      element('checkpoint-note').dataset.resumedTasks = String(message.completedTasks);
      break;
    case 'checkpoint-corrupted':
      showNote('checkpoint-note', message.reason);
      element('checkpoint-note').dataset.corrupted = message.run;
      break;
    case 'checkpoints':
      element('checkpoints').textContent =
        `Stored checkpoints: ${message.runs.map((run) => `${run.run} (${run.completedTasks} tasks)`).join(', ') || 'none'}`;
      break;
    case 'task-started':
      element('status').textContent = `Training task ${message.task + 1} (digits ${message.classes.join(' and ')})…`;
      break;
    case 'progress': {
      const progress = element<HTMLProgressElement>('progress');
      progress.max = message.steps;
      progress.value = message.step;
      break;
    }
    case 'curve':
      renderCurves(element('curves'), message.points);
      break;
    case 'matrix':
      renderMatrix(element('matrix'), message.matrix, settings.tasks);
      element('summary').textContent =
        `Average accuracy ${(message.averageAccuracy * 100).toFixed(1)}%` +
        (message.averageForgetting === null ? '' : `, average forgetting ${(message.averageForgetting * 100).toFixed(1)} points`);
      break;
    case 'task-finished': {
      const item = document.createElement('li');
      item.dataset.task = String(message.task);
      item.dataset.seconds = message.seconds.toFixed(2);
      item.textContent = `Task ${message.task + 1} trained in ${message.seconds.toFixed(1)} s; checkpoint saved.`;
      element('timings').append(item);
      break;
    }
    case 'paused':
      element('status').textContent = `Paused after ${message.completedTasks} task(s); reload to continue from the checkpoint.`;
      element('status').dataset.state = 'paused';
      break;
    case 'finished':
      element('status').textContent = `Finished all ${message.completedTasks} tasks.`;
      element('status').dataset.state = 'finished';
      break;
    case 'prediction': {
      const shares = message.taskShares.map((share, task) => `task ${task + 1}: ${(share * 100).toFixed(0)}%`).join(', ');
      const prediction = element('prediction');
      prediction.textContent =
        `Prediction: ${message.digit} (${(message.probabilities[message.digit]! * 100).toFixed(0)}%), ` +
        `answered by task ${message.task + 1}'s knowledge. Probability by task: ${shares}.`;
      prediction.dataset.digit = String(message.digit);
      break;
    }
    case 'error':
      element('status').textContent = `Error: ${message.message}`;
      element('status').dataset.state = 'error';
      break;
  }
}

function main(): void {
  let settings: PlaygroundSettings;
  try {
    settings = settingsFromUrl(location.search);
  } catch (error) {
    element('status').textContent = `Error: ${(error as Error).message}`;
    return;
  }
  renderMatrix(element('matrix'), [], settings.tasks);
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  worker.onmessage = (event: MessageEvent<WorkerMessage>) => handle(event.data, settings);
  const pad = new DrawingPad(element('pad'), () => {
    const pixels = pad.pixels();
    if (pixels) worker.postMessage({ type: 'predict', pixels }, [pixels.buffer]);
  });
  element('clear').addEventListener('click', () => pad.clear());
  worker.postMessage({ type: 'start', settings });
}

main();
