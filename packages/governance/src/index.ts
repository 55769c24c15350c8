export { controlsSnapshot } from './controls-snapshot.js';
export {
  buildEvidencePack,
  EVIDENCE_MANIFEST,
  type EvidenceInputs,
  type EvidencePack,
  type EvidenceVerifyResult,
  verifyEvidencePack,
} from './evidence-pack.js';
