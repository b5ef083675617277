import { DatabaseError } from '../errors.js';
import { describeValue } from '@holomind/core';
import { requireIndex, requireJsonObject, requireName } from '../json.js';
import type {
  ArchitectureRecord,
  ArchiveStore,
  SaveArchitectureOptions,
  SaveTrainingStateOptions,
  TrainingStateRecord,
} from './archive-store.js';
import { describeEnvironment, describeHardware } from './describe-host.js';

/** Checked inputs shared by every ArchiveStore implementation, so they reject the same things. */
export function checkArchitecture(
  options: SaveArchitectureOptions,
): Required<Omit<SaveArchitectureOptions, 'previousId'>> & { previousId?: string } {
  const name = requireName(options?.name, 'Architecture name');
  const document = requireJsonObject(options.document, 'Architecture document');
  const description = options.description ?? '';
  if (typeof description !== 'string')
    throw new DatabaseError('INVALID_ARGUMENT', `description must be a string, got ${describeValue(description)}.`);
  const previousId = options.previousId === undefined ? undefined : requireName(options.previousId, 'previousId', 64);
  return { name, document, description, ...(previousId === undefined ? {} : { previousId }) };
}

/** The training-state fields with defaults filled in. */
export type CheckedTrainingState = Omit<TrainingStateRecord, 'id' | 'createdAt'>;

/** Checks a training state's fields and fills in the environment and hardware defaults. */
export function checkTrainingState(options: SaveTrainingStateOptions): CheckedTrainingState {
  const state =
    options.state === undefined
      ? null
      : {
          stateId: requireName(options.state.stateId, 'state.stateId'),
          version: requireIndex(options.state.version, 'state.version'),
        };
  const metrics = requireJsonObject(options.metrics ?? {}, 'metrics');
  for (const [name, value] of Object.entries(metrics)) {
    if (typeof value !== 'number')
      throw new DatabaseError('INVALID_ARGUMENT', `Metric '${name}' must be a finite number, got ${describeValue(value)}.`);
  }
  const description = options.description ?? '';
  if (typeof description !== 'string')
    throw new DatabaseError('INVALID_ARGUMENT', `description must be a string, got ${describeValue(description)}.`);
  return {
    architectureId: options.architectureId === undefined ? null : requireName(options.architectureId, 'architectureId', 64),
    experimentId: options.experimentId === undefined ? null : requireName(options.experimentId, 'experimentId', 64),
    state,
    environment: requireJsonObject(options.environment ?? describeEnvironment(), 'environment'),
    hardware: requireJsonObject(options.hardware ?? describeHardware(), 'hardware'),
    metrics: metrics as Record<string, number>,
    description,
  };
}

/**
 * Walks `previousId` links from `id` back to the first version, given every version of the name.
 * Returns oldest first.
 */
export function walkChain<Record extends { id: string; previousId: string | null }>(id: string, versions: Record[]): Record[] {
  const byId = new Map(versions.map((record) => [record.id, record]));
  const chain: Record[] = [];
  let current = byId.get(id);
  while (current) {
    chain.push(current);
    if (chain.length > versions.length)
      throw new DatabaseError('INVALID_STATE', `The version chain of architecture ${id} has a cycle.`);
    current = current.previousId === null ? undefined : byId.get(current.previousId);
  }
  return chain.reverse();
}

/**
 * The latest version of an architecture's name and the version a new one follows (the one named by
 * `previousId`, else the latest). Throws when `previousId` belongs to another architecture name.
 */
export async function previousArchitecture(
  store: Pick<ArchiveStore, 'getArchitecture' | 'latestArchitecture'>,
  checked: { name: string; previousId?: string | undefined },
): Promise<{ latest: ArchitectureRecord | undefined; previous: ArchitectureRecord | undefined }> {
  const latest = await store.latestArchitecture(checked.name);
  const previous = checked.previousId === undefined ? latest : await store.getArchitecture(checked.previousId);
  if (previous && previous.name !== checked.name) {
    throw new DatabaseError(
      'INVALID_ARGUMENT',
      `previousId ${previous.id} is a version of '${previous.name}', not of '${checked.name}'; save under '${previous.name}' or omit previousId.`,
    );
  }
  return { latest, previous };
}
