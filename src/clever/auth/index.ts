/**
 * Clever authentication: CleverAuthService (district-app token discovery and rotation, or OAuth
 * client_credentials for gateways) behind the CleverTokenProvider contract the Data API client uses.
 */
export {
  type AuthCheckResult,
  CleverAuthService,
  type CleverAuthServiceOptions,
} from './clever-auth-service.js';
export {
  basicAuthorization,
  type ClientCredentials,
  type ClientCredentialsSource,
  clientCredentialsFrom,
} from './client-credentials.js';
export type { CleverTokenProvider, DistrictToken } from './token-provider.js';
