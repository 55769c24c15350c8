import type { AgentConfig, PolicyRequest } from '@sdetkit/policy';
import { ValidationError } from '@sdetkit/policy';
import type { z } from 'zod';

/** What a handler gets besides its params. */
export interface ActionContext {
  /** Absolute workspace root. Handlers must resolve paths through `resolvePath`. */
  workspaceRoot: string;
  config: AgentConfig;
  /** Guarded resolution of a workspace-relative path (refuses escapes). */
  resolvePath(relative: string): Promise<string>;
  /** Aborted when the step times out or the run is cancelled. */
  signal: AbortSignal;
  /** The run's timestamp (`YYYY-MM-DDTHH:MM:SSZ`), for anything the action records. */
  capturedAt: string;
}

/** What a handler returns: `ok`, a JSON payload for the record, and files it wrote. */
export interface ActionOutcome {
  ok: boolean;
  payload: Record<string, unknown>;
  /** Workspace-relative paths of files the action wrote. */
  artifacts?: string[];
}

export interface ActionDefinition<S extends z.ZodType = z.ZodType> {
  /** Dotted id, e.g. `fs.write`. */
  id: string;
  description: string;
  /** Params are validated with this schema before the handler runs. */
  input: S;
  /** Example params, shown by `agent actions list`. */
  examples: z.input<S>[];
  /** Free-text words that make the rule-based manager plan this action. */
  keywords?: string[];
  /** Params used when the manager plans this action from free text. */
  plannedParams?: (task: string) => z.input<S>;
  /** What the action will touch; every entry is checked by policy first. */
  policy(params: z.output<S>): PolicyRequest[];
  /** One line for approval prompts and dry runs. */
  summarize(params: z.output<S>): string;
  handler(params: z.output<S>, ctx: ActionContext): Promise<ActionOutcome>;
}

// Definitions are stored type-erased; `defineAction` keeps each one checked.
// biome-ignore lint/suspicious/noExplicitAny: heterogeneous registry of typed actions
export type AnyActionDefinition = ActionDefinition<any>;

export function defineAction<S extends z.ZodType>(definition: ActionDefinition<S>): ActionDefinition<S> {
  return definition;
}

export type ParamsCheck = { ok: true; params: unknown } | { ok: false; error: string };

/** The actions AgentOS can run. Packages register their own. */
export class ActionRegistry {
  private readonly actions = new Map<string, AnyActionDefinition>();
  /** `list()`'s order, kept until the next `register` (a server lists twice per run). */
  private sorted: AnyActionDefinition[] | undefined;

  register(definition: AnyActionDefinition): this {
    if (!/^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)+$/.test(definition.id)) {
      throw new ValidationError(
        `action id ${JSON.stringify(definition.id)} must be dotted lowercase, e.g. fs.write`,
      );
    }
    if (this.actions.has(definition.id))
      throw new ValidationError(`action ${definition.id} is already registered`);
    this.actions.set(definition.id, definition);
    this.sorted = undefined;
    return this;
  }

  get(id: string): AnyActionDefinition | undefined {
    return this.actions.get(id);
  }

  has(id: string): boolean {
    return this.actions.has(id);
  }

  /** Sorted by id; a new array each time. */
  list(): AnyActionDefinition[] {
    this.sorted ??= [...this.actions.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
    return [...this.sorted];
  }

  /** Validates params against the action's schema; the error names the field. */
  checkParams(id: string, params: unknown): ParamsCheck {
    const action = this.actions.get(id);
    if (!action) return { ok: false, error: `unknown action: ${id}` };
    const parsed = action.input.safeParse(params);
    if (parsed.success) return { ok: true, params: parsed.data };
    const issue = parsed.error.issues[0]!;
    const field = issue.path.length > 0 ? issue.path.join('.') : '(params)';
    const detail =
      issue.code === 'unrecognized_keys' ? `unknown key ${issue.keys.join(', ')}` : issue.message;
    return { ok: false, error: `invalid params for ${id}: ${field}: ${detail}` };
  }
}
