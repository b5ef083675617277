import { PlaygroundError } from './errors.js';
import type { PlaygroundSettings } from './protocol.js';

const BACKENDS: readonly PlaygroundSettings['backend'][] = ['auto', 'webgpu', 'wasm'];

function integer(parameters: URLSearchParams, key: string, fallback: number, min: number, max: number): number {
  const text = parameters.get(key);
  if (text === null) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new PlaygroundError(
      'INVALID_SETTING',
      `URL parameter ${key}=${text} must be an integer in [${min}, ${max}]; remove it for ${fallback}.`,
    );
  }
  return value;
}

/**
 * The page's settings from its URL query, e.g. `?run=demo&backend=wasm&train=300&stopAfter=2`.
 * Defaults: all 5 tasks of 1,000 training and 200 test digits each, one epoch, WebGPU when offered.
 */
export function settingsFromUrl(search: string): PlaygroundSettings {
  const parameters = new URLSearchParams(search);
  const backend = (parameters.get('backend') ?? 'auto') as PlaygroundSettings['backend'];
  if (!BACKENDS.includes(backend)) {
    throw new PlaygroundError('INVALID_SETTING', `URL parameter backend=${backend} must be one of ${BACKENDS.join(', ')}.`);
  }
  const run = parameters.get('run') ?? 'default';
  if (!/^[\w.-]{1,64}$/.test(run)) {
    throw new PlaygroundError('INVALID_SETTING', `URL parameter run=${run} must be 1-64 letters, digits, '.', '-' or '_'.`);
  }
  const tasks = integer(parameters, 'tasks', 5, 1, 5);
  return {
    run,
    backend,
    tasks,
    trainPerTask: integer(parameters, 'train', 1000, 20, 1000),
    testPerTask: integer(parameters, 'test', 200, 10, 200),
    epochs: integer(parameters, 'epochs', 1, 1, 20),
    stopAfter: integer(parameters, 'stopAfter', tasks, 1, 5),
  };
}
