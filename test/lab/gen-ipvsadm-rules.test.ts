import { afterAll, describe, expect, inject, it } from 'vitest';
import { generate, inventoryIpvsTable } from '../../src/build/generate/index.js';
import { loadInventory } from '../../src/config/load-inventory.js';
import { sshTargetFor } from '../../src/config/lookup.js';
import { canonicalIpvsConfig, parseIpvsSave } from '../../src/core/ipvs/index.js';
import { SshExecutor } from '../../src/ssh/index.js';

const lab = inject('lab');
const ssh = new SshExecutor();
afterAll(() => ssh.close());

/**
 * `ipvsadm -R` on a lab director (a real kernel with IPVS) loads the rules file `gen
 * ipvsadm-rules` writes. It runs in a network namespace of its own on lb2 (IPVS tables are
 * per namespace), so the lab's table is never touched.
 */
describe('gen ipvsadm-rules on a lab director', () => {
  it('is accepted by ipvsadm -R, and ipvsadm -S -n gives back the inventory table', async () => {
    const loaded = await loadInventory(lab.inventory);
    if (!loaded.ok) throw new Error('the lab inventory does not load');
    const cluster = loaded.value.clusters[0]!;
    const rules = generate('ipvsadm-rules', cluster);
    if (!rules.ok) throw rules.error;
    const target = sshTargetFor(loaded.value, 'lab', 'lb2');
    if (!target.ok) throw target.error;
    // IPVS refuses a real server the namespace has no route to (EINVAL): a default route over lo.
    const script = 'ip link set lo up && ip route add default dev lo && ipvsadm -R && ipvsadm -S -n';
    const r = await ssh.run(target.value, ['unshare', '--net', 'sh', '-c', script], {
      stdin: rules.value[0]!.text,
    });
    expect(r.stderr).toBe('');
    const back = parseIpvsSave(r.stdout);
    expect(back.ok).toBe(true);
    if (!back.ok) return;
    expect(back.value.services).toHaveLength(1);
    expect(back.value.services[0]!.realServers).toHaveLength(3);
    expect(canonicalIpvsConfig(back.value)).toBe(canonicalIpvsConfig(inventoryIpvsTable(cluster)));
  });
});
