/* eslint-disable @typescript-eslint/no-explicit-any -- table names carry a caller-chosen prefix, so Kysely cannot type them */
import type { Kysely } from 'kysely';

/** Columns of one point row, in the order parameters are laid out. */
export const POINT_COLUMNS = ['series_id', 'step', 'wall_time', 'value'] as const;

/** A Kysely-compiled query (the `CompiledQuery` shape), re-run with new parameters. */
interface CompiledInsert {
  readonly sql: string;
  readonly parameters: readonly unknown[];
  readonly query: unknown;
  readonly queryId?: unknown;
}

/**
 * Multi-row point INSERTs replayed from a query compiled once per row count: building and compiling
 * a 2,000-row query per batch would cost more than SQLite's insert itself.
 */
export class PointInsertReplay {
  private readonly compiled = new Map<number, CompiledInsert | null>();

  constructor(
    private readonly db: Kysely<any>,
    private readonly table: string,
  ) {}

  /** Inserts rows given as row-major `POINT_COLUMNS` parameters, inside `executor` (a transaction). */
  async insert(executor: any, parameters: unknown[]): Promise<void> {
    const count = parameters.length / POINT_COLUMNS.length;
    const compiled = this.compiledFor(count);
    if (compiled) {
      await executor.executeQuery({ ...compiled, parameters });
      return;
    }
    const rows = [];
    for (let i = 0; i < parameters.length; i += POINT_COLUMNS.length) {
      rows.push(Object.fromEntries(POINT_COLUMNS.map((column, j) => [column, parameters[i + j]])));
    }
    await executor.insertInto(this.table).values(rows).execute();
  }

  /**
   * Kysely's compiled INSERT for `count` rows, or null when its parameters do not come out in
   * row-major column order (checked with numbered placeholders), in which case the builder is used.
   */
  private compiledFor(count: number): CompiledInsert | null {
    if (this.compiled.has(count)) return this.compiled.get(count)!;
    let n = 0;
    const template = Array.from({ length: count }, () => Object.fromEntries(POINT_COLUMNS.map((column) => [column, n++])));
    const compiled = this.db.insertInto(this.table).values(template).compile() as CompiledInsert;
    const ordered = compiled.parameters.length === n && compiled.parameters.every((value, index) => value === index);
    // Keep a few sizes: full batches and the occasional remainder.
    if (this.compiled.size > 8) this.compiled.clear();
    this.compiled.set(count, ordered ? compiled : null);
    return ordered ? compiled : null;
  }
}
