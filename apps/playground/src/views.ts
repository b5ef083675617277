import type { CurvePoint } from './protocol.js';

const TASK_COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd'];

/** The accuracy matrix as a table; each cell carries `data-cell="row-column"` and the value in percent. */
export function renderMatrix(table: HTMLTableElement, matrix: number[][], tasks: number): void {
  const header = `<tr><th>after \\ on</th>${Array.from({ length: tasks }, (_, j) => `<th>task ${j + 1}</th>`).join('')}</tr>`;
  const rows = matrix.map(
    (row, i) =>
      `<tr><th>task ${i + 1}</th>${Array.from({ length: tasks }, (_, j) =>
        j < row.length ? `<td data-cell="${i}-${j}">${(row[j]! * 100).toFixed(1)}</td>` : '<td></td>',
      ).join('')}</tr>`,
  );
  table.innerHTML = header + rows.join('');
}

/** Each task's test accuracy against optimizer steps, one colour per task. */
export function renderCurves(canvas: HTMLCanvasElement, points: CurvePoint[]): void {
  const context = canvas.getContext('2d')!;
  const { width, height } = canvas;
  const margin = 30;
  context.clearRect(0, 0, width, height);
  context.strokeStyle = '#999';
  context.strokeRect(margin, 10, width - margin - 10, height - margin - 10);
  context.fillStyle = '#333';
  context.font = '11px sans-serif';
  context.fillText('100%', 0, 16);
  context.fillText('0%', 8, height - margin);
  context.fillText('optimizer steps', width / 2 - 30, height - 8);
  const lastStep = Math.max(1, ...points.map((point) => point.step));
  const x = (step: number) => margin + (step / lastStep) * (width - margin - 10);
  const y = (accuracy: number) => 10 + (1 - accuracy) * (height - margin - 10);
  const tasks = [...new Set(points.map((point) => point.task))].sort();
  for (const task of tasks) {
    const series = points.filter((point) => point.task === task);
    context.strokeStyle = TASK_COLOURS[task % TASK_COLOURS.length]!;
    context.lineWidth = 2;
    context.beginPath();
    series.forEach((point, index) =>
      index === 0 ? context.moveTo(x(point.step), y(point.accuracy)) : context.lineTo(x(point.step), y(point.accuracy)),
    );
    context.stroke();
    context.fillStyle = context.strokeStyle;
    context.fillText(`task ${task + 1}`, width - 60, 24 + 13 * task);
  }
}

/**
 * A drawing pad whose strokes become one MNIST-like 28x28 image (values in 0..1): the ink's
 * bounding box scaled into 20x20 and centred, as MNIST's digits were prepared.
 */
export class DrawingPad {
  private drawing = false;
  private readonly context: CanvasRenderingContext2D;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    onStroke: () => void,
  ) {
    this.context = canvas.getContext('2d', { willReadFrequently: true })!;
    this.clear();
    canvas.addEventListener('pointerdown', (event) => {
      this.drawing = true;
      this.context.beginPath();
      this.context.moveTo(event.offsetX, event.offsetY);
    });
    canvas.addEventListener('pointermove', (event) => {
      if (!this.drawing) return;
      this.context.lineTo(event.offsetX, event.offsetY);
      this.context.stroke();
    });
    const finish = () => {
      if (!this.drawing) return;
      this.drawing = false;
      onStroke();
    };
    canvas.addEventListener('pointerup', finish);
    canvas.addEventListener('pointerleave', finish);
  }

  clear(): void {
    this.context.fillStyle = 'black';
    this.context.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.context.strokeStyle = 'white';
    this.context.lineWidth = 16;
    this.context.lineCap = 'round';
    this.context.lineJoin = 'round';
  }

  /** The drawing as 784 values in 0..1, or undefined when nothing is drawn. */
  pixels(): Float32Array | undefined {
    const { width, height } = this.canvas;
    const ink = this.context.getImageData(0, 0, width, height).data;
    let [left, top, right, bottom] = [width, height, -1, -1];
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (ink[(y * width + x) * 4]! > 32)
          [left, top, right, bottom] = [Math.min(left, x), Math.min(top, y), Math.max(right, x), Math.max(bottom, y)];
      }
    }
    if (right < 0) return undefined;
    const small = document.createElement('canvas');
    small.width = small.height = 28;
    const target = small.getContext('2d', { willReadFrequently: true })!;
    target.fillStyle = 'black';
    target.fillRect(0, 0, 28, 28);
    const box = Math.max(right - left + 1, bottom - top + 1);
    const scale = 20 / box;
    const drawnWidth = (right - left + 1) * scale;
    const drawnHeight = (bottom - top + 1) * scale;
    target.imageSmoothingQuality = 'high';
    target.drawImage(
      this.canvas,
      left,
      top,
      right - left + 1,
      bottom - top + 1,
      (28 - drawnWidth) / 2,
      (28 - drawnHeight) / 2,
      drawnWidth,
      drawnHeight,
    );
    const data = target.getImageData(0, 0, 28, 28).data;
    return Float32Array.from({ length: 784 }, (_, index) => data[index * 4]! / 255);
  }
}
