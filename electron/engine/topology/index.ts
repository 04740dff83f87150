// Public API of the topology engine: lab files, validation, addressing, planning, node plumbing.
export { parseLabText, loadLabFile, formatLab } from './load';
export { validateLab, analyzeLab, schemaCheck, type ValidateOptions } from './validate';
export { modeAvailability } from './modes';
export { planLab, serviceBackendNodes, capabilityGrants, SYSCTL, type PlanOptions } from './plan';
export { isOwnImage, grantLine } from './trust';
export { nodeScript, DECAP_OBJECT, DECAP_SECTION } from './plumbing';
export { listTemplates, getTemplate, labsDir } from './templates';
export { assignAddresses, type Addressing, type AddressingOptions } from './addressing';
export { LabFileError, issueLine, formatPath, describeWhere, issueSentence } from './issues';
export { labSchema, rateToBits, durationMs } from './schema';
export type * from './plan-types';
