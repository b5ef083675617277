import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const cache = new Map<string, string>();

/** A file of an installed package, read once (the charting library is served from node_modules: nothing is fetched from elsewhere). */
function packageFile(specifier: string): string {
  let text = cache.get(specifier);
  if (text === undefined) cache.set(specifier, (text = readFileSync(require.resolve(specifier), 'utf8')));
  return text;
}

/** Something the dashboard serves at a path: its content type and body. */
export interface DashboardAsset {
  type: string;
  body: () => string;
}

/** uPlot's browser build and style sheet, at `/vendor/uplot.js` and `/vendor/uplot.css`. */
export const VENDOR_ASSETS: Record<string, DashboardAsset> = {
  '/vendor/uplot.js': { type: 'text/javascript; charset=utf-8', body: () => packageFile('uplot/dist/uPlot.iife.min.js') },
  '/vendor/uplot.css': { type: 'text/css; charset=utf-8', body: () => packageFile('uplot/dist/uPlot.min.css') },
};
