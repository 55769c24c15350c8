import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { defaultAgentConfig } from '@sdetkit/policy';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canonicalHash } from './canonical-json.js';
import { ConfigStore, configSha256, sealConfig } from './config-store.js';
import { createTempWorkspace } from './testing/temp-workspace.js';

let ws: Awaited<ReturnType<typeof createTempWorkspace>>;
beforeEach(async () => {
  ws = await createTempWorkspace();
});
afterEach(() => ws.cleanup());

describe('configSha256', () => {
  it('is the canonical hash, follows a config changed in place, and ignores key order', () => {
    const config = defaultAgentConfig();
    expect(configSha256(config)).toBe(canonicalHash(config));
    expect(configSha256(config)).toBe(canonicalHash(config));
    const before = configSha256(config);
    config.provider.model = 'another-model';
    expect(configSha256(config)).toBe(canonicalHash(config));
    expect(configSha256(config)).not.toBe(before);
    const reordered = Object.fromEntries(Object.entries(config).reverse()) as typeof config;
    expect(configSha256(reordered)).toBe(configSha256(config));
  });
});

describe('sealConfig', () => {
  it('gives a deeply frozen copy with the same hash, leaving the original as it is', () => {
    const config = defaultAgentConfig();
    const sealed = sealConfig(config);
    expect(sealed).not.toBe(config);
    expect(sealed).toEqual(config);
    expect(configSha256(sealed)).toBe(canonicalHash(config));
    expect(Object.isFrozen(sealed)).toBe(true);
    for (const value of Object.values(sealed))
      if (value !== null && typeof value === 'object') expect(Object.isFrozen(value)).toBe(true);
    expect(() => {
      (sealed as { safety: { write_allowlist: string[] } }).safety.write_allowlist.push('x');
    }).toThrow(TypeError);
    expect(Object.isFrozen(config)).toBe(false);
  });
});

describe('ConfigStore', () => {
  it('saves each config once under its hash and loads it back', async () => {
    const store = new ConfigStore(ws.root);
    const config = defaultAgentConfig();
    const sha = await store.save(config);
    expect(await store.save(config)).toBe(sha);
    expect(await readdir(path.join(ws.root, 'configs'))).toEqual([`${sha}.json`]);
    expect(await store.load(sha)).toEqual(config);
    expect(await store.load('0'.repeat(64))).toBeUndefined();
  });
});
