/**
 * The contract between Clever authentication (CleverAuthService) and everything that calls the
 * Clever Data API. The API client asks for a district's bearer token, and after a 401 asks once
 * for a fresh one (Clever may have rotated it). Implementations never log or expose tokens.
 */
export interface DistrictToken {
  /** Clever district id (`owner.id` in the token list). */
  districtId: string;
  accessToken: string;
  scopes: string[];
  /** Where the token came from. */
  source: 'discovery' | 'credential-store' | 'client-credentials';
  /** Only client-credentials tokens expire; Clever district-app tokens do not. */
  expiresAt?: Date;
}

export interface CleverTokenProvider {
  /** Every district that has authorized the app (district-tokens mode: GET /oauth/tokens). */
  listDistricts(): Promise<DistrictToken[]>;
  /** A valid bearer token for the district; throws AppError CLEVER_DISTRICT_DISCONNECTED when it has none. */
  getToken(districtId: string): Promise<string>;
  /**
   * Called after the Data API answered 401 to `rejectedToken`: looks the district's token up again
   * (once; concurrent callers share the lookup) and returns the new one, or throws
   * CLEVER_AUTH_FAILED / CLEVER_DISTRICT_DISCONNECTED when there is no different token.
   */
  refreshAfterUnauthorized(districtId: string, rejectedToken: string): Promise<string>;
}
