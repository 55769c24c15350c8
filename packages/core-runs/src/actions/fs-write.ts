import { z } from 'zod';
import { defineAction } from '../action-registry.js';
import { writeFileAtomic } from '../atomic-write.js';
import { sha256Hex } from '../canonical-json.js';

export const fsWriteAction = defineAction({
  id: 'fs.write',
  description:
    'Write a UTF-8 text file atomically (temp file + fsync + rename). Allowed only under safety.write_allowlist; outside .sdetkit/agent/workdir it needs approval.',
  input: z.strictObject({
    path: z.string().min(1),
    content: z.string(),
  }),
  examples: [{ path: '.sdetkit/agent/workdir/a.txt', content: 'x' }],
  policy: (params) => [{ kind: 'write', path: params.path }],
  summarize: (params) => `write ${Buffer.byteLength(params.content)} bytes to ${params.path}`,
  async handler(params, ctx) {
    const absolute = await ctx.resolvePath(params.path);
    const data = Buffer.from(params.content, 'utf8');
    await writeFileAtomic(absolute, data);
    return {
      ok: true,
      payload: { path: params.path, bytes: data.length, sha256: sha256Hex(data) },
      artifacts: [params.path],
    };
  },
});
