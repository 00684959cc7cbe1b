/** The public surface of src/functions: other folders import from here only. */
export { hostRoutePrefix, routePath } from './host-routes.js';
export { ALL_HTTP_METHODS } from './http-responses.js';
export { type RegisteredFunction, registeredFunctions } from './registry.js';
