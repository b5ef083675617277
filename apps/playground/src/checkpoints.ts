import { PlaygroundError } from './errors.js';
import type { LearnerState } from './learner.js';
import type { CurvePoint, PlaygroundSettings } from './protocol.js';

/** Format tag of a stored checkpoint; a record with another tag is reported, never guessed at. */
export const CHECKPOINT_FORMAT = 'holomind.playground-checkpoint/1';

/** One run's progress, kept in IndexedDB under its run name (one record per run, replaced whole). */
export interface Checkpoint {
  format: typeof CHECKPOINT_FORMAT;
  run: string;
  settings: PlaygroundSettings;
  completedTasks: number;
  learner: LearnerState;
  matrix: number[][];
  curve: CurvePoint[];
  /** Optimizer steps taken over all tasks (the curves' x axis). */
  steps: number;
  savedAt: string;
  /** FNV-1a over every value and typed-array byte of the record but this field, hex. */
  checksum: string;
}

function corrupted(run: string, reason: string): PlaygroundError {
  return new PlaygroundError(
    'CHECKPOINT_CORRUPTED',
    `The stored checkpoint of run '${run}' is corrupted (${reason}); this run starts afresh and overwrites it. ` +
      `Other runs' checkpoints are kept; to keep this one, copy it from IndexedDB '${DATABASE}' first.`,
  );
}

const DATABASE = 'holomind-playground';
const STORE = 'checkpoints';

// 32-bit FNV-1a over a canonical walk: keys sorted, typed arrays as their bytes, the rest as JSON.
function digest(value: unknown, hash = 0x811c9dc5): number {
  const mix = (byte: number) => {
    hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  };
  const text = (part: string) => {
    for (let i = 0; i < part.length; i++) mix(part.charCodeAt(i) & 0xff);
  };
  const walk = (node: unknown): void => {
    if (ArrayBuffer.isView(node)) {
      text(`<${node.constructor.name}:${node.byteLength}>`);
      const bytes = new Uint8Array(node.buffer, node.byteOffset, node.byteLength);
      for (let i = 0; i < bytes.length; i++) mix(bytes[i]!);
    } else if (Array.isArray(node)) {
      text('[');
      node.forEach(walk);
      text(']');
    } else if (node !== null && typeof node === 'object') {
      for (const key of Object.keys(node).sort()) {
        text(`${key}:`);
        walk((node as Record<string, unknown>)[key]);
      }
    } else text(JSON.stringify(node) ?? 'undefined');
  };
  walk(value);
  return hash;
}

function checksumOf(record: Omit<Checkpoint, 'checksum'> & { checksum?: string }): string {
  const { checksum: _ignored, ...rest } = record;
  return digest(rest).toString(16).padStart(8, '0');
}

function request<Value>(operation: IDBRequest<Value>): Promise<Value> {
  return new Promise((resolve, reject) => {
    operation.onsuccess = () => resolve(operation.result);
    operation.onerror = () => reject(operation.error ?? new Error('IndexedDB request failed'));
  });
}

/** Checkpoints in the browser's IndexedDB, one per run name, each verified by its checksum on load. */
export class CheckpointStore {
  private constructor(private readonly database: IDBDatabase) {}

  static async open(): Promise<CheckpointStore> {
    const opening = indexedDB.open(DATABASE, 1);
    opening.onupgradeneeded = () => opening.result.createObjectStore(STORE, { keyPath: 'run' });
    return new CheckpointStore(await request(opening));
  }

  /** Saves a run's checkpoint in one transaction (a crash leaves the previous record whole). */
  async save(record: Omit<Checkpoint, 'checksum' | 'format' | 'savedAt'>): Promise<void> {
    const full = { ...record, format: CHECKPOINT_FORMAT, savedAt: new Date().toISOString() } as const;
    const transaction = this.database.transaction(STORE, 'readwrite');
    transaction.objectStore(STORE).put({ ...full, checksum: checksumOf(full) });
    await new Promise<void>((resolve, reject) => {
      transaction.oncomplete = () => resolve();
      transaction.onerror = () => reject(transaction.error ?? new Error('IndexedDB transaction failed'));
    });
  }

  /** The run's checkpoint; undefined when none; PlaygroundError CHECKPOINT_CORRUPTED when it fails its checks. */
  async load(run: string): Promise<Checkpoint | undefined> {
    const record = (await request(this.database.transaction(STORE).objectStore(STORE).get(run))) as unknown;
    if (record === undefined) return undefined;
    if (typeof record !== 'object' || record === null) throw corrupted(run, 'the record is not an object');
    const candidate = record as Partial<Checkpoint>;
    if (candidate.format !== CHECKPOINT_FORMAT) {
      throw corrupted(run, `format ${JSON.stringify(candidate.format)} is not '${CHECKPOINT_FORMAT}'`);
    }
    const expected = checksumOf(candidate as Checkpoint);
    if (candidate.checksum !== expected) {
      throw corrupted(run, `checksum ${String(candidate.checksum)} does not match its content's ${expected}`);
    }
    return candidate as Checkpoint;
  }

  /** Every stored run with its progress; corrupted records are listed with -1 tasks. */
  async list(): Promise<{ run: string; completedTasks: number; savedAt: string }[]> {
    const records = (await request(this.database.transaction(STORE).objectStore(STORE).getAll())) as Partial<Checkpoint>[];
    return records.map((record) => ({
      run: String(record.run),
      completedTasks: typeof record.completedTasks === 'number' ? record.completedTasks : -1,
      savedAt: String(record.savedAt ?? ''),
    }));
  }
}
