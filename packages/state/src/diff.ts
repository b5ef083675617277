import type { LocatedTensor } from './metadata-queries.js';
import type { StateTypedArray } from './tensors.js';
import type { StateDiff, TensorDiff, VersionMetadata } from './types.js';

type Version = VersionMetadata & { located: LocatedTensor[] };

/** L2 and max-abs norms of `b - a` and the L2 norm of `a`, accumulated in float64. */
export function differenceNorms(a: ArrayLike<number>, b: ArrayLike<number>): { l2: number; maxAbs: number; baseL2: number } {
  let squares = 0;
  let baseSquares = 0;
  let maxAbs = 0;
  for (let i = 0; i < a.length; i++) {
    const delta = b[i]! - a[i]!;
    squares += delta * delta;
    baseSquares += a[i]! * a[i]!;
    const magnitude = Math.abs(delta);
    // NaN compares false: a NaN difference makes the norms NaN rather than silently 0.
    if (!(magnitude <= maxAbs)) maxAbs = magnitude;
  }
  return { l2: Math.sqrt(squares), maxAbs, baseL2: Math.sqrt(baseSquares) };
}

/** Compares two versions tensor by tensor (by name) and value by value. */
export async function diffStates(
  from: Version,
  to: Version,
  read: (tensor: LocatedTensor) => Promise<StateTypedArray>,
): Promise<StateDiff> {
  const before = new Map(from.located.map((tensor) => [tensor.name, tensor]));
  const after = new Map(to.located.map((tensor) => [tensor.name, tensor]));
  const names = [...new Set([...before.keys(), ...after.keys()])].sort();
  const tensors: TensorDiff[] = [];
  for (const name of names) {
    const a = before.get(name);
    const b = after.get(name);
    if (!a || !b) {
      tensors.push({ name, status: a ? 'removed' : 'added', l2: null, relativeL2: null, maxAbs: null });
    } else if (a.dtype !== b.dtype || a.shape.length !== b.shape.length || a.shape.some((size, axis) => size !== b.shape[axis])) {
      tensors.push({ name, status: 'reshaped', l2: null, relativeL2: null, maxAbs: null });
    } else if (a.hash === b.hash) {
      tensors.push({ name, status: 'unchanged', l2: 0, relativeL2: 0, maxAbs: 0 });
    } else {
      const { l2, maxAbs, baseL2 } = differenceNorms(await read(a), await read(b));
      tensors.push({ name, status: 'changed', l2, relativeL2: baseL2 > 0 ? l2 / baseL2 : null, maxAbs });
    }
  }
  const valueNames = [...new Set([...Object.keys(from.values), ...Object.keys(to.values)])].sort();
  const values = valueNames.map((name) => {
    const inFrom = Object.hasOwn(from.values, name);
    const inTo = Object.hasOwn(to.values, name);
    const status: StateDiff['values'][number]['status'] = !inFrom
      ? 'added'
      : !inTo
        ? 'removed'
        : JSON.stringify(from.values[name]) === JSON.stringify(to.values[name])
          ? 'unchanged'
          : 'changed';
    return { name, status };
  });
  return {
    from: { stateId: from.stateId, version: from.version },
    to: { stateId: to.stateId, version: to.version },
    tensors,
    values,
  };
}
