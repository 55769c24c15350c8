// Ships the template catalog inside the CLI: dist/catalog/{automations,reports}.
import { cpSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(new URL('../../../templates/', import.meta.url));
const target = fileURLToPath(new URL('../dist/catalog/', import.meta.url));
rmSync(target, { recursive: true, force: true });
for (const dir of ['automations', 'reports'])
  cpSync(`${source}${dir}`, `${target}${dir}`, { recursive: true });
