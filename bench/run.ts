/** `npm run bench`: every benchmark in turn, each adding its own section to bench/results.json. */
process.env.STEWARD_LOG_FORMAT ??= 'readable';
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
await import('./seats.ts');
export {};
