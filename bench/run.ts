/**
 * `npm run bench`: every benchmark in turn, each adding its own section to bench/results.json.
 * `npm run bench -- handover` runs only the named ones.
 */
process.env.STEWARD_LOG_FORMAT ??= 'readable';
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
const benches = ['seats', 'handover', 'invoices', 'image-codec', 'bundles', 'startup', 'policies', 'cedar', 'file-log', 'load'];
const chosen = process.argv.slice(2);
for (const name of chosen.length > 0 ? chosen : benches) {
  if (!benches.includes(name)) throw new Error(`No bench ${name}; there are: ${benches.join(', ')}`);
  await import(`./${name}.ts`);
}
export {};
