/**
 * The error every AWS-facing component throws: the exact wire code, HTTP status and fault
 * of the real service (spec/aws-wire.md §2, §9). The edge renders it in the caller's
 * protocol (Query XML, JSON `__type`, S3 `<Error>`) in one place; components never render.
 * Messages never carry tokens, secret keys or session tokens.
 */
export type Fault = 'client' | 'server';

export class AwsError extends Error {
  /** the wire code, e.g. `InvalidIdentityToken`, `ExpiredTokenException`, `NoSuchEntity` */
  readonly code: string;
  readonly httpStatus: number;
  readonly fault: Fault;
  /** extra response headers (rarely needed) */
  readonly headers: Readonly<Record<string, string>>;
  /**
   * irsakit's own account of why (which check, statement or claim, expected versus actual),
   * kept for the audit trail and `irsa why`; never sent on the wire.
   */
  readonly detail: unknown;
  /**
   * Extra elements of an S3 `<Error>` body, in order after `<Message>` (`<BucketName>`,
   * `<Key>`, `<Resource>`, `<StringToSign>`, …). Other protocols have none.
   */
  readonly elements: Readonly<Record<string, string>>;
  /**
   * Extra members of a JSON protocol's error body, after `__type` and `message` (DynamoDB's
   * `Item` of a failed condition with ReturnValuesOnConditionCheckFailure=ALL_OLD).
   */
  readonly members: Readonly<Record<string, unknown>>;

  constructor(
    code: string,
    httpStatus: number,
    message: string,
    opts: {
      fault?: Fault;
      headers?: Record<string, string>;
      detail?: unknown;
      elements?: Record<string, string>;
      members?: Record<string, unknown>;
    } = {},
  ) {
    super(message);
    this.code = code;
    this.httpStatus = httpStatus;
    this.fault = opts.fault ?? (httpStatus >= 500 ? 'server' : 'client');
    this.headers = opts.headers ?? {};
    this.detail = opts.detail;
    this.elements = opts.elements ?? {};
    this.members = opts.members ?? {};
  }
}

/** `ValidationError` as botocore words constraint failures: `1 validation error detected: …`. */
export function validationError(problems: readonly string[]): AwsError {
  const n = problems.length;
  return new AwsError(
    'ValidationError',
    400,
    `${n} validation error${n === 1 ? '' : 's'} detected: ${problems.join('; ')}`,
  );
}
