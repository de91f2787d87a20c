/**
 * Why a use case refused: the API's stable problem codes. The HTTP edge answers each with its
 * status (`functions/commons/http.ts`); the rules and adapters know nothing of HTTP.
 */
export type DomainErrorCode =
  | 'ALLOCATION_NOT_FOUND'
  | 'CONFLICT'
  | 'DEVICE_NOT_FOUND'
  | 'HANDOVER_NOT_FOUND'
  | 'HANDOVER_RUNNING'
  | 'INVOICE_EXISTS'
  | 'INVOICE_NOT_FOUND'
  | 'MEMBER_DEPARTED'
  | 'MEMBER_NOT_FOUND'
  | 'NO_RECIPIENT'
  | 'NOTHING_TO_UNDO'
  | 'NOT_FOUND'
  | 'NOT_ENTITLED'
  | 'ORDER_NOT_FOUND'
  | 'ORDER_NOT_PAID'
  | 'ORDER_REFUNDED'
  | 'PAYLOAD_TOO_LARGE'
  | 'POLICY_TYPE_NOT_FOUND'
  | 'RECIPIENT_NOT_ACTIVE'
  | 'REVOCATION_LOCKED'
  | 'SEATS_EXHAUSTED'
  | 'UNDO_WINDOW_CLOSED'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'UPLOAD_NOT_FOUND'
  | 'VALIDATION_FAILED'
  | 'VERSION_MISMATCH';

/** `extra` travels with the answer (e.g. `available` beside SEATS_EXHAUSTED). */
export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    readonly detail: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail);
    this.name = 'DomainError';
  }
}
