import { writeFileSync } from 'node:fs';
import { openApiDocument } from '../functions/commons/openapi.ts';

/** `npm run openapi`: writes docs/openapi.json from the request schemas. */
writeFileSync('docs/openapi.json', `${JSON.stringify(openApiDocument(), null, 2)}\n`);
console.log('docs/openapi.json written');
