import { describe, expect, it } from 'vitest';
import { parseMonConfig } from '../../src/core/mon/config-reader.js';
import { dependNames, monDependencies } from '../../src/core/mon/depends.js';
import { generatedMonDepends } from '../../src/ingest/normalize/mon-depends.js';
import { EXAMPLE, loadOk } from './inventory-edit.js';
import { configCase } from './mon-fixtures.js';

describe("mon's depend lines", () => {
  it('names each GROUP:SERVICE of the expression once, SELF: as the watch group', () => {
    expect(dependNames('SELF:ping', 'web-2')).toEqual(['web-2:ping']);
    expect(dependNames('(routers:ping && SELF:ping) || !dns-1.example:dns', 'web')).toEqual([
      'routers:ping',
      'web:ping',
      'dns-1.example:dns',
    ]);
    expect(dependNames('web:ping && web:ping', 'web')).toEqual(['web:ping']);
  });

  it("reads a mon.cf's depend lines as mon itself resolves them (its `get … depend` answer)", () => {
    const read = parseMonConfig(configCase('comments-and-continuations'));
    if (!read.ok) throw new Error(read.error.message);
    // mon answered `web ping depend='web:http'` for this file; http has no depend line.
    expect(monDependencies(read.value.config)).toEqual(new Map([['web:ping', ['web:http']]]));
  });

  it("gives the ingest the generated mon.cf's: each real server's check depends on its ping", () => {
    const inventory = loadOk(EXAMPLE);
    const depends = generatedMonDepends(() => inventory);
    expect(depends('seed', 'web-2', 'http')).toEqual(['web-2:ping']);
    expect(depends('seed', 'web-2', 'ping')).toEqual([]);
    expect(depends('seed', 'web', 'http')).toEqual([]);
    expect(depends('other', 'web-2', 'http')).toEqual([]);
  });
});
