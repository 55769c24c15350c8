import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { defaultAgentConfig } from '@sdetkit/policy';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canonicalHash } from './canonical-json.js';
import { ConfigStore, configSha256 } from './config-store.js';
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
