import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabError } from './lab-error.js';
import type { DirectorPlan, LabHostName, LabPlan, RealServerPlan } from './lab-plan.js';
import {
  type HeartbeatIds,
  renderAuthkeys,
  renderDirectorEnv,
  renderDirectorFstab,
  renderHaCf,
  renderHaresources,
  renderIpvsRules,
  renderLvsDirectorConf,
} from './render/director-files.js';
import { renderLabInventory } from './render/lab-inventory.js';
import { renderMonCf } from './render/mon-cf.js';
import { renderSshdConfig } from './render/sshd-config.js';
import { runCommand } from './run-command.js';
import { umlKernel } from './uml-kernel.js';

/** The repository's lab/ folder (scripts run inside the lab), from src/lab or dist/src/lab. */
export function labScriptsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'lab', 'director-init.sh'))) return join(dir, 'lab');
    dir = dirname(dir);
  }
  throw new LabError(
    'LAB_MISSING_TOOL',
    'cannot find the lab/ scripts next to lvs-chatops (lab/director-init.sh); reinstall the package',
  );
}

function idOf(file: string, name: string): number {
  const line = readFileSync(file, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  const id = line?.split(':')[2];
  if (id === undefined) {
    throw new LabError(
      'LAB_MISSING_TOOL',
      `no '${name}' in ${file}; install heartbeat (scripts/install-deps.sh)`,
    );
  }
  return Number(id);
}

export function heartbeatIds(): HeartbeatIds {
  return {
    hacluster: idOf('/etc/passwd', 'hacluster'),
    haclient: idOf('/etc/group', 'haclient'),
  };
}

function write(file: string, text: string, mode = 0o644): void {
  writeFileSync(file, text, { mode });
  chmodSync(file, mode);
}

function dir(path: string, mode = 0o700): void {
  mkdirSync(path, { recursive: true, mode });
  chmodSync(path, mode);
}

async function keygen(file: string, comment: string): Promise<string> {
  await runCommand('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
  // "ssh-ed25519 AAAA… comment" → the pin is type and key, without the comment.
  return readFileSync(`${file}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
}

/** The lab's directories, keys and every config file; returns the host keys to pin. */
export async function writeLabFiles(plan: LabPlan): Promise<Record<LabHostName, string>> {
  const p = plan.paths;
  for (const d of [p.keyDir, p.binDir, p.umlDir, dirname(p.alertDir), p.alertDir]) dir(d);
  dir(p.logDir, 0o755);
  const scripts = labScriptsDir();
  for (const [from, to] of [
    ['director-init.sh', 'director-init'],
    ['director-ctl', 'director-ctl'],
    ['modprobe', 'modprobe'],
    ['real-server-sshd', 'real-server-sshd'],
  ] as const) {
    copyFileSync(join(scripts, from), join(p.binDir, to));
    chmodSync(join(p.binDir, to), 0o755);
  }
  const kernel = umlKernel();
  dir(join(p.moduleRoot, 'lib', 'modules'), 0o755);
  symlinkSync(join(kernel.modulesRoot, kernel.version), join(p.moduleRoot, 'lib', 'modules', kernel.version));
  const alertScripts = [
    join(scripts, 'mon', 'lab.alert'),
    ...(plan.options.monAlert ? [plan.options.monAlert] : []),
  ];
  for (const script of alertScripts) {
    if (!existsSync(script))
      throw new LabError('LAB_BAD_OPTION', `the mon alert script ${script} does not exist`);
    copyFileSync(script, join(p.alertDir, basename(script)));
    chmodSync(join(p.alertDir, basename(script)), 0o755);
  }

  const hosts: { name: LabHostName; dir: string }[] = [...plan.directors, ...plan.realServers];
  for (const h of hosts) dir(h.dir);
  const [clientPub, ...hostPins] = await Promise.all([
    keygen(p.clientKey, `lvs-chatops-lab-${plan.prefix}`),
    ...hosts.map((h) => keygen(join(h.dir, 'ssh_host_ed25519_key'), `${h.name}.${plan.prefix}.lab`)),
  ]);
  write(p.authorizedKeys, `${clientPub}\n`, 0o600);
  const hostKeys = Object.fromEntries(hosts.map((h, i) => [h.name, hostPins[i]!])) as Record<
    LabHostName,
    string
  >;
  const addressOf = (name: LabHostName) =>
    plan.directors.find((d) => d.name === name)?.frontAddress ??
    plan.realServers.find((r) => r.name === name)!.address;
  write(p.knownHosts, hosts.map((h) => `${addressOf(h.name)} ${hostKeys[h.name]}\n`).join(''), 0o600);

  const ids = heartbeatIds();
  const secret = randomBytes(16).toString('hex');
  await Promise.all(plan.directors.map((d) => writeDirectorFiles(plan, d, ids, secret)));
  for (const r of plan.realServers) writeRealServerFiles(plan, r);
  write(p.inventory, renderLabInventory(plan, hostKeys), 0o644);
  return hostKeys;
}

async function writeDirectorFiles(
  plan: LabPlan,
  d: DirectorPlan,
  ids: HeartbeatIds,
  secret: string,
): Promise<void> {
  const scripts = labScriptsDir();
  dir(join(d.dir, 'log'), 0o755);
  dir(join(d.dir, 'spool'), 0o700);
  write(join(d.dir, 'director.env'), renderDirectorEnv(plan, d));
  write(join(d.dir, 'fstab'), renderDirectorFstab(plan, d, ids));
  write(
    join(d.dir, 'sshd_config'),
    renderSshdConfig({
      hostKey: join(d.dir, 'ssh_host_ed25519_key'),
      authorizedKeys: plan.paths.authorizedKeys,
      pidFile: '/run/sshd.pid',
    }),
  );

  // /etc/ha.d: the package's own (harc, rc.d, shellfuncs, resource.d), plus the lab's cluster.
  await runCommand('cp', ['-a', '/etc/ha.d', join(d.dir, 'ha.d')]);
  const ha = join(d.dir, 'ha.d');
  if (!plan.options.bare) {
    write(join(ha, 'ha.cf'), renderHaCf(plan, d));
    write(join(ha, 'haresources'), renderHaresources(plan));
    write(join(ha, 'authkeys'), renderAuthkeys(secret), 0o600);
    write(join(ha, 'lvs-director.conf'), renderLvsDirectorConf(plan, d));
    write(join(ha, 'ipvsadm.rules'), renderIpvsRules(plan));
  }
  // Offered to a bare lab's guided build too: the stock IPaddr2 takes 5-12 s per call under UML.
  copyFileSync(join(scripts, 'resource.d', 'lvs-director'), join(ha, 'resource.d', 'lvs-director'));
  chmodSync(join(ha, 'resource.d', 'lvs-director'), 0o755);

  // /etc/mon: the package's auth.cf, plus the lab's mon.cf. The bot acks, disables and enables
  // over mon's client port without a login here (the lab inventory names no mon user), so
  // those three are open to every client; a site logs in with the inventory's mon.user instead.
  dir(join(d.dir, 'mon'), 0o755);
  write(
    join(d.dir, 'mon', 'auth.cf'),
    readFileSync('/etc/mon/auth.cf', 'utf8').replace(/^(ack|disable|enable):\s+AUTH_ANY$/gm, '$1:\t\tall'),
  );
  if (!plan.options.bare) write(join(d.dir, 'mon', 'mon.cf'), renderMonCf(plan, d));

  // The fileset: an ext2 image with a page naming its director, loop-mounted at boot.
  const content = join(d.dir, 'fileset-content');
  dir(content, 0o755);
  write(join(content, 'index.html'), `fileset ${plan.fileset.name} on ${d.name}\n`);
  dir(join(d.dir, 'images'), 0o755);
  await runCommand('mke2fs', [
    '-q',
    '-F',
    '-t',
    plan.fileset.type,
    '-L',
    plan.fileset.name,
    '-d',
    content,
    join(d.dir, 'images', basename(plan.fileset.image)),
    '8M',
  ]);
}

function writeRealServerFiles(plan: LabPlan, r: RealServerPlan): void {
  write(
    join(r.dir, 'sshd_config'),
    renderSshdConfig({
      hostKey: join(r.dir, 'ssh_host_ed25519_key'),
      authorizedKeys: plan.paths.authorizedKeys,
      pidFile: 'none',
    }),
  );
  dir(join(r.dir, 'www'), 0o755);
  write(join(r.dir, 'www', 'index.html'), `${r.name}\n`);
}
