/**
 * The single doorway to the appliance's own config schema and validator: provisioning
 * validates every unit config with exactly the code the unit runs, never a copy.
 */
export { ConfigSchema, type Config } from '../../appliance/src/config/schema.js';
export { validateConfig, type ConfigProblem } from '../../appliance/src/config/validate.js';
export { isApplianceError } from '../../appliance/src/core/errors.js';
