// The scalingModifiers formula language: a small, safe subset of expr-lang (which KEDA uses),
// parsed into a tree and evaluated without eval: numbers, trigger names, + - * / % ** ^, unary
// - and !, comparisons, && || and/or/not, ?: and ??, parentheses, [lists], and the functions
// min, max, abs, ceil, floor, round, float, int, sum, mean.

export class FormulaError extends Error {
  override readonly name = 'FormulaError';
}

/** A value inside a formula: a number, a boolean, nil (a failed trigger), or a list. */
type FormulaValue = number | boolean | null | FormulaValue[];

type Node =
  | { k: 'num'; v: number }
  | { k: 'bool'; v: boolean }
  | { k: 'nil' }
  | { k: 'id'; name: string }
  | { k: 'list'; items: Node[] }
  | { k: 'unary'; op: string; a: Node }
  | { k: 'bin'; op: string; a: Node; b: Node }
  | { k: 'cond'; c: Node; a: Node; b: Node }
  | { k: 'call'; fn: string; args: Node[] };

const FUNCTIONS = ['min', 'max', 'abs', 'ceil', 'floor', 'round', 'float', 'int', 'sum', 'mean'];
const PUNCT = ['**', '??', '==', '!=', '<=', '>=', '&&', '||', '+', '-', '*', '/', '%', '^'];
const SINGLE = '<>()[],?:!';

interface Token {
  t: 'num' | 'id' | 'op';
  v: string;
  at: number;
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const num = /^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/.exec(src.slice(i));
    if (num !== null) {
      out.push({ t: 'num', v: num[0], at: i });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (id !== null) {
      out.push({ t: 'id', v: id[0], at: i });
      i += id[0].length;
      continue;
    }
    const op = PUNCT.find(p => src.startsWith(p, i)) ?? (SINGLE.includes(c) ? c : undefined);
    if (op === undefined) throw new FormulaError(`unexpected character "${c}" at ${i}`);
    out.push({ t: 'op', v: op, at: i });
    i += op.length;
  }
  return out;
}

/** Binary operators by precedence, lowest first (expr-lang's order). */
const LEVELS: string[][] = [
  ['??'],
  ['||', 'or'],
  ['&&', 'and'],
  ['==', '!='],
  ['<', '<=', '>', '>='],
  ['+', '-'],
  ['*', '/', '%'],
];

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): Node {
    const node = this.ternary();
    const rest = this.tokens[this.i];
    if (rest !== undefined) throw new FormulaError(`unexpected "${rest.v}" at ${rest.at}`);
    return node;
  }

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private accept(v: string): boolean {
    const t = this.peek();
    if (t !== undefined && t.t !== 'num' && t.v === v) {
      this.i++;
      return true;
    }
    return false;
  }

  private expect(v: string): void {
    if (!this.accept(v)) {
      const t = this.peek();
      throw new FormulaError(
        t === undefined ? `expected "${v}" at the end` : `expected "${v}" at ${t.at}, got "${t.v}"`,
      );
    }
  }

  private ternary(): Node {
    const c = this.binary(0);
    if (!this.accept('?')) return c;
    const a = this.ternary();
    this.expect(':');
    const b = this.ternary();
    return { k: 'cond', c, a, b };
  }

  private binary(level: number): Node {
    const ops = LEVELS[level];
    if (ops === undefined) return this.unary();
    let a = this.binary(level + 1);
    for (;;) {
      const t = this.peek();
      if (t === undefined || t.t === 'num' || !ops.includes(t.v)) return a;
      this.i++;
      const b = this.binary(level + 1);
      a = { k: 'bin', op: t.v === 'or' ? '||' : t.v === 'and' ? '&&' : t.v, a, b };
    }
  }

  private unary(): Node {
    if (this.accept('-')) return { k: 'unary', op: '-', a: this.unary() };
    if (this.accept('+')) return this.unary();
    if (this.accept('!') || this.accept('not')) return { k: 'unary', op: '!', a: this.unary() };
    return this.power();
  }

  /** ** and ^ bind tighter than unary minus on their right and associate to the right. */
  private power(): Node {
    const a = this.primary();
    if (this.accept('**') || this.accept('^')) return { k: 'bin', op: '**', a, b: this.unary() };
    return a;
  }

  private primary(): Node {
    const t = this.peek();
    if (t === undefined) throw new FormulaError('unexpected end of formula');
    this.i++;
    if (t.t === 'num') return { k: 'num', v: Number(t.v) };
    if (t.t === 'id') {
      if (t.v === 'true' || t.v === 'false') return { k: 'bool', v: t.v === 'true' };
      if (t.v === 'nil') return { k: 'nil' };
      if (this.accept('(')) {
        if (!FUNCTIONS.includes(t.v))
          throw new FormulaError(`unknown function "${t.v}"; known: ${FUNCTIONS.join(', ')}`);
        const args: Node[] = [];
        if (!this.accept(')')) {
          do args.push(this.ternary());
          while (this.accept(','));
          this.expect(')');
        }
        return { k: 'call', fn: t.v, args };
      }
      return { k: 'id', name: t.v };
    }
    if (t.v === '(') {
      const inner = this.ternary();
      this.expect(')');
      return inner;
    }
    if (t.v === '[') {
      const items: Node[] = [];
      if (!this.accept(']')) {
        do items.push(this.ternary());
        while (this.accept(','));
        this.expect(']');
      }
      return { k: 'list', items };
    }
    throw new FormulaError(`unexpected "${t.v}" at ${t.at}`);
  }
}

const describe = (v: FormulaValue): string =>
  v === null ? 'nil' : Array.isArray(v) ? 'a list' : typeof v === 'boolean' ? 'a bool' : 'a number';

function num(v: FormulaValue, what: string): number {
  if (typeof v !== 'number') throw new FormulaError(`${what} needs a number, got ${describe(v)}`);
  return v;
}

function numbers(args: FormulaValue[], fn: string): number[] {
  const flat = args.length === 1 && Array.isArray(args[0]) ? args[0] : args;
  if (flat.length === 0) throw new FormulaError(`${fn}() needs at least one number`);
  return flat.map(v => num(v, `${fn}()`));
}

function call(fn: string, args: FormulaValue[]): FormulaValue {
  const one = (): number => {
    if (args.length !== 1) throw new FormulaError(`${fn}() takes one argument`);
    return num(args[0] as FormulaValue, `${fn}()`);
  };
  switch (fn) {
    case 'min':
      return Math.min(...numbers(args, fn));
    case 'max':
      return Math.max(...numbers(args, fn));
    case 'sum':
      return numbers(args, fn).reduce((a, b) => a + b, 0);
    case 'mean': {
      const xs = numbers(args, fn);
      return xs.reduce((a, b) => a + b, 0) / xs.length;
    }
    case 'abs':
      return Math.abs(one());
    case 'ceil':
      return Math.ceil(one());
    case 'floor':
      return Math.floor(one());
    case 'round': {
      // Go's math.Round: half away from zero.
      const x = one();
      return Math.sign(x) * Math.round(Math.abs(x));
    }
    case 'float':
      return one();
    default: // int: truncation toward zero, as Go's int(float64)
      return Math.trunc(one());
  }
}

function evaluate(n: Node, env: Readonly<Record<string, number | null>>): FormulaValue {
  switch (n.k) {
    case 'num':
    case 'bool':
      return n.v;
    case 'nil':
      return null;
    case 'id': {
      if (!(n.name in env)) throw new FormulaError(`unknown name "${n.name}"`);
      return env[n.name] ?? null;
    }
    case 'list':
      return n.items.map(i => evaluate(i, env));
    case 'call':
      return call(
        n.fn,
        n.args.map(a => evaluate(a, env)),
      );
    case 'cond': {
      const c = evaluate(n.c, env);
      if (typeof c !== 'boolean')
        throw new FormulaError(`the condition of ?: needs a bool, got ${describe(c)}`);
      return evaluate(c ? n.a : n.b, env);
    }
    case 'unary': {
      const a = evaluate(n.a, env);
      if (n.op === '-') return -num(a, 'unary -');
      if (typeof a !== 'boolean') throw new FormulaError(`! needs a bool, got ${describe(a)}`);
      return !a;
    }
    case 'bin':
      return binary(n.op, n.a, n.b, env);
  }
}

function binary(
  op: string,
  an: Node,
  bn: Node,
  env: Readonly<Record<string, number | null>>,
): FormulaValue {
  const a = evaluate(an, env);
  if (op === '??') return a ?? evaluate(bn, env);
  if (op === '&&' || op === '||') {
    if (typeof a !== 'boolean') throw new FormulaError(`${op} needs bools, got ${describe(a)}`);
    if (op === '&&' ? !a : a) return a;
    const b = evaluate(bn, env);
    if (typeof b !== 'boolean') throw new FormulaError(`${op} needs bools, got ${describe(b)}`);
    return b;
  }
  const b = evaluate(bn, env);
  if (op === '==' || op === '!=') {
    const eq = Array.isArray(a) || Array.isArray(b) ? false : a === b;
    return op === '==' ? eq : !eq;
  }
  const x = num(a, op);
  const y = num(b, op);
  switch (op) {
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    case '>=':
      return x >= y;
    case '+':
      return x + y;
    case '-':
      return x - y;
    case '*':
      return x * y;
    case '/':
      return x / y;
    case '%':
      if (!Number.isInteger(x) || !Number.isInteger(y) || y === 0)
        throw new FormulaError('% needs whole numbers and a non-zero divisor');
      return x % y;
    default: // '**'
      return x ** y;
  }
}

/** A parsed formula over trigger names. */
export class Formula {
  private readonly tree: Node;

  /**
   * Parses and checks the formula as KEDA's webhook does (validateScalingModifiersFormula): it
   * must compile against the named triggers and run with every trigger at -1.
   * @throws {@link FormulaError}
   */
  constructor(
    readonly text: string,
    readonly names: readonly string[],
  ) {
    this.tree = new Parser(tokenize(text)).parse();
    this.evaluate(Object.fromEntries(names.map(n => [n, -1])));
  }

  /**
   * The formula's value for the triggers' values (null: a trigger whose fallback is exhausted),
   * or null when it evaluates to nil. KEDA casts the result with float(), so a bool is an error.
   * @throws {@link FormulaError}
   */
  evaluate(values: Readonly<Record<string, number | null>>): number | null {
    const v = evaluate(this.tree, values);
    if (v === null) return null;
    if (typeof v !== 'number')
      throw new FormulaError(`the formula must give a number, got ${describe(v)}`);
    return v;
  }
}
