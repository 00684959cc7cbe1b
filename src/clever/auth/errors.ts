import { AppError } from '../../errors.js';
import {
  CLEVER_CLIENT_ID_SECRET,
  CLEVER_CLIENT_SECRET_SECRET,
  DISTRICT_TOKEN_SECRET_PREFIX,
} from '../../secrets/index.js';

export function credentialsNotConfigured(): AppError {
  return new AppError(
    'CLEVER_AUTH_FAILED',
    'Clever credentials are not configured: set CLEVER_CLIENT_ID and CLEVER_CLIENT_SECRET (or the Key Vault ' +
      `secrets ${CLEVER_CLIENT_ID_SECRET} / ${CLEVER_CLIENT_SECRET_SECRET}), or store per-district tokens ` +
      `(${DISTRICT_TOKEN_SECRET_PREFIX}<districtId>) and list the districts in CLEVER_DISTRICT_IDS`,
    { httpStatus: 503 },
  );
}

export function districtDisconnected(districtId: string): AppError {
  return new AppError(
    'CLEVER_DISTRICT_DISCONNECTED',
    `Clever district ${districtId} is not connected to the app: it is missing from the district token list ` +
      '(the district disconnected or never authorized the app)',
    { httpStatus: 409, details: { districtId } },
  );
}

export function tokenStillRejected(districtId: string | undefined): AppError {
  const whose = districtId ? `the token of district ${districtId}` : 'the app token';
  return new AppError(
    'CLEVER_AUTH_FAILED',
    `Clever rejected ${whose} (401) and looking it up again returned no other token`,
    { httpStatus: 503, details: districtId ? { districtId } : {} },
  );
}
