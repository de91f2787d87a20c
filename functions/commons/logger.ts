import { Logger, LogFormatter, LogItem } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';

/** One line per event for a terminal: `15:04:05 INFO message key=value`. JSON stays the default. */
class ReadableLogFormatter extends LogFormatter {
  formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const time = attributes.timestamp.toISOString().slice(11, 19);
    const extras = Object.entries(additional)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
      .join(' ');
    return new LogItem({ attributes: { line: `${time} ${attributes.logLevel.padEnd(5)} ${attributes.message} ${extras}`.trimEnd() } });
  }
}

export const logger = new Logger({
  serviceName: 'steward',
  ...(process.env.STEWARD_LOG_FORMAT === 'readable' && {
    logFormatter: new ReadableLogFormatter(),
    jsonReplacerFn: (key: string, value: unknown) => value,
  }),
});
