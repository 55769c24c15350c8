import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type AgentConfig, agentConfigSchema } from '@sdetkit/policy';
import { writeFileAtomic } from './atomic-write.js';
import { canonicalHash, canonicalJson } from './canonical-json.js';

export const CONFIGS_DIR = 'configs';

/** Hashes of configs `sealConfig` made: they cannot change, so their hash is looked up by identity. */
const sealedHashes = new WeakMap<AgentConfig, string>();

/**
 * `canonicalHash(config)`; for a config from `sealConfig`, the hash worked
 * out when it was sealed.
 */
export function configSha256(config: AgentConfig): string {
  return sealedHashes.get(config) ?? canonicalHash(config);
}

/**
 * A deeply frozen copy of `config` whose `configSha256` is worked out once:
 * for a long-lived holder (a server hashes its config twice for every run).
 * The caller's object is left as it is.
 */
export function sealConfig(config: AgentConfig): AgentConfig {
  const sealed = deepFreeze(structuredClone(config));
  sealedHashes.set(sealed, canonicalHash(sealed));
  return sealed;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/**
 * Content-addressed store of the effective configs runs used
 * (`.sdetkit/agent/configs/<config_sha256>.json`), so a run can be replayed
 * with exactly its config. Configs hold no secrets (keys come from env).
 */
export class ConfigStore {
  /** What this instance already saved: a long-lived store (the server's) checks the disk once per config. */
  private readonly saved = new Map<string, Promise<string>>();

  constructor(private readonly agentDir: string) {}

  save(config: AgentConfig): Promise<string> {
    const sha = configSha256(config);
    let saving = this.saved.get(sha);
    if (!saving) {
      saving = this.write(sha, config);
      saving.catch(() => this.saved.delete(sha));
      this.saved.set(sha, saving);
    }
    return saving;
  }

  private async write(sha: string, config: AgentConfig): Promise<string> {
    const file = path.join(this.agentDir, CONFIGS_DIR, `${sha}.json`);
    const existing = await readFile(file, 'utf8').catch(() => undefined);
    if (existing === undefined) await writeFileAtomic(file, `${canonicalJson(config)}\n`);
    return sha;
  }

  async load(sha: string): Promise<AgentConfig | undefined> {
    const text = await readFile(path.join(this.agentDir, CONFIGS_DIR, `${sha}.json`), 'utf8').catch(
      () => undefined,
    );
    if (text === undefined) return undefined;
    const config = agentConfigSchema.parse(JSON.parse(text));
    return canonicalHash(config) === sha ? config : undefined;
  }
}
