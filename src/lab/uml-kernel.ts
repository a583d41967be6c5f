import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { LabError } from './lab-error.js';

/**
 * Where the directors' kernel comes from. Debian 12's user-mode-linux (6.1) cannot run on a host
 * whose CPU has a large XSAVE area (AVX-512, AMX): its fixed-size FP register buffer makes the
 * host refuse PTRACE_SETREGSET (EFAULT) and init dies at once ("ptrace set fp regs failed,
 * errno = 14"). On such a host scripts/install-uml.sh installs a newer Debian user-mode-linux,
 * which sizes that buffer from the CPU, under this directory; the lab prefers it when present.
 */
export const LOCAL_UML_DIR = '/usr/local/lib/lvs-chatops/uml';

export interface UmlKernel {
  /** The kernel binary (linux.uml). */
  binary: string;
  /** The directory holding the kernel's module tree, one directory per version. */
  modulesRoot: string;
  /** The kernel's version: the one directory under modulesRoot. */
  version: string;
}

export function umlKernel(): UmlKernel {
  const local = join(LOCAL_UML_DIR, 'linux.uml');
  const [binary, modulesRoot] = existsSync(local)
    ? [local, join(LOCAL_UML_DIR, 'modules')]
    : ['/usr/bin/linux.uml', '/usr/lib/uml/modules'];
  const versions = existsSync(modulesRoot) ? readdirSync(modulesRoot) : [];
  if (versions.length !== 1) {
    throw new LabError(
      'LAB_MISSING_TOOL',
      `expected one kernel under ${modulesRoot}, found ${versions.length === 0 ? 'none' : versions.join(', ')}; install user-mode-linux (scripts/install-deps.sh)`,
    );
  }
  return { binary, modulesRoot, version: versions[0]! };
}
