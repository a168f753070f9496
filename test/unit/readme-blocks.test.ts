// The README block finder used by the README command test: markers, continuations, comments.
import { commandsOf, markedBlocks, shellBlocks } from '../helpers/readme-blocks';

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
