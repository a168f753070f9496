// The README block finder used by the README command test: markers, continuations, comments.
import {
  commandsOf,
  containsLines,
  markedBlocks,
  outputBlocks,
  shellBlocks,
} from '../helpers/readme-blocks';

const README = [
  'Intro',
  '<!-- readme-test: run -->',
  '```sh',
  '# a comment',
  'node dist/src/main.js check --metadata a=b \\',
  '  --prometheus-url http://127.0.0.1:9090',
  '',
  'echo two',
  '```',
  'Text between: the next block is not marked.',
  '```sh',
  'kubectl apply -k deploy',
  '```',
  '<!-- readme-test: run exit=1 -->',
  '',
  '```bash',
  'false',
  '```',
  '<!-- readme-test: serve -->',
  'A sentence cancels the marker.',
  '```sh',
  'node dist/src/main.js serve',
  '```',
].join('\n');

test('joins continuation lines and drops comments and blank lines', () => {
  expect(commandsOf('# c\na \\\n  b\n\nc\n')).toEqual(['a b', 'c']);
});

test('a marker applies to the next fence only, blank lines allowed, text cancels it', () => {
  expect(shellBlocks(README).map(b => [b.line, b.marker])).toEqual([
    [2, 'run'],
    [11, undefined],
    [14, 'run'],
    [21, undefined],
  ]);
});

test('marked blocks carry their commands and expected exit code', () => {
  expect(markedBlocks(README)).toEqual([
    {
      kind: 'run',
      line: 2,
      exit: 0,
      commands: [
        'node dist/src/main.js check --metadata a=b --prometheus-url http://127.0.0.1:9090',
        'echo two',
      ],
    },
    { kind: 'run', line: 14, exit: 1, commands: ['false'] },
  ]);
});

test('an output block belongs to the run block before it; its lines must appear together', () => {
  const text = [
    '<!-- readme-test: run -->',
    '```sh',
    'node dist/src/main.js check --metadata a=b',
    '```',
    'prints:',
    '<!-- readme-test: output -->',
    '',
    '```',
    'value 15   ',
    'source default, answered in 15.4 ms',
    '```',
  ].join('\n');
  const [shown] = outputBlocks(text);
  expect(shown).toMatchObject({
    line: 6,
    expected: ['value 15', 'source default, answered in 15.4 ms'],
    run: { line: 1 },
  });
  const expected = shown!.expected;
  expect(containsLines('head\nvalue 15\nsource default, answered in 3 ms\n', expected)).toBe(true);
  expect(containsLines('value 15\nother\nsource default, answered in 3 ms', expected)).toBe(false);
  expect(containsLines('value 16\nsource default, answered in 3 ms', expected)).toBe(false);
  expect(() => outputBlocks('<!-- readme-test: output -->\n```\nx\n```')).toThrow(
    'an output block needs a run block before it',
  );
  const cluster = text.replace('```sh', '```sh\nok\n```\n<!-- readme-test: cluster -->\n```sh');
  expect(() => outputBlocks(cluster)).toThrow('README line 10: an output block needs a run block');
  expect(() =>
    outputBlocks(text.replace('value 15   \nsource default, answered in 15.4 ms', '')),
  ).toThrow('an output block must show some output');
  expect(() =>
    outputBlocks(text.replace('<!-- readme-test: output -->', '<!--  readme-test: output -->')),
  ).toThrow('README line 6: write the marker as <!-- readme-test: output -->');
});
