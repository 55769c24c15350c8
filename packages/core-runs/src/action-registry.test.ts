import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ActionRegistry, defineAction } from './action-registry.js';
import { createBuiltinRegistry } from './actions/builtin-actions.js';

const echo = defineAction({
  id: 'test.echo',
  description: 'echo',
  input: z.strictObject({ text: z.string(), times: z.number().int().default(1) }),
  examples: [{ text: 'hi' }],
  policy: () => [],
  summarize: (p) => p.text,
  handler: async (p) => ({ ok: true, payload: { text: p.text.repeat(p.times) } }),
});

describe('ActionRegistry', () => {
  it('lists actions sorted by id and validates params with defaults', () => {
    const registry = createBuiltinRegistry().register(echo);
    expect(registry.list().map((a) => a.id)).toEqual(['fs.read', 'fs.write', 'shell.run', 'test.echo']);
    expect(registry.checkParams('test.echo', { text: 'x' })).toEqual({
      ok: true,
      params: { text: 'x', times: 1 },
    });
  });

  it('keeps its listing in order across registrations, and callers cannot change it', () => {
    const registry = new ActionRegistry().register(echo);
    const first = registry.list();
    first.pop();
    expect(registry.list().map((a) => a.id)).toEqual(['test.echo']);
    registry.register({ ...echo, id: 'test.a' });
    expect(registry.list().map((a) => a.id)).toEqual(['test.a', 'test.echo']);
    expect(registry.list()).not.toBe(registry.list());
  });

  it('names the field that fails the schema', () => {
    const registry = new ActionRegistry().register(echo);
    const check = registry.checkParams('test.echo', { text: 3 });
    expect(check).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^invalid params for test.echo: text: /),
    });
    expect(registry.checkParams('test.echo', { text: 'a', extra: 1 })).toMatchObject({
      ok: false,
      error: expect.stringContaining('unknown key extra'),
    });
  });

  it('reports unknown actions', () => {
    expect(new ActionRegistry().checkParams('nope.x', {})).toEqual({
      ok: false,
      error: 'unknown action: nope.x',
    });
  });

  it('refuses duplicate and malformed ids', () => {
    const registry = new ActionRegistry().register(echo);
    expect(() => registry.register(echo)).toThrow(/already registered/);
    expect(() => registry.register({ ...echo, id: 'Bad' })).toThrow(/dotted lowercase/);
  });

  it('ships examples that pass each built-in schema', () => {
    for (const action of createBuiltinRegistry().list()) {
      for (const example of action.examples) expect(action.input.safeParse(example).success).toBe(true);
    }
  });
});
