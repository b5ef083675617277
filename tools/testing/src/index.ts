export { workspaceRoot } from './workspace.js';
export { useSoftwareWebGpuIfInstalled, webGpuRequired } from './software-webgpu.js';
export { tensorsLeakedBy, maxRelativeDifference, maxAbsoluteDifference, seededValues } from './tensors.js';
export { installPackedPackages } from './pack.js';
export type { PackedInstallOptions, PackedProject } from './pack.js';
export { startPostgresServer, findPostgresBinaries } from './postgres.js';
export type { PostgresServer } from './postgres.js';
export { measure, median } from './bench.js';
export type { MeasureOptions, Measurement } from './bench.js';
