import { loadedOnFirstCall, provider } from '#commons/provider';
import type { AuditTrail } from '#ports/handovers';

export const auditTrail = provider<AuditTrail>(() =>
  loadedOnFirstCall(async () => {
    const { DynamoAuditTrail } = await import('#adapters/dynamodb/audit-trail');
    const { dynamoDocumentClient } = await import('#adapters/aws/dynamodb-client');
    return new DynamoAuditTrail(dynamoDocumentClient());
  }),
);
