/** A bad admin call; `status` is what the HTTP admin API answers with. */
export class EmulatorAdminError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
    this.name = 'EmulatorAdminError';
  }
}
