/** An RFC 9457 problem: every error the API answers, with a stable `code` clients switch on. */
export type FieldError = { path: string; message: string };

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail);
    this.name = 'Problem';
  }

  static validation(errors: FieldError[], detail = 'The request is not valid.'): Problem {
    return new Problem(400, 'VALIDATION_FAILED', detail, { errors });
  }

  toBody(): Record<string, unknown> {
    return {
      type: `/problems/${this.code.toLowerCase().replaceAll('_', '-')}`,
      title: TITLES[this.status] ?? 'Error',
      status: this.status,
      detail: this.detail,
      code: this.code,
      ...this.extra,
    };
  }
}
