import { createHash, randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { formatCapturedAt, writeFileAtomic } from '@sdetkit/core-runs';
import { AGENT_DIR, NotFoundError, ValidationError } from '@sdetkit/policy';
import { z } from 'zod';
import { issueText } from './issue-text.js';
import { safeEqual } from './verification.js';

export const TOKEN_SCOPES = ['runs:read', 'runs:write', 'templates:run', 'dashboard:read'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];
export const TOKENS_FILE = 'tokens.json';

const storedTokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  scopes: z.array(z.enum(TOKEN_SCOPES)),
  tenant: z.string().nullable(),
  created_at: z.string(),
  expires_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
const tokenFileSchema = z.object({ tokens: z.array(storedTokenSchema) });

export type StoredToken = z.infer<typeof storedTokenSchema>;
export type TokenInfo = Omit<StoredToken, 'sha256'> & { status: 'active' | 'expired' | 'revoked' };

export function parseScopes(value: string): TokenScope[] {
  const scopes = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (scopes.length === 0)
    throw new ValidationError(`--scopes: name at least one of ${TOKEN_SCOPES.join(', ')}`);
  for (const scope of scopes) {
    if (!(TOKEN_SCOPES as readonly string[]).includes(scope))
      throw new ValidationError(`--scopes: unknown scope ${scope} (scopes: ${TOKEN_SCOPES.join(', ')})`);
  }
  return [...new Set(scopes)].sort() as TokenScope[];
}

/** Lowercase letters, digits, - and _, starting with a letter or digit (so never `.` or `..`). */
export function isTenantId(tenant: string): boolean {
  return /^[a-z0-9][a-z0-9_-]{0,62}$/.test(tenant);
}

export function validateTenantId(tenant: string, flag = '--tenant'): string {
  if (!isTenantId(tenant))
    throw new ValidationError(
      `${flag}: tenant ids are lowercase letters, digits, - and _ (got ${JSON.stringify(tenant)})`,
    );
  return tenant;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * The token store of a workspace, given its (absolute) `.sdetkit/agent`
 * folder: errors name the file as the workspace shows it,
 * `.sdetkit/agent/tokens.json`.
 */
export function workspaceTokenStore(agentDir: string, now?: () => Date): TokenStore {
  return new TokenStore(path.join(agentDir, TOKENS_FILE), now, `${AGENT_DIR}/${TOKENS_FILE}`);
}

/**
 * Service tokens for the REST API. Only each token's sha256 is stored (in
 * `.sdetkit/agent/tokens.json`, written atomically); the token itself is
 * shown once, when it is created.
 */
export class TokenStore {
  /**
   * `display` names the file in errors (default `file`): the CLI and the
   * server give its workspace-relative path, `.sdetkit/agent/tokens.json`.
   */
  constructor(
    private readonly file: string,
    private readonly now: () => Date = () => new Date(),
    private readonly display: string = file,
  ) {}

  /** The last parse, keyed by the file's identity: a server authenticating every request stats, not re-parses. */
  private cached: { key: string; tokens: StoredToken[] } | undefined;

  private async load(): Promise<StoredToken[]> {
    // Saves rename a new file into place, so inode, mtime and size together tell a change.
    const key = await stat(this.file).then(
      (s) => `${s.ino}:${s.mtimeMs}:${s.size}`,
      () => null,
    );
    if (key === null) return [];
    if (this.cached?.key === key) return this.cached.tokens.map((t) => ({ ...t }));
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch {
      return [];
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      throw new ValidationError(`${this.display}: not valid JSON`);
    }
    const parsed = tokenFileSchema.safeParse(data);
    if (!parsed.success)
      throw new ValidationError(`${this.display}: not a token file (${issueText(parsed.error.issues[0]!)})`);
    this.cached = { key, tokens: parsed.data.tokens };
    return parsed.data.tokens.map((t) => ({ ...t }));
  }

  private async save(tokens: StoredToken[]): Promise<void> {
    await writeFileAtomic(this.file, `${JSON.stringify({ tokens }, null, 2)}\n`);
  }

  private info(token: StoredToken): TokenInfo {
    const { sha256: _hash, ...rest } = token;
    const now = formatCapturedAt(this.now());
    const status = token.revoked_at
      ? 'revoked'
      : token.expires_at && token.expires_at <= now
        ? 'expired'
        : 'active';
    return { ...rest, status };
  }

  async create(options: {
    name: string;
    scopes: TokenScope[];
    tenant: string | null;
    expiresInSeconds: number | null;
  }): Promise<{ token: string; info: TokenInfo }> {
    if (!/^[\w.-]{1,64}$/.test(options.name))
      throw new ValidationError('--name: 1-64 letters, digits, ., - or _');
    const tokens = await this.load();
    if (tokens.some((t) => t.name === options.name && !t.revoked_at))
      throw new ValidationError(`--name: an active token named ${options.name} exists`);
    const token = `sdk_${randomBytes(24).toString('base64url')}`;
    const now = this.now();
    const stored: StoredToken = {
      id: `tok_${randomBytes(6).toString('hex')}`,
      name: options.name,
      scopes: options.scopes,
      tenant: options.tenant,
      created_at: formatCapturedAt(now),
      expires_at:
        options.expiresInSeconds === null
          ? null
          : formatCapturedAt(new Date(now.getTime() + options.expiresInSeconds * 1000)),
      revoked_at: null,
      sha256: sha256(token),
    };
    await this.save([...tokens, stored]);
    return { token, info: this.info(stored) };
  }

  async list(): Promise<TokenInfo[]> {
    return (await this.load()).map((t) => this.info(t));
  }

  async revoke(idOrName: string): Promise<TokenInfo> {
    const tokens = await this.load();
    const token = tokens.find((t) => (t.id === idOrName || t.name === idOrName) && !t.revoked_at);
    if (!token) throw new NotFoundError(`no active token ${idOrName}`);
    token.revoked_at = formatCapturedAt(this.now());
    await this.save(tokens);
    return this.info(token);
  }

  /** The token's info when it is known, active and unexpired; null otherwise (never says which). */
  async authenticate(bearer: string | undefined): Promise<TokenInfo | null> {
    if (!bearer?.startsWith('sdk_')) return null;
    const hash = sha256(bearer);
    let match: StoredToken | undefined;
    for (const token of await this.load()) if (safeEqual(token.sha256, hash)) match = token;
    if (!match) return null;
    const info = this.info(match);
    return info.status === 'active' ? info : null;
  }
}
