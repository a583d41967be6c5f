import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DemoError } from './demo-error.js';

/**
 * The lvs-chatops package's own directory (where contrib/ and examples/ are), found from this
 * module whether it runs from src/ or compiled in dist/.
 */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'lvs-chatops')
          return dir;
      } catch {
        // Not ours; keep looking upwards.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) {
      throw new DemoError(
        'DEMO_FILES_MISSING',
        "cannot find lvs-chatops' own files (package.json); reinstall it",
      );
    }
    dir = parent;
  }
}
