import { open } from 'node:fs/promises';
import { z } from 'zod';
import { defineAction } from '../action-registry.js';
import { sha256Hex } from '../canonical-json.js';

const MAX_READ_BYTES = 1024 * 1024;

export const fsReadAction = defineAction({
  id: 'fs.read',
  description: 'Read a text file inside the workspace (at most max_bytes; the sha256 covers what was read).',
  input: z.strictObject({
    path: z.string().min(1),
    max_bytes: z
      .number()
      .int()
      .min(1)
      .max(MAX_READ_BYTES)
      .default(64 * 1024),
  }),
  examples: [{ path: 'README.md' }, { path: '.sdetkit/agent/workdir/a.txt', max_bytes: 1024 }],
  policy: (params) => [{ kind: 'read', path: params.path }],
  summarize: (params) => `read ${params.path}`,
  async handler(params, ctx) {
    const absolute = await ctx.resolvePath(params.path);
    const handle = await open(absolute, 'r');
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, params.max_bytes);
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, 0);
      const data = buffer.subarray(0, bytesRead);
      return {
        ok: true,
        payload: {
          path: params.path,
          size,
          bytes_read: bytesRead,
          truncated: size > bytesRead,
          sha256: sha256Hex(data),
          content: data.toString('utf8'),
        },
      };
    } finally {
      await handle.close();
    }
  },
});
