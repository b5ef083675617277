export { DataError } from './errors.js';
export type { DataErrorCode, DataErrorLocation } from './errors.js';

export {
  createSplit,
  createDataset,
  validateSplit,
  selectSamples,
  withFeatureShape,
  featureSize,
  sampleCount,
  classCounts,
} from './split.js';
export type { DataSplit, Dataset, DatasetInput, ImageSplit, ImageDataset, SplitInput, ValidateSplitOptions } from './split.js';

export { IdxDecoder, decodeIdx } from './idx.js';
export type { IdxArray, IdxDataType, IdxHeader, IdxDecoderOptions, IdxDataSink } from './idx.js';
export {
  readIdx,
  readIdxImages,
  readIdxLabels,
  loadIdxDataset,
  FASHION_MNIST_CLASS_NAMES,
  MNIST_CLASS_NAMES,
  DEBIAN_FASHION_MNIST_DIRECTORY,
} from './idx-files.js';
export type { IdxImages, ReadIdxLabelsOptions, IdxDatasetKind, LoadIdxDatasetOptions } from './idx-files.js';
export { loadMnist } from './mnist-package.js';
export type { LoadMnistOptions } from './mnist-package.js';
export { readCsvDataset, parseCsvDataset } from './csv.js';
export type { CsvDataset, CsvDatasetOptions } from './csv.js';

export { splitBenchmark, permutedBenchmark, rotatedBenchmark, trainTestSplit, SCENARIOS } from './benchmarks.js';
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
  TaskId,
  SplitName,
  TaskSplitsInput,
  TaskVersion,
  TaskRecord,
  TaskEntry,
  DataManifest,
  DataManagerOptions,
} from './data-manager.js';
export { splitStatistics } from './statistics.js';
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
export {
  parsePreprocessingConfig,
  NORMALIZATION_METHODS,
  NORMALIZATION_SCOPES,
  MISSING_VALUE_POLICIES,
  OUTLIER_POLICIES,
  AUGMENTATION_TYPES,
} from './preprocessing-config.js';
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
export { rotationTable, rotateImage, flipImage, imageLayout } from './image-ops.js';
export type { ImageLayout, RotationTable } from './image-ops.js';

export { batchIterator, batchCount } from './batch-iterator.js';
export type { Batch, BatchIteratorOptions } from './batch-iterator.js';
export { createRandom, deriveSeed, shuffledIndices } from './random.js';
export type { Random } from './random.js';
