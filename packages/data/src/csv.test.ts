import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PreprocessingPipeline, parseCsvDataset, readCsvDataset } from './index.js';
import { caught, scratchFolder } from '../test/support.js';
import { measureCsvLoad, writeNumericCsv } from '../test/csv-files.js';

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

describe('readCsvDataset: labels and features typed consistently (issue 15, finding 9)', () => {
  it('keeps numeric labels numeric (10 stays 10) and names the line where a text label joins them', async () => {
    const numbers = await parseCsvDataset('x,label\n1,2\n2,10\n3,0\n');
    expect(Array.from(numbers.labels)).toEqual([2, 10, 0]);
    expect(numbers).toMatchObject({ numClasses: 11 });
    expect(numbers.classNames).toBeUndefined();
    const mixed = await caught(() => parseCsvDataset('x,label\n1,2\n2,10\n3,cat\n4,1\n', { source: 'mixed.csv' }));
    expect(mixed).toMatchObject({ code: 'LABELS_MIXED', file: 'mixed.csv', line: 4, sampleIndex: 2 });
    expect(mixed.message).toContain('mixed.csv line 4: label "cat" is text but the label on line 2 ("2") is a number');
    const textFirst = await caught(() => parseCsvDataset('x,label\n1,cat\n2,dog\n3,7\n'));
    expect(textFirst).toMatchObject({ code: 'LABELS_MIXED', line: 4 });
    expect(textFirst.message).toMatch(/"7" is a number but the label on line 2 \("cat"\) is text/);
  });

  it('refuses NaN, Infinity, 1e999 and hexadecimal features alike, naming line and column', async () => {
    const cases: Array<[string, RegExp]> = [
      ['NaN', /"NaN" is not a number/],
      ['Infinity', /"Infinity" is not a finite float32 number/],
      ['-Infinity', /"-Infinity" is not a finite float32 number/],
      ['1e999', /"1e999" is not a finite float32 number/],
      ['1e39', /"1e39" is not a finite float32 number/],
      ['0x10', /"0x10" is not a decimal number/],
      ['0b11', /"0b11" is not a decimal number/],
      ['0o7', /"0o7" is not a decimal number/],
    ];
    for (const [cell, message] of cases) {
      const error = await caught(() => parseCsvDataset(`a,b,label\n1,2,0\n3,${cell},1\n`, { source: 'values.csv' }));
      expect(error).toMatchObject({ code: 'CSV_INVALID', file: 'values.csv', line: 3, sampleIndex: 1 });
      expect(error.message).toMatch(message);
      expect(error.message).toContain("line 3, column 'b'");
    }
    // Every decimal form is still read, exactly as Number reads it.
    const decimals = await parseCsvDataset('a,label\n-1.5e-3,0\n+.25,1\n7.,0\n');
    expect(Array.from(decimals.features)).toEqual(Array.from(Float32Array.of(-1.5e-3, 0.25, 7)));
  });
});

describe('readCsvDataset reads as it streams (issue 15, finding 11)', () => {
  it('loads an 8 MB file with memory near its output arrays, inside a 96 MB JavaScript heap', async () => {
    const file = path.join(scratch, 'large.csv');
    const written = await writeNumericCsv(file, { bytes: 8e6, columns: 784, seed: 3 });
    const load = await measureCsvLoad(file, { maxOldSpaceMb: 96 });
    const outputBytes = written.rows * (784 * 4 + 4);
    console.log(
      `8 MB CSV: ${written.rows} rows, output ${(outputBytes / 2 ** 20).toFixed(1)} MiB, RSS growth ${(load.rssGrowth / 2 ** 20).toFixed(1)} MiB ` +
        `(${(load.rssGrowth / written.bytes).toFixed(2)} bytes per file byte; the whole-file reader took ~37)`,
    );
    expect(load.rows).toBe(written.rows);
    expect(load.checksum).toBe(written.checksum);
    // Output arrays, their chunks while copying, csv-parse and its buffers: under 3x the output plus 32 MiB
    // (the whole-file reader needed ~37 bytes per file byte, 280 MiB here).
    expect(load.rssGrowth).toBeLessThan(3 * outputBytes + 32 * 2 ** 20);
  });
});
