// dist/sdetkit.js: `node dist/sdetkit.js ...` keeps working; it runs the same
// CommonJS entry as bin/sdetkit (which also starts faster, see README).
import { createRequire } from 'node:module';

createRequire(import.meta.url)('./sdetkit.cjs');
