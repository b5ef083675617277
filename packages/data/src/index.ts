export { DataError } from './errors.js';
export type { DataErrorCode, DataErrorLocation } from './errors.js';
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
