import path from 'node:path';
import { describeValue } from '@holomind/core';
import { StateError } from './errors.js';

const stateIdPattern = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const maxStateIdLength = 128;

/**
 * Checks a state id, which becomes a folder name under the store directory. Only letters,
 * digits, `.`, `_` and `-`, starting with a letter or digit, at most 128 characters: so no
 * `..`, no separators, no absolute paths, no NUL, nothing a shell or another OS reads differently.
 */
export function checkStateId(stateId: unknown): string {
  const problem =
    typeof stateId !== 'string'
      ? `must be a string, got ${describeValue(stateId)}`
      : stateId.length === 0
        ? 'is empty'
        : stateId.includes('\0')
          ? 'contains a NUL byte'
          : path.isAbsolute(stateId) || /^[A-Za-z]:/.test(stateId)
            ? 'is an absolute path'
            : /[\\/]/.test(stateId) || stateId.split('.').every((part) => part === '')
              ? 'contains a path separator or is a relative path (. or ..)'
              : stateId.length > maxStateIdLength
                ? `is longer than ${maxStateIdLength} characters`
                : !stateIdPattern.test(stateId)
                  ? 'has characters outside A-Z a-z 0-9 . _ - or does not start with a letter or digit'
                  : undefined;
  if (problem) {
    throw new StateError(
      'INVALID_STATE_ID',
      `State id ${describeValue(stateId)} ${problem}; state ids name a folder inside the store directory and must match ${stateIdPattern} (e.g. 'mnist-ewc').`,
    );
  }
  return stateId as string;
}

/** Resolves the folder of a state and proves it stays inside the store directory. */
export function stateFolder(directory: string, stateId: string): string {
  const folder = path.resolve(directory, checkStateId(stateId));
  if (path.dirname(folder) !== path.resolve(directory)) {
    throw new StateError('INVALID_STATE_ID', `State id '${stateId}' resolves outside the store directory ${directory}.`);
  }
  return folder;
}

/**
 * Checks a tensor or value name. Tensor names become HDF5 paths under `/tensors`, so `/` nests
 * groups (tfjs weight names like `dense_1/kernel` work); empty, `.` and `..` segments are refused.
 */
export function checkEntryName(name: string): string {
  const segments = name.split('/');
  if (
    name.length === 0 ||
    name.length > 500 ||
    name.includes('\0') ||
    segments.some((segment) => segment === '' || segment === '.' || segment === '..')
  ) {
    throw new StateError(
      'INVALID_TENSOR',
      `State entry name ${describeValue(name)} is not usable; use 1-500 characters without NUL, with '/' only between non-empty segments other than '.' and '..' (e.g. 'dense_1/kernel').`,
    );
  }
  return name;
}

/** Checks a tag name: 1-200 characters without NUL. */
export function checkTag(tag: unknown): string {
  if (typeof tag !== 'string' || tag.length === 0 || tag.length > 200 || tag.includes('\0')) {
    throw new StateError(
      'INVALID_ARGUMENT',
      `Tag ${describeValue(tag)} must be a string of 1-200 characters without NUL (e.g. 'after-task-3').`,
    );
  }
  return tag;
}

/** Checks a version number: a positive integer. */
export function checkVersion(version: unknown): number {
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1 || version > 2 ** 31 - 1) {
    throw new StateError(
      'INVALID_ARGUMENT',
      `Version ${describeValue(version)} must be a positive integer as returned by save().`,
    );
  }
  return version;
}
