import { describe, expect, it } from 'vitest';
import { normalisePath } from '../../src/ingest/route-guard.js';

// What the front door says a refused spelling meant: the path as a resolving router reads it.

describe('normalisePath', () => {
  it.each([
    ['/slack/events', '/slack/events'],
    ['/x/../slack/events', '/slack/events'],
    ['/slack/%2e/events', '/slack/events'],
    ['/slack/%2E%2E/slack/events', '/slack/events'],
    ['/slack/./events', '/slack/events'],
    ['//slack/events', '/slack/events'],
    ['/slack//events/', '/slack/events'],
    ['/slack\\events', '/slack/events'],
    ['/slack/%65vents', '/slack/events'],
    ['/../../slack/events', '/slack/events'],
  ])('reads %s as %s', (path, meant) => {
    expect(normalisePath(path)).toBe(meant);
  });

  it('keeps an encoded slash or reserved character encoded: it is not a separator', () => {
    expect(normalisePath('/slack%2Fevents')).toBe('/slack%2Fevents');
    expect(normalisePath('/slack%2fevents')).toBe('/slack%2Fevents');
    expect(normalisePath('/hooks/mon%3F')).toBe('/hooks/mon%3F');
  });

  it('keeps case: /Slack/Events is another path', () => {
    expect(normalisePath('/Slack/Events')).toBe('/Slack/Events');
  });
});
