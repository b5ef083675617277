import { describeValue } from '@holomind/core';
import { MonitoringError } from '../errors.js';

/** The table names a SqlMetricSink and its migrations use. */
export interface MonitoringTableNames {
  series: string;
  points: string;
  aggregates: string;
  alerts: string;
  snapshots: string;
}

/**
 * Table names for a prefix (default `holomind_`): `<prefix>metric_series`, `…metric_points`,
 * `…metric_aggregates`, `…alerts`, `…snapshots`.
 */
export function monitoringTableNames(prefix = 'holomind_'): MonitoringTableNames {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(prefix)) {
    throw new MonitoringError(
      'INVALID_ARGUMENT',
      `tablePrefix ${describeValue(prefix)} must be letters, digits and underscores.`,
    );
  }
  return {
    series: `${prefix}metric_series`,
    points: `${prefix}metric_points`,
    aggregates: `${prefix}metric_aggregates`,
    alerts: `${prefix}alerts`,
    snapshots: `${prefix}snapshots`,
  };
}
