/**
 * @callrelay/cli: the `callrelay` command. Also usable as a library (`buildProgram`, `bundledRegistry`).
 * @packageDocumentation
 */
export { buildProgram } from './program.js';
export { bundledRegistry, BUNDLED_PACKAGES } from './bundled.js';
export { EXIT } from './exit-codes.js';
