import { NotFoundError } from '@sdetkit/policy';
import { loadTemplateDir } from './template-loader.js';
import type { LoadedTemplate } from './template-schema.js';

/** Where a workspace keeps its own templates (CONTRACT.md). */
export const REPO_TEMPLATES_DIR = 'templates/automations';

export interface CatalogSources {
  /** The repository's templates: absolute folder and how to show it. */
  repo?: { absolute: string; display: string };
  /** Templates bundled with sdetkit; repository templates with the same id win. */
  builtin?: { absolute: string; display: string };
}

/** The templates a workspace can run, by id. */
export class TemplateCatalog {
  private constructor(private readonly byId: Map<string, LoadedTemplate>) {}

  static async load(sources: CatalogSources): Promise<TemplateCatalog> {
    const byId = new Map<string, LoadedTemplate>();
    for (const source of [sources.builtin, sources.repo]) {
      if (!source) continue;
      for (const template of await loadTemplateDir(source.absolute, source.display)) {
        byId.set(template.definition.metadata.id, template);
      }
    }
    return new TemplateCatalog(byId);
  }

  static fromTemplates(templates: LoadedTemplate[]): TemplateCatalog {
    return new TemplateCatalog(new Map(templates.map((t) => [t.definition.metadata.id, t])));
  }

  /** Sorted by id. */
  list(): LoadedTemplate[] {
    return [...this.byId.values()].sort((a, b) =>
      a.definition.metadata.id < b.definition.metadata.id ? -1 : 1,
    );
  }

  get(id: string): LoadedTemplate {
    const template = this.byId.get(id);
    if (!template) {
      const known = this.list().map((t) => t.definition.metadata.id);
      throw new NotFoundError(`template ${id} not found (available: ${known.join(', ') || 'none'})`, id);
    }
    return template;
  }
}
