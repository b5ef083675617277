// The browser entry of @holomind/data (package.json `exports` condition "browser"): benchmarks,
// splits, IDX decoding of bytes the page fetched, the DataManager and batching. Left out: the
// readers of files and installed packages (readIdx*, loadIdxDataset, loadMnist, loadFullMnist,
// readCsvDataset / parseCsvDataset) and PreprocessingPipeline (it reads config files), which reach
// Node's fs, zlib, crypto and module.
export { DataError } from './errors.js';
export type { DataErrorCode, DataErrorLocation } from './errors.js';

export { createSplit, createDataset, withFeatureShape } from './split.js';
export type { DataSplit, Dataset, DatasetInput, ImageSplit, ImageDataset, SplitInput, ValidateSplitOptions } from './split.js';

export { decodeIdx } from './idx.js';
export type { IdxArray, IdxDataType } from './idx.js';

export { splitBenchmark, permutedBenchmark, rotatedBenchmark, trainTestSplit } from './benchmarks.js';
export type {
  Scenario,
  BenchmarkSource,
  BenchmarkOptions,
  SplitBenchmarkOptions,
  PermutedBenchmarkOptions,
  RotatedBenchmarkOptions,
  BenchmarkTask,
  TrainTestSplitOptions,
} from './benchmarks.js';

export { DataManager } from './data-manager.js';
export type {
  SplitName,
  TaskSplitsInput,
  TaskVersion,
  TaskDataRecord,
  TaskEntry,
  DataManifest,
  DataManagerOptions,
} from './data-manager.js';
export type { SplitStatistics } from './statistics.js';

export { batchIterator, batchCount } from './batch-iterator.js';
export type { Batch, BatchIteratorOptions } from './batch-iterator.js';
