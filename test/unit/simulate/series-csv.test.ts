// The replay CSV's timestamp units: unix seconds, or milliseconds for the whole file.
import { parseSeriesCsv } from '../../../src/simulate/series-csv';

const ONE = ['trigger0'];

test('a CSV in unix milliseconds is converted, and says so', () => {
  const parsed = parseSeriesCsv('timestamp,value\n1700000000000,5\n1700000015000,7\n', ONE);
  expect(parsed.series[0]).toEqual([
    { timestamp: 1_700_000_000, value: 5 },
    { timestamp: 1_700_000_015, value: 7 },
  ]);
  expect(parsed.note).toBe('--series: timestamps are unix milliseconds; read as seconds / 1000');
  expect(parseSeriesCsv('1700000000,5\n', ONE).note).toBeUndefined();
});

test('mixed units and nanoseconds are refused, naming the line', () => {
  expect(() => parseSeriesCsv('t,v\n1700000000,1\n1700000015000,2\n', ONE)).toThrow(
    '--series line 2: timestamp 1700000000 is in seconds but line 3 is in milliseconds',
  );
  expect(() => parseSeriesCsv('1700000000000000000,1\n', ONE)).toThrow(
    '--series line 1: timestamp 1700000000000000000 is too large',
  );
});

test('a header that misnames a trigger is refused, not read by order', () => {
  const names = ['rps', 'queue'];
  // Read by order, "queue" would feed the rps trigger and the other column the queue trigger.
  expect(() => parseSeriesCsv('timestamp,queue,rsp\n1700000000,1,200\n', names)).toThrow(
    '--series: the header\'s column "rsp" is not a trigger name (did you mean "rps"?)',
  );
  expect(() => parseSeriesCsv('timestamp,queue,load\n1700000000,1,200\n', names)).toThrow(
    '--series: the header\'s column "load" is not a trigger name; name every column after a trigger (rps, queue) or none of them',
  );
  // Named after none of the triggers: read in order.
  expect(parseSeriesCsv('timestamp,a,b\n1700000000,1,2\n', names).series).toEqual([
    [{ timestamp: 1_700_000_000, value: 1 }],
    [{ timestamp: 1_700_000_000, value: 2 }],
  ]);
  // Named after every trigger: read by name, in any order.
  expect(parseSeriesCsv('timestamp,queue,rps\n1700000000,1,2\n', names).series).toEqual([
    [{ timestamp: 1_700_000_000, value: 2 }],
    [{ timestamp: 1_700_000_000, value: 1 }],
  ]);
});

test('a row longer than the header, an empty file and a non-comma separator are named', () => {
  expect(() => parseSeriesCsv('timestamp,value\n1700000000,1,3\n', ONE)).toThrow(
    '--series line 2: 3 cells, but the header has 2: "1700000000,1,3"',
  );
  expect(() => parseSeriesCsv('1700000000,1\n1700000015,1,3\n', ONE)).toThrow(
    '--series line 2: 3 cells, but the first line has 2',
  );
  expect(() => parseSeriesCsv('\n\n', ONE)).toThrow('--series: the file is empty');
  expect(() => parseSeriesCsv('timestamp;value\n1700000000;1\n', ONE)).toThrow(
    '(columns are separated by commas)',
  );
});

test('RFC 3339 timestamps with their zone read as unix seconds, like --from', () => {
  const parsed = parseSeriesCsv(
    'timestamp,value\n2024-05-01T12:00:00Z,5\n2024-05-01T14:00:15+02:00,7\n',
    ONE,
  );
  expect(parsed.series[0]).toEqual([
    { timestamp: 1_714_564_800, value: 5 },
    { timestamp: 1_714_564_815, value: 7 },
  ]);
  expect(() => parseSeriesCsv('2024-05-01T12:00:00,5\n', ONE)).toThrow(
    '--series line 1: the timestamp must be unix seconds or RFC 3339, got "2024-05-01T12:00:00"',
  );
});
