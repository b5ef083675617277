// The public surface of @holomind/data: exactly what README.md documents (its "Exports" table).
export { DataError } from './errors.js';
export type { DataErrorCode, DataErrorLocation } from './errors.js';

export { createSplit, createDataset, withFeatureShape } from './split.js';
export type { DataSplit, Dataset, DatasetInput, ImageSplit, ImageDataset, SplitInput, ValidateSplitOptions } from './split.js';

export { decodeIdx } from './idx.js';
export type { IdxArray, IdxDataType } from './idx.js';
export { readIdx, readIdxImages, readIdxLabels, loadIdxDataset, DEBIAN_FASHION_MNIST_DIRECTORY } from './idx-files.js';
export type { IdxImages, ReadIdxLabelsOptions, IdxDatasetKind, LoadIdxDatasetOptions } from './idx-files.js';
export { loadMnist } from './mnist-package.js';
export { isFullMnistInstalled, loadFullMnist, MNIST_SHA256 } from './mnist-full.js';
export type { LoadFullMnistOptions } from './mnist-full.js';
export type { LoadMnistOptions } from './mnist-package.js';
export { readCsvDataset, parseCsvDataset } from './csv.js';
export type { CsvDataset, CsvDatasetOptions } from './csv.js';

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

export { PreprocessingPipeline } from './preprocessing.js';
export type {
  NormalizationStatistics,
  PipelineSplits,
  PipelineStatistics,
  PipelineState,
  ValidationReport,
  TransformOptions,
  TransformResult,
} from './preprocessing.js';
export type {
  PreprocessingConfig,
  PreprocessingConfigInput,
  NormalizationConfig,
  NormalizationMethod,
  NormalizationScope,
  AugmentationConfig,
  AugmentationType,
  NoiseAugmentation,
  FlipAugmentation,
  RotationAugmentation,
  ValidationConfig,
  OutlierConfig,
  OutlierPolicy,
  MissingValuePolicy,
} from './preprocessing-config.js';

export { batchIterator, batchCount } from './batch-iterator.js';
export type { Batch, BatchIteratorOptions } from './batch-iterator.js';
