import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { readIngestTokens } from '../../src/config/ingest-tokens.js';
import type { Inventory } from '../../src/config/inventory.js';
import { formatInventoryError } from '../../src/config/inventory-error.js';
import { EXAMPLE, errorsOf, expectError, loadOk } from './inventory-edit.js';

// Each test edits one thing in the two-cluster fixture with ingest tokens and checks what an
// operator is told: `path.to.key: message`, and never the secret itself.

const FIXTURE = await readFile(
  new URL('../fixtures/inventory/two-clusters-ingest-tokens.yml', import.meta.url),
  'utf8',
);
const LAB_TOKENS = ['clusters', 0, 'ingest', 'tokens'];
const PROD_TOKENS = ['clusters', 1, 'ingest', 'tokens'];

function edited(...edits: [(string | number)[], unknown][]): string {
  const doc = parseDocument(FIXTURE);
  for (const [path, value] of edits) doc.setIn(path, doc.createNode(value));
  return String(doc);
}

const vars = {
  INGEST_TOKEN_LAB_LB1: 'lab-lb1-token-from-env-71c0d4',
  INGEST_TOKEN_PROD_DIRECTORS: 'prod-directors-token-from-env-09ab5e',
};

describe('inventory: clusters[].ingest.tokens', () => {
  it('reads the fixture: each token speaks for its cluster, and for its hosts when it lists them', () => {
    const inventory = loadOk(FIXTURE);
    expect(inventory.clusters.map((c) => c.ingest)).toEqual([
      {
        tokens: [
          { name: 'monitoring', token: 'lab-monitoring-token-3f9a1c' },
          { name: 'lb1', tokenEnv: 'INGEST_TOKEN_LAB_LB1', hosts: ['lb1'] },
          { name: 'web-1', token: 'lab-web-1-token-8d2e7b', hosts: ['web-1'] },
        ],
      },
      { tokens: [{ name: 'directors', tokenEnv: 'INGEST_TOKEN_PROD_DIRECTORS', hosts: ['plb1', 'plb2'] }] },
    ]);
  });

  it('refuses one token given to two clusters, naming where it was first, never the token', () => {
    const errors = errorsOf(
      edited([[...PROD_TOKENS, 1], { name: 'copied', token: 'lab-monitoring-token-3f9a1c' }]),
    );
    expectError(
      errors,
      'clusters.1.ingest.tokens.1.token',
      /the same token as clusters\.0\.ingest\.tokens\.0/,
    );
    for (const e of errors) expect(formatInventoryError(e)).not.toContain('lab-monitoring-token-3f9a1c');
  });

  it('refuses one file or one variable named by two tokens', () => {
    const errors = errorsOf(
      edited([[...PROD_TOKENS, 1], { name: 'again', tokenEnv: 'INGEST_TOKEN_LAB_LB1', hosts: ['plb1'] }]),
    );
    expectError(
      errors,
      'clusters.1.ingest.tokens.1.tokenEnv',
      /the same variable as clusters\.0\.ingest\.tokens\.1/,
    );
  });

  it('refuses a host that is not a director or real server of the cluster, naming the hosts it has', () => {
    const errors = errorsOf(
      edited([
        [...LAB_TOKENS, 2, 'hosts'],
        ['web-1', 'shop-1'],
      ]),
    );
    expectError(
      errors,
      'clusters.0.ingest.tokens.2.hosts.1',
      /'shop-1' is not a director or real server of cluster lab; known: lb1, lb2, web-1, web-2, web-3/,
    );
  });

  it('refuses two tokens of one name in a cluster', () => {
    const errors = errorsOf(edited([[...LAB_TOKENS, 2, 'name'], 'lb1']));
    expectError(
      errors,
      'clusters.0.ingest.tokens.2.name',
      /'lb1' is already the name of clusters\.0\.ingest\.tokens\.1/,
    );
  });

  it('refuses a token given two ways or none, a short token, and a variable not named INGEST_TOKEN_…', () => {
    const errors = errorsOf(
      edited(
        [[...LAB_TOKENS, 0, 'tokenFile'], '/etc/lvs-chatops/lab.token'],
        [[...LAB_TOKENS, 2, 'token'], 'short'],
        [[...PROD_TOKENS, 0, 'tokenEnv'], 'PROD_TOKEN'],
      ),
    );
    expectError(errors, 'clusters.0.ingest.tokens.0', /exactly one of token, tokenFile or tokenEnv/);
    expectError(
      errors,
      'clusters.0.ingest.tokens.2.token',
      /at least 16 characters; make one with openssl rand -hex 32/,
    );
    expectError(errors, 'clusters.1.ingest.tokens.0.tokenEnv', /INGEST_TOKEN_/);
  });
});

describe('examples/inventory.yml', () => {
  it('shows an ingest section that is valid once uncommented', () => {
    const block = EXAMPLE.slice(EXAMPLE.indexOf('    # ingest:\n'))
      .split('\n')
      .filter((l) => l.startsWith('    # '))
      .map((l) => `    ${l.slice(6)}`);
    expect(block[0]).toBe('    ingest:');
    const inventory = loadOk(`${EXAMPLE.trimEnd()}\n${block.join('\n')}\n`);
    expect(inventory.clusters[0]?.ingest?.tokens.map((t) => t.name)).toEqual(['directors', 'mon']);
  });
});

describe('readIngestTokens: the secrets, read when the bot starts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ingest-tokens-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function withFile(path: string): Inventory {
    return loadOk(edited([[...LAB_TOKENS, 0], { name: 'monitoring', tokenFile: path }]));
  }

  it('reads a token file (without its newline) and the variables, beside INGEST_TOKEN', () => {
    const file = join(dir, 'lab-monitoring.token');
    writeFileSync(file, 'lab-monitoring-from-file-4e1f02\n');
    const read = readIngestTokens(withFile(file), { shared: 'the-shared-ingest-token', vars });
    expect(read.ok && read.value.map((t) => [t.sender, t.secret])).toEqual([
      [{ name: 'INGEST_TOKEN' }, 'the-shared-ingest-token'],
      [{ name: 'lab/monitoring', cluster: 'lab' }, 'lab-monitoring-from-file-4e1f02'],
      [{ name: 'lab/lb1', cluster: 'lab', hosts: ['lb1'] }, vars.INGEST_TOKEN_LAB_LB1],
      [{ name: 'lab/web-1', cluster: 'lab', hosts: ['web-1'] }, 'lab-web-1-token-8d2e7b'],
      [
        { name: 'prod/directors', cluster: 'prod', hosts: ['plb1', 'plb2'] },
        vars.INGEST_TOKEN_PROD_DIRECTORS,
      ],
    ]);
  });

  it('names the key of a missing file, an unset variable, and a token equal to another one', () => {
    const missing = join(dir, 'nowhere.token');
    const read = readIngestTokens(withFile(missing), {
      shared: vars.INGEST_TOKEN_LAB_LB1,
      vars: { INGEST_TOKEN_LAB_LB1: vars.INGEST_TOKEN_LAB_LB1 },
    });
    expect(read.ok).toBe(false);
    const lines = read.ok ? [] : read.error.map(formatInventoryError);
    expect(lines).toEqual([
      `clusters.0.ingest.tokens.0.tokenFile: ${missing}: no such file; write the token there (openssl rand -hex 32 > ${missing})`,
      'clusters.0.ingest.tokens.1.tokenEnv: the same token as INGEST_TOKEN; each token speaks for one sender: give this one its own (openssl rand -hex 32)',
      "clusters.1.ingest.tokens.0.tokenEnv: INGEST_TOKEN_PROD_DIRECTORS is not set; set it in the bot's environment",
    ]);
    expect(lines.join('\n')).not.toContain(vars.INGEST_TOKEN_LAB_LB1);
  });

  it('refuses a token file that holds too little to be a secret', () => {
    const file = join(dir, 'empty.token');
    writeFileSync(file, '\n');
    const read = readIngestTokens(withFile(file), { vars });
    expect(read.ok ? [] : read.error.map(formatInventoryError)).toEqual([
      'clusters.0.ingest.tokens.0.tokenFile: the token is shorter than 16 characters or holds a space; make one with openssl rand -hex 32',
    ]);
  });

  it('asks for INGEST_TOKEN when neither it nor the inventory gives a token', () => {
    const noTokens = loadOk(FIXTURE.replace(/\n {4}ingest:\n( {6}.*\n|\s*#.*\n)*/g, '\n'));
    expect(noTokens.clusters.every((c) => c.ingest === undefined)).toBe(true);
    const read = readIngestTokens(noTokens, { vars: {} });
    expect(read.ok ? '' : read.error[0]?.message).toMatch(
      /^INGEST_TOKEN is not set and no cluster lists ingest\.tokens/,
    );
  });
});
