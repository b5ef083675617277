import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { AlertHandler } from './alert-manager.js';
import { describeValue } from '@holomind/core';
import { MonitoringError } from './errors.js';
import { toJson } from './to-json.js';
import type { AlertRecord } from './types.js';

/** Where {@link consoleAlertHandler} writes; `console` by default. */
export interface AlertConsole {
  warn(...data: unknown[]): void;
  error(...data: unknown[]): void;
}

/** One line per alert: warnings to `console.warn`, errors and critical alerts to `console.error`. */
export function consoleAlertHandler(output: AlertConsole = console): AlertHandler {
  return (alert) => {
    const line = `[holomind ${alert.severity}] ${alert.message} (rule ${alert.ruleId}, run ${alert.runId})`;
    if (alert.severity === 'warning') output.warn(line);
    else output.error(line);
  };
}

/**
 * Appends each alert as one JSON line to `filePath` (created with its folder). Non-finite values
 * are written as the strings "NaN", "Infinity", "-Infinity" since JSON has no such numbers.
 */
export function fileAlertHandler(filePath: string): AlertHandler {
  if (typeof filePath !== 'string' || filePath === '') {
    throw new MonitoringError('INVALID_ARGUMENT', `fileAlertHandler: path ${describeValue(filePath)} must be a file path.`);
  }
  let folderReady: Promise<unknown> | undefined;
  return async (alert) => {
    folderReady ??= mkdir(path.dirname(path.resolve(filePath)), { recursive: true });
    await folderReady;
    await appendFile(filePath, `${toJson(alert, 0)}\n`, 'utf8');
  };
}

/** Wraps a function as a handler, checking it is one (handlers may also be passed as plain functions). */
export function callbackAlertHandler(callback: (alert: AlertRecord) => void | Promise<void>): AlertHandler {
  if (typeof callback !== 'function') {
    throw new MonitoringError('INVALID_ARGUMENT', `callbackAlertHandler needs a function, got ${describeValue(callback)}.`);
  }
  return (alert) => callback(alert);
}
