import type { AxiosInstance, AxiosRequestConfig, AxiosResponse } from 'axios';
import { responseToCleverApiError, toCleverApiError } from './errors.js';

export interface SendOptions {
  /** 1-based attempt number, recorded on the error (pass cockatiel's `attempt + 1`). */
  attempt?: number;
}

/**
 * Sends one request and returns the response when its status is 2xx; otherwise throws a
 * CleverApiError (also for network errors and timeouts). Never lets an AxiosError escape.
 */
export async function sendCleverRequest<T = unknown>(
  client: AxiosInstance,
  config: AxiosRequestConfig,
  options: SendOptions = {},
): Promise<AxiosResponse<T>> {
  let response: AxiosResponse<T>;
  try {
    response = await client.request<T>(config);
  } catch (error) {
    throw toCleverApiError(error, { attempt: options.attempt });
  }
  if (response.status >= 200 && response.status < 300) return response;
  throw responseToCleverApiError(response, { attempt: options.attempt });
}
