import { DataError } from './errors.js';
import { featureSize } from './split.js';

/** Height, width and channels of one image stored channels-last ([h, w] or [h, w, c]) in a flat sample. */
export interface ImageLayout {
  height: number;
  width: number;
  channels: number;
}

/**
 * The image layout of samples with `featureShape`: `imageShape` when given (its product times the
 * channels must equal the sample size), else a [h, w] or [h, w, c] featureShape. `key` names the
 * option in errors.
 */
export function imageLayout(
  featureShape: readonly number[],
  imageShape: readonly number[] | undefined,
  key: string,
): ImageLayout {
  const size = featureSize(featureShape);
  if (imageShape !== undefined) {
    const [height, width] = imageShape;
    const valid = imageShape.length === 2 && Number.isInteger(height) && Number.isInteger(width) && height! > 0 && width! > 0;
    if (!valid || size % (height! * width!) !== 0) {
      throw new DataError(
        'FEATURE_SHAPE_MISMATCH',
        `${key} ${JSON.stringify(imageShape)} does not tile samples of ${size} values (featureShape ${JSON.stringify(featureShape)}); give [height, width] with height * width * channels = ${size}.`,
        { key },
      );
    }
    return { height: height!, width: width!, channels: size / (height! * width!) };
  }
  if (featureShape.length === 2 || featureShape.length === 3) {
    return { height: featureShape[0]!, width: featureShape[1]!, channels: featureShape[2] ?? 1 };
  }
  throw new DataError(
    'FEATURE_SHAPE_MISMATCH',
    `Samples of featureShape ${JSON.stringify(featureShape)} are not images: set ${key} to [height, width] (e.g. [28, 28] for MNIST).`,
    { key },
  );
}

/**
 * Bilinear resampling table for rotating an image by `degrees` counter-clockwise (as displayed,
 * rows top to bottom) about its centre; pixels that come from outside the image are 0. For each
 * output pixel: 4 source pixel indices and weights (weight 0 where the neighbour is outside).
 */
export interface RotationTable {
  sources: Int32Array; // [height * width * 4]
  weights: Float32Array; // [height * width * 4]
}

/** Builds the {@link RotationTable} of one angle; reuse it for every image of that angle. */
export function rotationTable(height: number, width: number, degrees: number): RotationTable {
  const radians = (degrees * Math.PI) / 180;
  const cos = Math.cos(radians);
  const sin = Math.sin(radians);
  const centreX = (width - 1) / 2;
  const centreY = (height - 1) / 2;
  const sources = new Int32Array(height * width * 4);
  const weights = new Float32Array(height * width * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const dx = x - centreX;
      const dy = y - centreY;
      // Inverse map: the source point that lands on (x, y).
      const sourceX = snap(centreX + dx * cos - dy * sin);
      const sourceY = snap(centreY + dx * sin + dy * cos);
      const x0 = Math.floor(sourceX);
      const y0 = Math.floor(sourceY);
      const fx = sourceX - x0;
      const fy = sourceY - y0;
      const base = (y * width + x) * 4;
      const corners: Array<[number, number, number]> = [
        [x0, y0, (1 - fx) * (1 - fy)],
        [x0 + 1, y0, fx * (1 - fy)],
        [x0, y0 + 1, (1 - fx) * fy],
        [x0 + 1, y0 + 1, fx * fy],
      ];
      corners.forEach(([cornerX, cornerY, weight], corner) => {
        const inside = cornerX >= 0 && cornerX < width && cornerY >= 0 && cornerY < height;
        sources[base + corner] = inside ? cornerY * width + cornerX : 0;
        weights[base + corner] = inside ? weight : 0;
      });
    }
  }
  return { sources, weights };
}

// cos(90 deg) is 6e-17, not 0: snapping near-integers keeps multiples of 90 deg exact permutations.
function snap(coordinate: number): number {
  const nearest = Math.round(coordinate);
  return Math.abs(coordinate - nearest) < 1e-9 ? nearest : coordinate;
}

/** Writes the rotated image at `source[sourceOffset..]` to `target[targetOffset..]` (channels-last). */
export function rotateImage(
  table: RotationTable,
  layout: ImageLayout,
  source: Float32Array,
  sourceOffset: number,
  target: Float32Array,
  targetOffset: number,
): void {
  const { sources, weights } = table;
  const { channels } = layout;
  const pixels = layout.height * layout.width;
  for (let pixel = 0; pixel < pixels; pixel++) {
    const base = pixel * 4;
    for (let channel = 0; channel < channels; channel++) {
      let value = 0;
      for (let corner = 0; corner < 4; corner++) {
        value += weights[base + corner]! * source[sourceOffset + sources[base + corner]! * channels + channel]!;
      }
      target[targetOffset + pixel * channels + channel] = value;
    }
  }
}

/** Writes the mirrored image: `horizontal` swaps left and right, `vertical` top and bottom. */
export function flipImage(
  axis: 'horizontal' | 'vertical',
  layout: ImageLayout,
  source: Float32Array,
  sourceOffset: number,
  target: Float32Array,
  targetOffset: number,
): void {
  const { height, width, channels } = layout;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const fromY = axis === 'vertical' ? height - 1 - y : y;
      const fromX = axis === 'horizontal' ? width - 1 - x : x;
      const from = sourceOffset + (fromY * width + fromX) * channels;
      const to = targetOffset + (y * width + x) * channels;
      for (let channel = 0; channel < channels; channel++) target[to + channel] = source[from + channel]!;
    }
  }
}
