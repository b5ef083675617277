import { EwcError } from './errors.js';
import { resolveEwcOptions, type ResolvedEwcOptions } from './options.js';
import type { AnchoredParameter, Consolidation } from './penalty-terms.js';

/** JSON-safe description of an {@link EwcState}; the numbers live in `arrays`. */
export interface EwcStateMeta {
  format: 'holomind-ewc';
  version: 1;
  options: ResolvedEwcOptions;
  /** One entry per task (`separate`) or one running entry (`online`). */
  consolidations: Array<{
    taskIds: string[];
    samples: number;
    parameters: Array<{ name: string; shape: number[] }>;
  }>;
}

/**
 * Everything an EwcConsolidator knows, as plain data any storage can keep: `meta` is JSON, `arrays`
 * maps `consolidations/<i>/<variable name>/anchor` and `.../fisher` to Float32Arrays.
 */
export interface EwcState {
  meta: EwcStateMeta;
  arrays: Record<string, Float32Array>;
}

/** The key of one array in {@link EwcState.arrays}. */
export function stateArrayKey(consolidation: number, parameter: string, kind: 'anchor' | 'fisher'): string {
  return `consolidations/${consolidation}/${parameter}/${kind}`;
}

/** Copies the consolidations out into plain data. */
export function encodeState(options: ResolvedEwcOptions, consolidations: readonly Consolidation[]): EwcState {
  const arrays: Record<string, Float32Array> = {};
  const meta: EwcStateMeta = {
    format: 'holomind-ewc',
    version: 1,
    options: { ...options },
    consolidations: consolidations.map(({ taskIds, samples, parameters }, index) => ({
      taskIds: [...taskIds],
      samples,
      parameters: [...parameters.values()].map(({ name, shape, anchor, fisher }) => {
        arrays[stateArrayKey(index, name, 'anchor')] = anchor.slice();
        arrays[stateArrayKey(index, name, 'fisher')] = fisher.slice();
        return { name, shape: [...shape] };
      }),
    })),
  };
  return { meta, arrays };
}

function invalid(message: string): EwcError {
  return new EwcError('INVALID_STATE', `${message} The state must come from EwcConsolidator.toState() of @holomind/ewc.`);
}

function readArray(arrays: Record<string, unknown>, key: string, length: number, nonNegative: boolean): Float32Array {
  const values = arrays[key];
  if (!(values instanceof Float32Array)) throw invalid(`State array '${key}' is missing or not a Float32Array.`);
  if (values.length !== length) throw invalid(`State array '${key}' has ${values.length} values, its shape needs ${length}.`);
  if (!values.every(Number.isFinite)) throw invalid(`State array '${key}' holds NaN or Inf.`);
  if (nonNegative && values.some((value) => value < 0)) throw invalid(`State array '${key}' holds negative importances.`);
  return values.slice();
}

/** Checks and copies plain data back into options and consolidations. */
export function decodeState(state: EwcState): { options: ResolvedEwcOptions; consolidations: Consolidation[] } {
  const meta = state?.meta;
  if (!meta || meta.format !== 'holomind-ewc' || meta.version !== 1 || !Array.isArray(meta.consolidations)) {
    throw invalid(
      `Unrecognised state meta (format ${String(meta?.format)}, version ${String(meta?.version)}); expected format 'holomind-ewc', version 1.`,
    );
  }
  if (typeof state.arrays !== 'object' || state.arrays === null) throw invalid('State has no arrays.');
  const options = resolveEwcOptions(meta.options);
  const consolidations = meta.consolidations.map(({ taskIds, samples, parameters }, index): Consolidation => {
    if (!Array.isArray(taskIds) || !Array.isArray(parameters))
      throw invalid(`Consolidation ${index} lacks taskIds or parameters.`);
    const entries = parameters.map(({ name, shape }): [string, AnchoredParameter] => {
      if (!Array.isArray(shape) || !shape.every((size) => Number.isInteger(size) && size >= 0)) {
        throw invalid(`Parameter '${String(name)}' of consolidation ${index} has an invalid shape.`);
      }
      const length = shape.reduce((product, size) => product * size, 1);
      return [
        name,
        {
          name,
          shape: [...shape],
          anchor: readArray(state.arrays, stateArrayKey(index, name, 'anchor'), length, false),
          fisher: readArray(state.arrays, stateArrayKey(index, name, 'fisher'), length, true),
        },
      ];
    });
    return { taskIds: taskIds.map(String), samples: Number(samples) || 0, parameters: new Map(entries) };
  });
  if (options.mode === 'online' && consolidations.length > 1) {
    throw invalid(`An online-mode state holds one running consolidation, this one holds ${consolidations.length}.`);
  }
  return { options, consolidations };
}
