/**
 * The static assets under `/assets/`: the stylesheet and script the package carries, and
 * Chart.js's browser build, read from its npm package at run time. Nothing comes from a CDN:
 * the console works offline.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Hono } from 'hono';
import { consoleScript } from './asset-script';
import { consoleStyles, faviconSvg } from './asset-styles';
import type { ConsoleEnv } from './auth';

/** The URL of asset `name` under the console's base path. */
export const assetPath = (basePath: string, name: string) => `${basePath}/assets/${name}`;

/** Chart.js's UMD build, beside the entry point its package exports (the file itself is not exported). */
function readChartJs(): string {
  const entry = require.resolve('chart.js');
  return readFileSync(path.join(path.dirname(entry), 'chart.umd.min.js'), 'utf8');
}

/** Adds `/assets/*`. */
export function addAssetRoutes(app: Hono<ConsoleEnv>): void {
  let chartJs: string | undefined;
  const assets: Record<string, { type: string; body: () => string }> = {
    'console.css': { type: 'text/css; charset=utf-8', body: () => consoleStyles },
    'console.js': { type: 'text/javascript; charset=utf-8', body: () => consoleScript },
    'chart.umd.min.js': { type: 'text/javascript; charset=utf-8', body: () => (chartJs ??= readChartJs()) },
    'favicon.svg': { type: 'image/svg+xml', body: () => faviconSvg },
  };
  app.get('/assets/:name', (c) => {
    const asset = Object.hasOwn(assets, c.req.param('name')) ? assets[c.req.param('name')] : undefined;
    if (!asset) return c.notFound();
    // Short: a new version of the package should reach open browsers soon.
    return c.body(asset.body(), 200, { 'Content-Type': asset.type, 'Cache-Control': 'public, max-age=300' });
  });
}
