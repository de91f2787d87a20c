import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import type { CfnTemplate } from '../../local/template.ts';
import { adminToken } from '../../scripts/token.ts';
import { testAssembly } from '../support/assembly.ts';
import { orderPaidEvent } from '../fixtures.ts';
import { client, eventually } from './client.ts';

/**
 * The local stack is as strict as AWS where a test would otherwise pass here and fail there:
 * the authorizer's issuer, audience and expiry, claims in API Gateway's string form, Lambda's
 * payload limit, and each function's role.
 */
describe('local fidelity, on the synthesised bundles', () => {
  let stack: LocalStack;
  let grantless: LocalStack;
  let assemblyCopy: string;

  const functionId = (template: CfnTemplate, prefix: string) => Object.keys(template.Resources).find((id) => id.startsWith(prefix) && template.Resources[id]!.Type === 'AWS::Lambda::Function')!;

  beforeAll(async () => {
    const assembly = await testAssembly();
    stack = await startLocalStack({ from: assembly.dir, logs: 'file' });

    // The same assembly, with the table grant taken away from the HR webhook's role.
    assemblyCopy = mkdtempSync(join(tmpdir(), 'steward-grantless-'));
    for (const entry of readdirSync(assembly.dir)) {
      if (entry.startsWith('asset.')) symlinkSync(join(assembly.dir, entry), join(assemblyCopy, entry));
      else if (entry.endsWith('.json')) cpSync(join(assembly.dir, entry), join(assemblyCopy, entry));
    }
    const template = JSON.parse(readFileSync(assembly.templateFile, 'utf8')) as CfnTemplate;
    const hrRole = template.Resources[functionId(template, 'HrWebhook')]!.Properties.Role['Fn::GetAtt'][0];
    for (const resource of Object.values(template.Resources)) {
      if (resource.Type !== 'AWS::IAM::Policy' || resource.Properties.Roles[0].Ref !== hrRole) continue;
      resource.Properties.PolicyDocument.Statement = resource.Properties.PolicyDocument.Statement.filter(
        (statement: { Action: string | string[] }) => ![statement.Action].flat().some((action) => action.startsWith('dynamodb:')),
      );
    }
    writeFileSync(join(assemblyCopy, assembly.templateFile.split('/').pop()!), JSON.stringify(template));
    grantless = await startLocalStack({ from: assemblyCopy, logs: 'file' });
  });
  afterAll(async () => {
    await stack?.stop();
    await grantless?.stop();
    rmSync(assemblyCopy, { recursive: true, force: true });
  });

  const seats = (token: string) => fetch(`${stack.url}/corps/acme/seats`, { headers: { authorization: `Bearer ${token}` } });

  it('checks the issuer, the audience and the expiry the template declares', async () => {
    expect((await seats(await adminToken('acme'))).status).toBe(200);
    expect((await seats(await adminToken('acme', 'admin-1', '1h', { audience: 'someone-else' }))).status).toBe(401);
    expect((await seats(await adminToken('acme', 'admin-1', '1h', { issuer: 'https://evil.example/' }))).status).toBe(401);
    const noExpiry = (await adminToken('acme')).split('.');
    const payload = JSON.parse(Buffer.from(noExpiry[1]!, 'base64url').toString());
    delete payload.exp;
    const unsigned = `${noExpiry[0]}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${noExpiry[2]}`;
    expect((await seats(unsigned)).status).toBe(401);
  });

  it('hands claims over in the string form, and a role named "not admin" is not admin', async () => {
    const response = await seats(await adminToken('acme', 'admin-1', '1h', { roles: ['not admin'] }));
    expect(response.status).toBe(403);
    expect(((await response.json()) as { code: string }).code).toBe('FORBIDDEN');
    expect((await seats(await adminToken('acme', 'admin-1', '1h', { roles: ['auditor', 'admin'] }))).status).toBe(200);
  });

  it('answers 413 as API Gateway does when the base64 event would pass Lambda\'s 6 MB', async () => {
    const response = await fetch(`${stack.url}/webhooks/billing`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'order.paid', padding: 'x'.repeat(5 * 1024 * 1024) }),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ message: 'Request Entity Too Large' });
  });

  it('counts and times cold starts per function', async () => {
    await fetch(`${stack.url}/health`);
    await fetch(`${stack.url}/health`);
    const { items } = (await (await fetch(`${stack.url}/local/functions`)).json()) as { items: { functionId: string; coldStarts: number; invocations: number; initMs: number[] }[] };
    const health = items.find((f) => f.functionId.startsWith('Health'))!;
    expect(health.invocations).toBeGreaterThanOrEqual(2);
    expect(health.coldStarts).toBeGreaterThanOrEqual(1);
    expect(health.coldStarts).toBeLessThan(health.invocations);
    expect(health.initMs[0]).toBeGreaterThan(0);
  });

  it('fails a call the role does not allow with AccessDeniedException, answers problem+json 500 and writes nothing', async () => {
    const hr = client(grantless.url);
    const answer = await hr.webhook('hr', { type: 'employee.upserted', data: { corpId: 'nogrant', memberId: 'm-1', name: 'M', managerId: null, departmentId: 'd' } });
    expect(answer.status).toBe(500);
    expect(answer.body).toMatchObject({ status: 500, code: 'INTERNAL' });
    expect(grantless.denials).toContainEqual(expect.objectContaining({ caller: expect.stringMatching(/^HrWebhook/), action: expect.stringMatching(/^dynamodb:/) }));
    const log = readFileSync(`.steward-local/logs/${grantless.denials[0]!.caller}.log`, 'utf8');
    expect(log).toContain('AccessDeniedException');

    const dynamo = new DynamoDBClient({ endpoint: grantless.dynamoDbEndpoint, region: 'cn-north-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    const tables = Object.entries((JSON.parse(readFileSync(join(assemblyCopy, 'Steward.template.json'), 'utf8')) as CfnTemplate).Resources)
      .filter(([, r]) => r.Type === 'AWS::DynamoDB::GlobalTable')
      .map(([id]) => id);
    for (const table of tables) {
      const { Items } = await dynamo.send(new ScanCommand({ TableName: table }));
      expect(JSON.stringify(Items)).not.toContain('nogrant');
    }
    dynamo.destroy();

    // The same call on the stack whose role has the grant goes through.
    expect((await client(stack.url).webhook('hr', { type: 'employee.upserted', data: { corpId: 'granted', memberId: 'm-1', name: 'M', managerId: null, departmentId: 'd' } })).status).toBe(202);
  });

  it('issues an invoice PDF from the CheckInvoice bundle, with pdf-lib shipped beside it and its font beside the bundle', async () => {
    const api = client(stack.url);
    expect((await api.webhook('billing', orderPaidEvent('inv-bundle', 'o-1', 5))).status).toBe(202);
    const applied = await api.admin('inv-bundle', 'POST', '/corps/inv-bundle/orders/o-1/invoices', { title: '安克科技有限公司', taxId: '91110000802100433B', email: 'ap@anke.cn' });
    expect(applied.status).toBe(202);
    const issued = await eventually(
      async () => (await api.admin('inv-bundle', 'GET', `/corps/inv-bundle/invoices/${applied.body.invoiceId}`)).body,
      (invoice) => invoice.status === 'issued',
    );
    expect(issued.pdfUrl).toEqual(expect.any(String));
    const pdf = Buffer.from(await (await fetch(issued.pdfUrl)).arrayBuffer());
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
  });
});
