import { beforeAll, inject } from 'vitest';
import { labStatus } from '../../src/lab/index.js';
import { curlVip, eventually } from './lab-client.js';

/**
 * Each lab test file starts from the lab as `lab up` leaves it: lb1 active and the VIP serving
 * the client. A file before it that failed over and back may have ended while the client's ARP
 * entry for the VIP still named lb2, or lb1 was still taking its resources back; the first
 * request of the next file then failed through no fault of its own.
 */
beforeAll(async () => {
  const lab = inject('lab');
  await eventually(
    'the lab to settle: lb1 active and the VIP serving the client',
    async () => {
      if ((await labStatus(lab.stateDir)).active !== 'lb1') return undefined;
      for (let i = 0; i < 3; i++) if ((await curlVip(lab)) === undefined) return undefined;
      return true;
    },
    90_000,
  );
}, 120_000);
