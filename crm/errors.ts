/** Typed domain errors; the HTTP edge maps them to status codes. */
export class CrmError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotFoundError extends CrmError {
  constructor(what: string) {
    super(`${what} not found`, 'not_found');
  }
}

export class ETagConflictError extends CrmError {
  constructor(key: string) {
    super(`Storage: error writing "${key}" due to eTag conflict.`, 'etag_conflict');
  }
}
