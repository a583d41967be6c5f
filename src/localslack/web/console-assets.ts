import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';

/** The page's files: plain HTML, CSS and browser JavaScript, served as they are (no build step). */
const ASSETS: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'blocks.js': 'text/javascript; charset=utf-8',
  'mrkdwn.js': 'text/javascript; charset=utf-8',
  'emoji.js': 'text/javascript; charset=utf-8',
  'dom.js': 'text/javascript; charset=utf-8',
};

/**
 * Where the files are: beside this module when it runs from src/ (tests), or back in the
 * package's src/ when it runs compiled from dist/ (tsc copies no assets).
 */
function assetDir(): string {
  const candidates = [
    new URL('./assets/', import.meta.url),
    new URL('../../../../src/localslack/web/assets/', import.meta.url),
  ];
  for (const url of candidates) {
    const dir = fileURLToPath(url);
    if (existsSync(`${dir}index.html`)) return dir;
  }
  throw new Error(
    `the console's page files are missing (looked in ${candidates.map((u) => fileURLToPath(u)).join(' and ')}); reinstall lvs-chatops`,
  );
}

/** Answers one of the page's files; anything not in the list is a 404, so no path ever reaches the disk. */
export async function sendAsset(res: ServerResponse, name: string): Promise<void> {
  const type = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
  if (!type) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found');
    return;
  }
  const body = await readFile(`${assetDir()}${name}`);
  res.writeHead(200, {
    'content-type': type,
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    ...(name === 'index.html'
      ? {
          'content-security-policy':
            "default-src 'self'; img-src 'self' data: http: https:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
        }
      : {}),
  });
  res.end(body);
}

/** Fails at start-up rather than on the first page load when the files cannot be found. */
export function checkAssets(): void {
  assetDir();
}
