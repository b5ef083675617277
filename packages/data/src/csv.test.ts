import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PreprocessingPipeline, parseCsvDataset, readCsvDataset } from './index.js';
import { caught, scratchFolder } from '../test/support.js';

const scratch = scratchFolder('csv');

describe('readCsvDataset', () => {
  it('reads numeric features and text labels, quoted headers included', async () => {
    const rows = [
      [5.1, 3.5, 'setosa'],
      [7, 3.2, 'versicolor'],
      [6.3, 3.3, 'virginica'],
      [4.9, -3e-2, 'setosa'],
    ];
    const file = path.join(scratch, 'iris.csv');
    writeFileSync(file, '"sepal, length",sepal width,species\r\n' + rows.map((row) => row.join(',')).join('\r\n') + '\r\n\r\n');
    const dataset = await readCsvDataset(file, { labelColumn: 'species' });
    expect(dataset.featureNames).toEqual(['sepal, length', 'sepal width']);
    expect(dataset.classNames).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(dataset.numClasses).toBe(3);
    expect(dataset.featureShape).toEqual([2]);
    expect(Array.from(dataset.labels)).toEqual([0, 1, 2, 0]);
    expect(Array.from(dataset.features)).toEqual(
      Array.from(Float32Array.from(rows.flatMap((row) => [row[0] as number, row[1] as number]))),
    );
  });

  it('takes integer labels as class indices, columns by index, and no header', async () => {
    const dataset = await parseCsvDataset('1;0.5;2\n0;0.25;4\n', {
      header: false,
      delimiter: ';',
      labelColumn: 0,
      featureColumns: [2, 1],
    });
    expect(Array.from(dataset.labels)).toEqual([1, 0]);
    expect(Array.from(dataset.features)).toEqual([2, 0.5, 4, 0.25]);
    expect(dataset.featureNames).toEqual(['column2', 'column1']);
    expect(dataset.classNames).toBeUndefined();
  });

  it('turns empty feature cells into NaN for the pipeline to handle', async () => {
    const dataset = await parseCsvDataset('a,b,label\n1,,0\n2,3,1\n3,4,0\n');
    expect(Number.isNaN(dataset.features[1])).toBe(true);
    const pipeline = PreprocessingPipeline.fromConfig({ validation: { missingValues: 'drop' } });
    expect(pipeline.fit(dataset)).toMatchObject({ missing: { values: 1, sampleIndices: [0] }, samplesOut: 2 });
  });

  it('names the file, line and column of a value that is not a number', async () => {
    const file = path.join(scratch, 'bad.csv');
    writeFileSync(file, 'x,y,label\n1,2,0\n3,oops,1\n');
    const error = await caught(() => readCsvDataset(file));
    expect(error).toMatchObject({ code: 'CSV_INVALID', file, line: 3, sampleIndex: 1 });
    expect(error.message).toContain(`${file} line 3, column 'y': "oops" is not a number`);
  });

  it('names the line of a row with the wrong number of fields', () => {
    return expect(caught(() => parseCsvDataset('x,y,label\n1,2,0\n3,1\n', { source: 'short.csv' }))).resolves.toMatchObject({
      code: 'CSV_INVALID',
      file: 'short.csv',
      line: 3,
    });
  });

  it('rejects labels that are fractional, out of range or unknown, naming the line', async () => {
    expect(await caught(() => parseCsvDataset('x,label\n1,0\n2,1.5\n'))).toMatchObject({
      code: 'LABEL_NOT_INTEGER',
      line: 3,
      sampleIndex: 1,
    });
    expect(await caught(() => parseCsvDataset('x,label\n1,0\n2,7\n', { numClasses: 3 }))).toMatchObject({
      code: 'LABEL_OUT_OF_RANGE',
      line: 3,
    });
    expect(await caught(() => parseCsvDataset('x,label\n1,cat\n2,dog\n', { classNames: ['cat'] }))).toMatchObject({
      code: 'LABEL_OUT_OF_RANGE',
      line: 3,
    });
    expect(await caught(() => parseCsvDataset('x,label\n1,\n'))).toMatchObject({ code: 'CSV_INVALID', line: 2 });
    expect(await caught(() => readCsvDataset(path.join(scratch, 'missing.csv')))).toMatchObject({ code: 'FILE_NOT_FOUND' });
    expect(await caught(() => parseCsvDataset('x,label\n1,0\n', { labelColumn: 'class' }))).toMatchObject({
      code: 'INVALID_ARGUMENT',
      key: 'labelColumn',
    });
  });
});
