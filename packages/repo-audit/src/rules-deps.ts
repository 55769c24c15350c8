import path from 'node:path';
import type { RuleHit, RuleInfo, ScannedFile } from './rule.js';

export const DEPS_RULES: RuleInfo[] = [
  {
    id: 'deps.missing-lockfile',
    pack: 'deps',
    title: 'Manifest without a lockfile',
    description: 'A dependency manifest has no lockfile, so installs are not reproducible.',
    severity: 'warn',
    tags: ['dependencies', 'supply-chain'],
    remediation:
      'Commit the lockfile your package manager writes (package-lock.json, pnpm-lock.yaml, yarn.lock, go.sum, Cargo.lock, poetry.lock, Pipfile.lock).',
  },
  {
    id: 'deps.lockfile-outdated',
    pack: 'deps',
    title: 'Lockfile out of date',
    description: 'A dependency declared in the manifest does not appear in its lockfile.',
    severity: 'warn',
    tags: ['dependencies', 'supply-chain'],
    remediation:
      'Run the package manager install (npm install, pnpm install, go mod tidy, ...) and commit the updated lockfile.',
  },
];

const NODE_LOCKS = [
  'package-lock.json',
  'npm-shrinkwrap.json',
  'pnpm-lock.yaml',
  'yarn.lock',
  'bun.lockb',
  'bun.lock',
];

/** The nearest lockfile at or above the manifest's folder (workspaces keep one at the root). */
function findLock(byPath: Map<string, ScannedFile>, dir: string, names: string[]): ScannedFile | undefined {
  for (let current = dir; ; current = path.posix.dirname(current)) {
    for (const name of names) {
      const candidate = byPath.get(current === '.' || current === '' ? name : `${current}/${name}`);
      if (candidate) return candidate;
    }
    if (current === '.' || current === '' || current === '/') return undefined;
  }
}

function lineOf(text: string, needle: string): number {
  const index = text.indexOf(needle);
  return index === -1 ? 1 : text.slice(0, index).split('\n').length;
}

export function checkDeps(files: readonly ScannedFile[], enabled: (id: string) => boolean): RuleHit[] {
  const byPath = new Map(files.map((f) => [f.path, f]));
  const hits: RuleHit[] = [];
  const missing = (file: ScannedFile, expected: string) => {
    if (enabled('deps.missing-lockfile')) {
      hits.push({
        rule: 'deps.missing-lockfile',
        path: file.path,
        line: 1,
        column: 1,
        message: `${file.path} has no ${expected}`,
        context: expected,
      });
    }
  };
  const outdated = (file: ScannedFile, name: string, lock: ScannedFile) => {
    if (enabled('deps.lockfile-outdated')) {
      const line = lineOf(file.text ?? '', `"${name}"`);
      hits.push({
        rule: 'deps.lockfile-outdated',
        path: file.path,
        line,
        column: 1,
        message: `${name} is not in ${lock.path}`,
        context: name,
      });
    }
  };
  for (const file of files) {
    const dir = path.posix.dirname(file.path);
    const base = path.posix.basename(file.path);
    if (base === 'package.json' && file.text !== undefined) {
      let manifest: Record<string, unknown>;
      try {
        manifest = JSON.parse(file.text) as Record<string, unknown>;
      } catch {
        continue;
      }
      const deps = ['dependencies', 'devDependencies', 'optionalDependencies'].flatMap((k) =>
        Object.keys((manifest[k] as Record<string, string> | undefined) ?? {}),
      );
      if (deps.length === 0) continue;
      const lock = findLock(byPath, dir, NODE_LOCKS);
      if (!lock) {
        missing(file, 'lockfile (package-lock.json, pnpm-lock.yaml or yarn.lock)');
        continue;
      }
      if (lock.text === undefined) continue;
      for (const name of deps.sort()) {
        const quoted =
          lock.text.includes(`"${name}"`) ||
          lock.text.includes(`'${name}'`) ||
          lock.text.includes(`${name}@`);
        const keyed = new RegExp(`(^|\\s|/)${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:`, 'm').test(
          lock.text,
        );
        if (!quoted && !keyed) outdated(file, name, lock);
      }
    } else if (base === 'go.mod' && file.text !== undefined) {
      const sum = byPath.get(dir === '.' ? 'go.sum' : `${dir}/go.sum`);
      const requires = [
        ...file.text.matchAll(/^\s*(?:require\s+)?([a-z0-9.-]+\.[a-z]{2,}\/[^\s]+)\s+(v[^\s]+)/gm),
      ];
      if (requires.length === 0) continue;
      if (!sum) {
        missing(file, 'go.sum');
        continue;
      }
      for (const [, module, version] of requires) {
        if (sum.text !== undefined && !sum.text.includes(`${module} ${version}`))
          outdated(file, `${module}@${version}`, sum);
      }
    } else if (base === 'Cargo.toml' && file.text !== undefined && /^\[dependencies\]/m.test(file.text)) {
      if (!findLock(byPath, dir, ['Cargo.lock'])) missing(file, 'Cargo.lock');
    } else if (base === 'Pipfile') {
      if (!byPath.has(dir === '.' ? 'Pipfile.lock' : `${dir}/Pipfile.lock`)) missing(file, 'Pipfile.lock');
    } else if (base === 'pyproject.toml' && file.text !== undefined && /^\[tool\.poetry\]/m.test(file.text)) {
      if (!byPath.has(dir === '.' ? 'poetry.lock' : `${dir}/poetry.lock`)) missing(file, 'poetry.lock');
    }
  }
  return hits;
}
