export { artifactsBundleAction } from './artifacts-bundle-action.js';
export { lintTemplates, type TemplateLint } from './catalog-validate.js';
export {
  createDeterministicTar,
  type ReadTarLimits,
  readTarFiles,
  type TarFile,
} from './deterministic-tar.js';
export { type InputNaming, maskSecretInputs, parseSetFlags, resolveInputs } from './input-values.js';
export {
  type Condition,
  collectReferences,
  evaluateCondition,
  type InterpolationContext,
  interpolate,
  type Placeholder,
  parseCondition,
  parseReference,
  resolveReference,
  UnknownReferenceError,
} from './interpolation.js';
export { type CatalogFileResolver, createReportRenderAction } from './report-render-action.js';
export { containsSecret, REDACTED, redactFile, redactValue } from './secret-redaction.js';
export { type CatalogSources, REPO_TEMPLATES_DIR, TemplateCatalog } from './template-catalog.js';
export { loadTemplateDir, parseTemplate } from './template-loader.js';
export {
  type CatalogEntry,
  type InstallResult,
  installPack,
  PACK_AUTOMATIONS_DIR,
  PACK_CATALOG,
  PACK_MANIFEST,
  type PackResult,
  packTemplates,
  type VerifyResult,
  verifyPack,
} from './template-pack.js';
export {
  createTemplateRunAction,
  type TemplateRunActionDeps,
  templateTaskPlanner,
} from './template-run-action.js';
export {
  RUN_RECORD_FILE,
  sealTemplateRunRecord,
  TEMPLATE_RUN_SCHEMA_VERSION,
  type TemplateRunRecord,
  type TemplateStepRecord,
  templateRunRecordSchema,
} from './template-run-record.js';
export {
  defaultTemplateOutputDir,
  type PlannedStep,
  planTemplate,
  runTemplate,
  type TemplatePlan,
  type TemplateRunOptions,
} from './template-runner.js';
export {
  type LoadedTemplate,
  SEMVER,
  type TemplateDefinition,
  type TemplateInput,
  type TemplateStep,
  templateSchema,
} from './template-schema.js';
