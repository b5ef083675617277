import { createHash } from 'node:crypto';
import { describeValue, findJsonProblem, type JsonValue } from '@holomind/core';
import { StateError } from './errors.js';
import { checkEntryName } from './names.js';

/** Element types a state can hold. `bool` is stored as uint8 with a `dtype` attribute saying so. */
export type StateDtype = 'float32' | 'float64' | 'int32' | 'int16' | 'int8' | 'uint32' | 'uint16' | 'uint8' | 'bool';

/** The typed arrays behind {@link StateDtype}. */
export type StateTypedArray =
  | Float32Array
  | Float64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint32Array
  | Uint16Array
  | Uint8Array;

/** A named array: row-major `data` with `shape` (`[]` for a scalar). `dtype` defaults from the array type. */
export interface NamedArray {
  data: StateTypedArray;
  shape: readonly number[];
  dtype?: StateDtype;
}

/** The part of a TensorFlow.js `tf.Tensor` that saving reads; any tensor of tfjs 4 matches. */
export interface TensorLike {
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly isDisposed?: boolean;
  data(): Promise<ArrayLike<number> | unknown>;
}

/** One entry of a saved state: a tensor, a named array, or any JSON value (stored in the metadata). */
export type StateEntry = TensorLike | NamedArray | JsonValue;

/** What `StateStore.save` takes: entry name to tensor, array or JSON value. */
export type StateInput = Record<string, StateEntry>;

/** A tensor as `StateStore.load` returns it: the caller owns `data`. */
export interface LoadedTensor {
  data: StateTypedArray;
  shape: number[];
  dtype: StateDtype;
}

/** A tensor ready to write: bytes, shape, dtype, and a cheap fingerprint (the full hash comes later). */
export interface PreparedTensor {
  name: string;
  dtype: StateDtype;
  shape: number[];
  data: StateTypedArray;
  fingerprint: string;
}

/** A typed-array class: `new Float32Array(n)` and `Float32Array.from(values)`. */
export interface StateArrayType {
  new (length: number): StateTypedArray;
  readonly BYTES_PER_ELEMENT: number;
  from(values: ArrayLike<number>): StateTypedArray;
}

const arrayTypes: Record<StateDtype, StateArrayType> = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  int16: Int16Array,
  int8: Int8Array,
  uint32: Uint32Array,
  uint16: Uint16Array,
  uint8: Uint8Array,
  bool: Uint8Array,
};

/** The typed-array class that holds `dtype`. */
export function arrayTypeOf(dtype: StateDtype): StateArrayType {
  return arrayTypes[dtype];
}

/** True for a dtype this package stores. */
export function isStateDtype(dtype: unknown): dtype is StateDtype {
  return typeof dtype === 'string' && Object.hasOwn(arrayTypes, dtype);
}

function dtypeOfArray(data: unknown): StateDtype | undefined {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint32Array) return 'uint32';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof Uint8Array) return 'uint8';
  return undefined;
}

function isTensorLike(entry: unknown): entry is TensorLike {
  const candidate = entry as TensorLike;
  return (
    typeof entry === 'object' &&
    entry !== null &&
    typeof candidate.data === 'function' &&
    Array.isArray(candidate.shape) &&
    typeof candidate.dtype === 'string'
  );
}

function isNamedArray(entry: unknown): entry is NamedArray {
  const candidate = entry as NamedArray;
  return typeof entry === 'object' && entry !== null && ArrayBuffer.isView(candidate.data) && Array.isArray(candidate.shape);
}

function checkShape(name: string, shape: readonly number[], length: number): number[] {
  if (!shape.every((size) => Number.isSafeInteger(size) && size >= 0)) {
    throw new StateError(
      'INVALID_TENSOR',
      `Tensor '${name}' has shape [${shape.join(', ')}]; sizes must be non-negative integers.`,
    );
  }
  const elements = shape.reduce((product, size) => product * size, 1);
  if (elements !== length) {
    throw new StateError(
      'INVALID_TENSOR',
      `Tensor '${name}' has shape [${shape.join(', ')}] (${elements} elements) but ${length} values; pass the shape that matches data.length.`,
    );
  }
  return [...shape];
}

/**
 * Content hash of a tensor: SHA-256 over dtype, shape and the raw little-endian bytes. Equal
 * hashes mean bit-identical tensors, which the store writes once.
 */
export function hashTensor(dtype: StateDtype, shape: readonly number[], data: StateTypedArray): string {
  return createHash('sha256')
    .update(`${dtype}\n${JSON.stringify(shape)}\n`)
    .update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
    .digest('hex');
}

const fingerprintWindows = 64;
const fingerprintWindowBytes = 256;

/**
 * A cheap stand-in for the content hash: SHA-256 over dtype, shape, byte length and 64 windows
 * of 256 bytes spread evenly over the data (all of it when small). Equal content always gives
 * equal fingerprints, so a fingerprint that matches nothing stored proves the tensor is new
 * without hashing all its bytes first; a match only means "hash it to find out".
 */
export function fingerprintTensor(dtype: StateDtype, shape: readonly number[], data: StateTypedArray): string {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const digest = createHash('sha256').update(`${dtype}\n${JSON.stringify(shape)}\n${bytes.byteLength}\n`);
  if (bytes.byteLength <= fingerprintWindows * fingerprintWindowBytes * 4) return digest.update(bytes).digest('hex');
  const stride = (bytes.byteLength - fingerprintWindowBytes) / (fingerprintWindows - 1);
  for (let window = 0; window < fingerprintWindows; window++) {
    const start = Math.floor(window * stride);
    digest.update(bytes.subarray(start, start + fingerprintWindowBytes));
  }
  return digest.digest('hex');
}

async function prepareTensor(name: string, tensor: TensorLike): Promise<PreparedTensor> {
  if (tensor.isDisposed)
    throw new StateError('INVALID_TENSOR', `Tensor '${name}' is disposed; save it before calling dispose().`);
  if (!isStateDtype(tensor.dtype)) {
    throw new StateError(
      'UNSUPPORTED_DTYPE',
      `Tensor '${name}' has dtype '${tensor.dtype}'; saving supports float32, int32 and bool tensors (cast it first, e.g. tensor.toFloat()).`,
    );
  }
  const values = await tensor.data();
  const dtype = tensor.dtype;
  // tfjs hands bool tensors out as Uint8Array and float32/int32 as their own arrays.
  const data =
    dtypeOfArray(values) === (dtype === 'bool' ? 'uint8' : dtype)
      ? (values as StateTypedArray)
      : arrayTypeOf(dtype).from(values as ArrayLike<number>);
  const shape = checkShape(name, tensor.shape, data.length);
  return { name, dtype, shape, data, fingerprint: fingerprintTensor(dtype, shape, data) };
}

function prepareArray(name: string, array: NamedArray): PreparedTensor {
  const arrayDtype = dtypeOfArray(array.data);
  if (!arrayDtype) {
    throw new StateError(
      'UNSUPPORTED_DTYPE',
      `Array '${name}' is ${describeValue(array.data)}; use Float32Array, Float64Array, Int32Array, Int16Array, Int8Array, Uint32Array, Uint16Array or Uint8Array.`,
    );
  }
  const dtype = array.dtype ?? arrayDtype;
  if (!isStateDtype(dtype) || (dtype === 'bool' ? 'uint8' : dtype) !== arrayDtype) {
    throw new StateError(
      'INVALID_TENSOR',
      `Array '${name}' says dtype ${describeValue(dtype)} but holds a ${array.data.constructor.name}; drop dtype or pass the matching typed array.`,
    );
  }
  const shape = checkShape(name, array.shape, array.data.length);
  return { name, dtype, shape, data: array.data, fingerprint: fingerprintTensor(dtype, shape, array.data) };
}

// Values are stored as JSON: each message says how to keep what JSON cannot hold.
function checkJson(value: unknown, path: string): void {
  const problem = findJsonProblem(value, path);
  if (problem?.reason === 'non-finite-number') {
    throw new StateError(
      'INVALID_ARGUMENT',
      `Value ${problem.path} is ${problem.value}; JSON cannot hold NaN or Infinity. Store it as a tensor, or as null or a string.`,
    );
  }
  if (problem) {
    throw new StateError(
      'INVALID_ARGUMENT',
      `Value ${problem.path} is ${describeValue(problem.value)}; state entries must be tfjs tensors, { data: TypedArray, shape } arrays, or JSON values.`,
    );
  }
}

/**
 * Splits a state into tensors (tfjs tensors and `{ data, shape }` arrays, read and fingerprinted) and
 * JSON values. Tensors are read with `data()`, so nothing is created or disposed here.
 */
export async function prepareState(state: StateInput): Promise<{ tensors: PreparedTensor[]; values: Record<string, JsonValue> }> {
  if (typeof state !== 'object' || state === null || Array.isArray(state) || isTensorLike(state) || isNamedArray(state)) {
    throw new StateError(
      'INVALID_ARGUMENT',
      `A state must be an object of entry name to tensor, array or JSON value, got ${describeValue(state)}; e.g. { 'dense/kernel': tensor, step: 3 }.`,
    );
  }
  const tensors: PreparedTensor[] = [];
  const values: Record<string, JsonValue> = {};
  const groups = new Set<string>();
  for (const [name, entry] of Object.entries(state)) {
    checkEntryName(name);
    if (isTensorLike(entry)) tensors.push(await prepareTensor(name, entry));
    else if (isNamedArray(entry)) tensors.push(prepareArray(name, entry));
    else {
      checkJson(entry, `'${name}'`);
      values[name] = entry;
    }
  }
  // 'a' and 'a/b' cannot both be tensors: in HDF5 'a' would be a dataset and a group at once.
  for (const tensor of tensors) {
    const segments = tensor.name.split('/');
    for (let depth = 1; depth < segments.length; depth++) groups.add(segments.slice(0, depth).join('/'));
  }
  const clash = tensors.find((tensor) => groups.has(tensor.name));
  if (clash) {
    throw new StateError(
      'INVALID_TENSOR',
      `Tensor name '${clash.name}' is also the folder of another tensor ('${clash.name}/...'); rename one, e.g. '${clash.name}/value'.`,
    );
  }
  return { tensors, values };
}
