/**
 * Ordo's settings: one resolver for the command line (flags > environment > config file >
 * defaults) and for the TypeScript API (options > environment > defaults). Imports only
 * `core/`, so every entry point can use it without pulling in an engine.
 */
export { resolveConfig, resolveStoreSettings, type ConfigFlags, type ConfigSources, type OrdoConfig } from './resolve.js';
export { ENV_VARS, type Env } from './env.js';
export { CONFIG_FILES } from './file.js';
export { durationSetting } from './duration.js';
