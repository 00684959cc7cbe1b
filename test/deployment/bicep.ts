/**
 * A small, strict parser and checker for the subset of Bicep that infra/ uses.
 *
 * The Bicep CLI cannot be installed on this machine (its installers download a binary), so the
 * deployment tests parse the templates themselves. Anything outside the subset is a parse error,
 * which keeps the templates small and regular. The checker catches what a typo would break:
 * undeclared identifiers, unused parameters and variables, module parameters that do not exist or
 * are missing, module outputs that are not declared, and malformed resource types.
 *
 * Subset: `targetScope`, `using`, `param`, `var`, `resource` (plain, `existing`, `if (...)`,
 * `[for ...]`), `module`, `output`, decorators; strings with `${}` interpolation and `'''` blocks,
 * integers, booleans, null, objects, arrays, for-expressions, member/index access, calls,
 * unary `!`/`-`, binary operators and the ternary operator.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export type Expr =
  | { kind: 'string'; parts: Array<string | Expr>; multiline?: boolean }
  | { kind: 'number'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'null' }
  | { kind: 'ident'; name: string }
  | { kind: 'member'; object: Expr; property: string }
  | { kind: 'index'; object: Expr; index: Expr }
  | { kind: 'call'; callee: Expr; args: Expr[] }
  | { kind: 'unary'; op: string; operand: Expr }
  | { kind: 'binary'; op: string; left: Expr; right: Expr }
  | { kind: 'ternary'; condition: Expr; then: Expr; otherwise: Expr }
  | ObjectExpr
  | { kind: 'array'; items: Expr[] }
  | ForExpr;

export interface ObjectExpr {
  kind: 'object';
  entries: Array<{ key: string; value: Expr }>;
}

export interface ForExpr {
  kind: 'for';
  item: string;
  index?: string;
  source: Expr;
  condition?: Expr;
  body: Expr;
}

export interface Decorator {
  name: string;
  args: Expr[];
}

interface DeclBase {
  line: number;
  decorators: Decorator[];
}

export type Statement =
  | (DeclBase & { kind: 'targetScope'; value: Expr })
  | (DeclBase & { kind: 'using'; path: string })
  | (DeclBase & { kind: 'param'; name: string; type?: string; value?: Expr })
  | (DeclBase & { kind: 'var'; name: string; value: Expr })
  | (DeclBase & ResourceDecl)
  | (DeclBase & ModuleDecl)
  | (DeclBase & { kind: 'output'; name: string; type: string; value: Expr });

export interface ResourceDecl {
  kind: 'resource';
  name: string;
  type: string;
  apiVersion: string;
  existing: boolean;
  condition?: Expr;
  loop?: { item: string; index?: string; source: Expr };
  body: ObjectExpr;
}

export interface ModuleDecl {
  kind: 'module';
  name: string;
  path: string;
  condition?: Expr;
  loop?: { item: string; index?: string; source: Expr };
  body: ObjectExpr;
}

export class BicepSyntaxError extends Error {}

const KEYWORDS = new Set(['true', 'false', 'null', 'if', 'for', 'in', 'existing']);
const TYPES = new Set(['string', 'int', 'bool', 'object', 'array']);
const BINARY_LEVELS: string[][] = [
  ['??'],
  ['||'],
  ['&&'],
  ['==', '!=', '=~', '!~'],
  ['<=', '>=', '<', '>'],
  ['+', '-'],
  ['*', '/', '%'],
];

class Parser {
  private pos = 0;

  constructor(
    private readonly src: string,
    private readonly file: string,
  ) {}

  parseFile(): Statement[] {
    const statements: Statement[] = [];
    for (;;) {
      this.skip(true);
      if (this.eof()) return statements;
      const decorators: Decorator[] = [];
      while (this.peek() === '@') {
        this.pos++;
        const name = this.identifier();
        this.expect('(');
        decorators.push({ name, args: this.callArgs() });
        this.skip(true);
      }
      statements.push(this.statement(decorators));
      this.endOfLine();
    }
  }

  private statement(decorators: Decorator[]): Statement {
    const line = this.line();
    const keyword = this.identifier();
    const base = { line, decorators };
    switch (keyword) {
      case 'targetScope':
        this.expect('=');
        return { ...base, kind: 'targetScope', value: this.expression() };
      case 'using':
        return { ...base, kind: 'using', path: this.literal() };
      case 'param': {
        const name = this.identifier();
        this.skip(false);
        if (this.peek() === '=') {
          this.pos++;
          return { ...base, kind: 'param', name, value: this.expression() };
        }
        const type = this.identifier();
        if (!TYPES.has(type)) this.fail(`unsupported parameter type "${type}"`);
        this.skip(false);
        if (this.peek() !== '=') return { ...base, kind: 'param', name, type };
        this.pos++;
        return { ...base, kind: 'param', name, type, value: this.expression() };
      }
      case 'var': {
        const name = this.identifier();
        this.expect('=');
        return { ...base, kind: 'var', name, value: this.expression() };
      }
      case 'output': {
        const name = this.identifier();
        const type = this.identifier();
        if (!TYPES.has(type)) this.fail(`unsupported output type "${type}"`);
        this.expect('=');
        return { ...base, kind: 'output', name, type, value: this.expression() };
      }
      case 'resource': {
        const name = this.identifier();
        const typeAndVersion = this.literal();
        const match = /^([A-Za-z]+\.[A-Za-z]+(?:\/[A-Za-z]+)+)@(\d{4}-\d{2}-\d{2}(?:-preview)?)$/.exec(
          typeAndVersion,
        );
        if (!match) this.fail(`malformed resource type "${typeAndVersion}"`);
        this.skip(false);
        let existing = false;
        if (this.src.startsWith('existing', this.pos)) {
          this.identifier();
          existing = true;
        }
        this.expect('=');
        return {
          ...base,
          kind: 'resource',
          name,
          type: match![1]!,
          apiVersion: match![2]!,
          existing,
          ...this.declarationBody(),
        };
      }
      case 'module': {
        const name = this.identifier();
        const path = this.literal();
        this.expect('=');
        return { ...base, kind: 'module', name, path, ...this.declarationBody() };
      }
      default:
        return this.fail(`unexpected "${keyword}"`);
    }
  }

  /** `{...}`, `if (cond) {...}` or `[for x in xs: ...]` after `resource`/`module`. */
  private declarationBody(): Pick<ResourceDecl, 'body' | 'condition' | 'loop'> {
    this.skip(false);
    if (this.peek() === '[') {
      const loop = this.primary();
      if (loop.kind !== 'for') this.fail('expected a for-expression');
      const forExpr = loop as ForExpr;
      if (forExpr.body.kind !== 'object') this.fail('a resource loop body must be an object');
      return {
        body: forExpr.body as ObjectExpr,
        loop: {
          item: forExpr.item,
          source: forExpr.source,
          ...(forExpr.index ? { index: forExpr.index } : {}),
        },
        ...(forExpr.condition ? { condition: forExpr.condition } : {}),
      };
    }
    const condition = this.optionalCondition();
    const body = this.primary();
    if (body.kind !== 'object') this.fail('expected an object body');
    return { body: body as ObjectExpr, ...(condition ? { condition } : {}) };
  }

  private optionalCondition(): Expr | undefined {
    this.skip(false);
    if (!this.src.startsWith('if', this.pos) || /\w/.test(this.src[this.pos + 2] ?? '')) return undefined;
    this.pos += 2;
    this.expect('(');
    this.skip(true);
    const condition = this.expression(true);
    this.expect(')', true);
    this.skip(false);
    return condition;
  }

  expression(multiline = false): Expr {
    const condition = this.binary(0, multiline);
    this.skip(multiline);
    if (this.peek() === '?' && this.src[this.pos + 1] !== '?') {
      this.pos++;
      this.skip(multiline);
      const then = this.expression(multiline);
      this.expect(':', multiline);
      this.skip(multiline);
      return { kind: 'ternary', condition, then, otherwise: this.expression(multiline) };
    }
    return condition;
  }

  private binary(level: number, multiline: boolean): Expr {
    if (level >= BINARY_LEVELS.length) return this.unary(multiline);
    let left = this.binary(level + 1, multiline);
    for (;;) {
      this.skip(multiline);
      const op = BINARY_LEVELS[level]!.find(
        (candidate) =>
          this.src.startsWith(candidate, this.pos) &&
          // `<` must not swallow `<=`, `!` must not be read as `!=` etc.
          !(candidate.length === 1 && '=<>'.includes(this.src[this.pos + 1] ?? '') && candidate !== '-'),
      );
      if (!op) return left;
      this.pos += op.length;
      this.skip(multiline);
      left = { kind: 'binary', op, left, right: this.binary(level + 1, multiline) };
    }
  }

  private unary(multiline: boolean): Expr {
    this.skip(multiline);
    const c = this.peek();
    if ((c === '!' && this.src[this.pos + 1] !== '=') || c === '-') {
      this.pos++;
      return { kind: 'unary', op: c, operand: this.unary(multiline) };
    }
    return this.postfix(this.primary());
  }

  private postfix(expr: Expr): Expr {
    let current = expr;
    for (;;) {
      const c = this.peek();
      if (c === '.') {
        this.pos++;
        current = { kind: 'member', object: current, property: this.identifier(false) };
      } else if (c === '[') {
        this.pos++;
        this.skip(true);
        const index = this.expression(true);
        this.expect(']', true);
        current = { kind: 'index', object: current, index };
      } else if (c === '(' && (current.kind === 'ident' || current.kind === 'member')) {
        this.pos++;
        current = { kind: 'call', callee: current, args: this.callArgs() };
      } else {
        return current;
      }
    }
  }

  private primary(): Expr {
    this.skip(false);
    const c = this.peek();
    if (c === "'") return this.string();
    if (c === '{') return this.object();
    if (c === '[') return this.arrayOrFor();
    if (c === '(') {
      this.pos++;
      this.skip(true);
      const inner = this.expression(true);
      this.expect(')', true);
      return inner;
    }
    if (/\d/.test(c)) {
      const digits = /^\d+/.exec(this.src.slice(this.pos))![0];
      this.pos += digits.length;
      return { kind: 'number', value: Number(digits) };
    }
    if (/[A-Za-z_]/.test(c)) {
      const name = this.identifier(false);
      if (name === 'true' || name === 'false') return { kind: 'bool', value: name === 'true' };
      if (name === 'null') return { kind: 'null' };
      if (KEYWORDS.has(name)) this.fail(`unexpected keyword "${name}"`);
      return { kind: 'ident', name };
    }
    return this.fail(`unexpected ${c ? `"${c}"` : 'end of file'}`);
  }

  private object(): ObjectExpr {
    this.expect('{');
    const entries: ObjectExpr['entries'] = [];
    const seen = new Set<string>();
    for (;;) {
      this.skip(true);
      if (this.peek() === '}') {
        this.pos++;
        return { kind: 'object', entries };
      }
      const key = this.peek() === "'" ? this.literal() : this.identifier(false);
      if (seen.has(key)) this.fail(`duplicate property "${key}"`);
      seen.add(key);
      this.expect(':');
      const value = this.expression();
      entries.push({ key, value });
      this.separator('}');
    }
  }

  private arrayOrFor(): Expr {
    this.expect('[');
    this.skip(true);
    if (this.src.startsWith('for', this.pos) && /\s/.test(this.src[this.pos + 3] ?? '')) {
      this.pos += 3;
      this.skip(false);
      let item: string;
      let index: string | undefined;
      if (this.peek() === '(') {
        this.pos++;
        item = this.identifier();
        this.expect(',');
        index = this.identifier();
        this.expect(')');
      } else {
        item = this.identifier();
      }
      if (this.identifier() !== 'in') this.fail('expected "in"');
      const source = this.expression();
      this.expect(':');
      const condition = this.optionalCondition();
      const body = this.expression();
      this.expect(']', true);
      return {
        kind: 'for',
        item,
        source,
        body,
        ...(index ? { index } : {}),
        ...(condition ? { condition } : {}),
      };
    }
    const items: Expr[] = [];
    for (;;) {
      this.skip(true);
      if (this.peek() === ']') {
        this.pos++;
        return { kind: 'array', items };
      }
      items.push(this.expression());
      this.separator(']');
    }
  }

  /** After an object entry or array item: a newline, a comma, or the closing bracket. */
  private separator(close: string): void {
    this.skip(false);
    const c = this.peek();
    if (c === ',' || c === '\n' || c === '\r') {
      this.pos++;
      return;
    }
    if (c !== close) this.fail(`expected a new line, "," or "${close}"`);
  }

  private callArgs(): Expr[] {
    const args: Expr[] = [];
    this.skip(true);
    if (this.peek() === ')') {
      this.pos++;
      return args;
    }
    for (;;) {
      this.skip(true);
      args.push(this.expression(true));
      this.skip(true);
      const c = this.peek();
      this.pos++;
      if (c === ')') return args;
      if (c !== ',') this.fail('expected "," or ")" in an argument list');
    }
  }

  private string(): Expr {
    if (this.src.startsWith("'''", this.pos)) {
      const end = this.src.indexOf("'''", this.pos + 3);
      if (end < 0) this.fail('unterminated multi-line string');
      // Bicep drops the first line break after the opening quotes.
      const text = this.src.slice(this.pos + 3, end).replace(/^\r?\n/, '');
      this.pos = end + 3;
      return { kind: 'string', parts: [text], multiline: true };
    }
    this.pos++;
    const parts: Array<string | Expr> = [];
    let text = '';
    for (;;) {
      const c = this.src[this.pos];
      if (c === undefined || c === '\n') this.fail('unterminated string');
      if (c === "'") {
        this.pos++;
        if (text || parts.length === 0) parts.push(text);
        return { kind: 'string', parts };
      }
      if (c === '\\') {
        const next = this.src[this.pos + 1] ?? '';
        const escapes: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', "'": "'", $: '$' };
        if (!(next in escapes)) this.fail(`unsupported escape "\\${next}"`);
        text += escapes[next];
        this.pos += 2;
        continue;
      }
      if (c === '$' && this.src[this.pos + 1] === '{') {
        if (text) parts.push(text);
        text = '';
        this.pos += 2;
        this.skip(true);
        parts.push(this.expression(true));
        this.expect('}', true);
        continue;
      }
      text += c;
      this.pos++;
    }
  }

  /** A string without interpolation, as its value. */
  private literal(): string {
    this.skip(false);
    const expr = this.string();
    const value = literalString(expr);
    if (value === undefined) this.fail('expected a string without interpolation');
    return value!;
  }

  private identifier(skipFirst = true): string {
    if (skipFirst) this.skip(false);
    const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.src.slice(this.pos));
    if (!match) this.fail('expected an identifier');
    this.pos += match![0].length;
    return match![0];
  }

  private expect(token: string, multiline = false): void {
    this.skip(multiline);
    if (!this.src.startsWith(token, this.pos)) this.fail(`expected "${token}"`);
    this.pos += token.length;
  }

  private endOfLine(): void {
    this.skip(false);
    const c = this.peek();
    if (c !== '' && c !== '\n' && c !== '\r') this.fail('expected the end of the line');
  }

  /** Skips blanks and comments, and line breaks too when `newlines` is set. */
  private skip(newlines: boolean): void {
    for (;;) {
      const c = this.src[this.pos];
      if (c === ' ' || c === '\t' || (newlines && (c === '\n' || c === '\r'))) {
        this.pos++;
      } else if (this.src.startsWith('//', this.pos)) {
        const end = this.src.indexOf('\n', this.pos);
        this.pos = end < 0 ? this.src.length : end;
      } else if (this.src.startsWith('/*', this.pos)) {
        const end = this.src.indexOf('*/', this.pos);
        if (end < 0) this.fail('unterminated comment');
        this.pos = end + 2;
      } else {
        return;
      }
    }
  }

  private peek(): string {
    return this.src[this.pos] ?? '';
  }

  private eof(): boolean {
    return this.pos >= this.src.length;
  }

  private line(): number {
    return this.src.slice(0, this.pos).split('\n').length;
  }

  private fail(message: string): never {
    throw new BicepSyntaxError(`${this.file}:${this.line()}: ${message}`);
  }
}

export function parseBicep(source: string, file = '<bicep>'): Statement[] {
  return new Parser(source, file).parseFile();
}

// ---------------------------------------------------------------------------------------------
// Reading helpers for tests

/** The value of a string with no interpolation, else undefined. */
export function literalString(expr: Expr | undefined): string | undefined {
  if (expr?.kind !== 'string') return undefined;
  return expr.parts.every((part) => typeof part === 'string') ? expr.parts.join('') : undefined;
}

/** The value at a dotted path through object literals (`properties.siteConfig.appSettings`). */
export function at(expr: Expr | undefined, path: string): Expr | undefined {
  let current = expr;
  for (const key of path.split('.')) {
    if (current?.kind !== 'object') return undefined;
    current = current.entries.find((entry) => entry.key === key)?.value;
  }
  return current;
}

/** Renders an expression back to Bicep-like source, for assertions and messages. */
export function render(expr: Expr): string {
  switch (expr.kind) {
    case 'string':
      return `'${expr.parts.map((part) => (typeof part === 'string' ? part : `\${${render(part)}}`)).join('')}'`;
    case 'number':
      return String(expr.value);
    case 'bool':
      return String(expr.value);
    case 'null':
      return 'null';
    case 'ident':
      return expr.name;
    case 'member':
      return `${render(expr.object)}.${expr.property}`;
    case 'index':
      return `${render(expr.object)}[${render(expr.index)}]`;
    case 'call':
      return `${render(expr.callee)}(${expr.args.map(render).join(', ')})`;
    case 'unary':
      return `${expr.op}${render(expr.operand)}`;
    case 'binary':
      return `${render(expr.left)} ${expr.op} ${render(expr.right)}`;
    case 'ternary':
      return `${render(expr.condition)} ? ${render(expr.then)} : ${render(expr.otherwise)}`;
    case 'object':
      return `{ ${expr.entries.map((entry) => `${entry.key}: ${render(entry.value)}`).join(', ')} }`;
    case 'array':
      return `[${expr.items.map(render).join(', ')}]`;
    case 'for':
      return `[for ${expr.item} in ${render(expr.source)}: ${render(expr.body)}]`;
  }
}

/** Every sub-expression, depth first, with the loop variables in scope at that point. */
export function* walk(
  expr: Expr,
  scope: ReadonlySet<string> = new Set(),
): Generator<[Expr, ReadonlySet<string>]> {
  yield [expr, scope];
  switch (expr.kind) {
    case 'string':
      for (const part of expr.parts) if (typeof part !== 'string') yield* walk(part, scope);
      return;
    case 'member':
      yield* walk(expr.object, scope);
      return;
    case 'index':
      yield* walk(expr.object, scope);
      yield* walk(expr.index, scope);
      return;
    case 'call':
      yield* walk(expr.callee, scope);
      for (const arg of expr.args) yield* walk(arg, scope);
      return;
    case 'unary':
      yield* walk(expr.operand, scope);
      return;
    case 'binary':
      yield* walk(expr.left, scope);
      yield* walk(expr.right, scope);
      return;
    case 'ternary':
      yield* walk(expr.condition, scope);
      yield* walk(expr.then, scope);
      yield* walk(expr.otherwise, scope);
      return;
    case 'object':
      for (const entry of expr.entries) yield* walk(entry.value, scope);
      return;
    case 'array':
      for (const item of expr.items) yield* walk(item, scope);
      return;
    case 'for': {
      yield* walk(expr.source, scope);
      const inner = new Set([...scope, expr.item, ...(expr.index ? [expr.index] : [])]);
      if (expr.condition) yield* walk(expr.condition, inner);
      yield* walk(expr.body, inner);
      return;
    }
    default:
      return;
  }
}

// ---------------------------------------------------------------------------------------------
// Templates and their checks

export interface Template {
  file: string;
  statements: Statement[];
  params: Map<string, Extract<Statement, { kind: 'param' }>>;
  vars: Map<string, Extract<Statement, { kind: 'var' }>>;
  resources: Array<Extract<Statement, { kind: 'resource' }>>;
  modules: Array<Extract<Statement, { kind: 'module' }>>;
  outputs: Map<string, Extract<Statement, { kind: 'output' }>>;
}

export function loadTemplate(file: string): Template {
  const statements = parseBicep(readFileSync(file, 'utf8'), file);
  const pick = <K extends Statement['kind']>(kind: K) =>
    statements.filter((s): s is Extract<Statement, { kind: K }> => s.kind === kind);
  return {
    file,
    statements,
    params: new Map(pick('param').map((p) => [p.name, p])),
    vars: new Map(pick('var').map((v) => [v.name, v])),
    resources: pick('resource'),
    modules: pick('module'),
    outputs: new Map(pick('output').map((o) => [o.name, o])),
  };
}

/** Bicep functions the templates may call. A name outside this list is a typo until proven otherwise. */
const FUNCTIONS = new Set([
  'resourceGroup',
  'subscription',
  'tenant',
  'environment',
  'uniqueString',
  'guid',
  'take',
  'toLower',
  'toUpper',
  'replace',
  'concat',
  'empty',
  'length',
  'split',
  'join',
  'contains',
  'union',
  'format',
  'string',
  'int',
  'subscriptionResourceId',
  'resourceId',
  'readEnvironmentVariable',
  'first',
  'last',
  'startsWith',
  'endsWith',
  'trim',
  'min',
  'max',
  'loadJsonContent',
]);

const DECORATORS = new Set([
  'description',
  'secure',
  'allowed',
  'minLength',
  'maxLength',
  'minValue',
  'maxValue',
]);

/** Problems in one template and the modules it uses (recursively); empty when all is well. */
export function checkTemplate(file: string, seen = new Set<string>()): string[] {
  const problems: string[] = [];
  if (seen.has(file)) return problems;
  seen.add(file);
  const template = loadTemplate(file);
  const where = (line: number) => `${file}:${line}`;

  const symbols = new Map<string, string>();
  for (const s of template.statements) {
    if (!('name' in s) || s.kind === 'output') continue;
    if (symbols.has(s.name)) problems.push(`${where(s.line)}: "${s.name}" is declared twice`);
    symbols.set(s.name, s.kind);
  }
  const used = new Set<string>();
  const modules = new Map(template.modules.map((m) => [m.name, m]));

  const checkExpr = (expr: Expr, line: number, outer: ReadonlySet<string> = new Set()) => {
    for (const [node, scope] of walk(expr, outer)) {
      if (node.kind === 'call') {
        if (node.callee.kind === 'ident' && !FUNCTIONS.has(node.callee.name)) {
          problems.push(`${where(line)}: unknown function "${node.callee.name}"`);
        }
        // The file a template loads at compile time must be there (and be a literal path).
        if (node.callee.kind === 'ident' && node.callee.name === 'loadJsonContent') {
          const path = literalString(node.args[0]);
          if (!path || !existsSync(resolve(dirname(file), path))) {
            problems.push(`${where(line)}: loadJsonContent needs a literal path to an existing file`);
          }
        }
        continue;
      }
      if (node.kind === 'member') {
        // `<module>.outputs.<name>` must name an output the module declares.
        const obj = node.object;
        if (obj.kind === 'member' && obj.property === 'outputs' && obj.object.kind === 'ident') {
          const mod = modules.get(obj.object.name);
          if (mod) {
            const moduleFile = resolve(dirname(file), mod.path);
            if (!loadTemplate(moduleFile).outputs.has(node.property)) {
              problems.push(`${where(line)}: module "${mod.name}" has no output "${node.property}"`);
            }
          }
        }
        continue;
      }
      if (node.kind !== 'ident') continue;
      if (scope.has(node.name)) continue;
      if (symbols.has(node.name)) {
        used.add(node.name);
        continue;
      }
      // A callee identifier is checked above; a bare identifier must be declared.
      if (!isCallee(expr, node)) problems.push(`${where(line)}: "${node.name}" is not declared`);
    }
  };

  for (const s of template.statements) {
    for (const d of s.decorators) {
      if (!DECORATORS.has(d.name)) problems.push(`${where(s.line)}: unknown decorator @${d.name}`);
      for (const arg of d.args) checkExpr(arg, s.line);
    }
    switch (s.kind) {
      case 'targetScope':
      case 'var':
      case 'output':
        checkExpr(s.value, s.line);
        break;
      case 'param': {
        if (s.value) checkExpr(s.value, s.line);
        const allowed = s.decorators.find((d) => d.name === 'allowed')?.args[0];
        const value = literalString(s.value);
        if (allowed?.kind === 'array' && value !== undefined) {
          const options = allowed.items.map(literalString);
          if (!options.includes(value))
            problems.push(`${where(s.line)}: default of "${s.name}" is not allowed`);
        }
        break;
      }
      case 'resource':
      case 'module': {
        const loopScope = new Set(s.loop ? [s.loop.item, ...(s.loop.index ? [s.loop.index] : [])] : []);
        if (s.loop) checkExpr(s.loop.source, s.line);
        if (s.condition) checkExpr(s.condition, s.line, loopScope);
        checkExpr(s.body, s.line, loopScope);
        if (!at(s.body, 'name')) problems.push(`${where(s.line)}: "${s.name}" has no name`);
        if (s.kind === 'module') problems.push(...checkModuleCall(file, s));
        break;
      }
      case 'using':
        break;
    }
  }

  for (const [name, kind] of symbols) {
    if ((kind === 'param' || kind === 'var') && !used.has(name)) {
      problems.push(`${file}: ${kind} "${name}" is never used`);
    }
  }
  for (const mod of template.modules) problems.push(...checkTemplate(resolve(dirname(file), mod.path), seen));
  return problems;
}

function isCallee(root: Expr, target: Expr): boolean {
  for (const [node] of walk(root)) if (node.kind === 'call' && node.callee === target) return true;
  return false;
}

function checkModuleCall(file: string, mod: Extract<Statement, { kind: 'module' }>): string[] {
  const problems: string[] = [];
  const moduleFile = resolve(dirname(file), mod.path);
  const target = loadTemplate(moduleFile);
  const params = at(mod.body, 'params');
  const passed = new Set(params?.kind === 'object' ? params.entries.map((e) => e.key) : []);
  for (const name of passed) {
    if (!target.params.has(name))
      problems.push(`${file}:${mod.line}: module ${mod.path} has no parameter "${name}"`);
  }
  for (const [name, param] of target.params) {
    if (param.value === undefined && !passed.has(name)) {
      problems.push(`${file}:${mod.line}: module ${mod.path} needs parameter "${name}"`);
    }
  }
  return problems;
}

/** Problems in a .bicepparam file against the template it names. */
export function checkParameterFile(file: string): string[] {
  const statements = parseBicep(readFileSync(file, 'utf8'), file);
  const problems: string[] = [];
  const using = statements.find((s) => s.kind === 'using');
  if (using?.kind !== 'using') return [`${file}: no "using" line`];
  const template = loadTemplate(resolve(dirname(file), using.path));
  const assigned = new Set<string>();
  for (const s of statements) {
    if (s.kind === 'using') continue;
    if (s.kind !== 'param' || s.type !== undefined || !s.value) {
      problems.push(`${file}:${s.line}: only "param name = value" lines belong in a parameter file`);
      continue;
    }
    assigned.add(s.name);
    const declared = template.params.get(s.name);
    if (!declared) {
      problems.push(`${file}:${s.line}: ${using.path} has no parameter "${s.name}"`);
      continue;
    }
    for (const [node] of walk(s.value)) {
      if (node.kind === 'ident' && !isCallee(s.value, node)) {
        problems.push(`${file}:${s.line}: "${node.name}" cannot be referenced here`);
      }
      if (node.kind === 'call' && node.callee.kind === 'ident' && !FUNCTIONS.has(node.callee.name)) {
        problems.push(`${file}:${s.line}: unknown function "${node.callee.name}"`);
      }
    }
    const allowed = declared.decorators.find((d) => d.name === 'allowed')?.args[0];
    const value = literalString(s.value);
    if (
      allowed?.kind === 'array' &&
      value !== undefined &&
      !allowed.items.map(literalString).includes(value)
    ) {
      problems.push(`${file}:${s.line}: "${value}" is not an allowed value of "${s.name}"`);
    }
  }
  for (const [name, param] of template.params) {
    if (param.value === undefined && !assigned.has(name))
      problems.push(`${file}: parameter "${name}" is not set`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Evaluation, for the arithmetic of a template (e.g. its capacity variables)

export type Value = string | number | boolean | null | Value[] | { [key: string]: Value };

/**
 * Evaluates an expression of `template` as Bicep would at compile time, for the subset the
 * templates' arithmetic uses: literals, parameters (`params` first, then their defaults),
 * variables, member and index access, the operators, the ternary, and min, max, string, length
 * and loadJsonContent (read relative to the template). Anything else is an error, not a guess.
 */
export function evaluate(template: Template, expr: Expr, params: Record<string, Value> = {}): Value {
  const again = (inner: Expr) => evaluate(template, inner, params);
  switch (expr.kind) {
    case 'string':
      return expr.parts.map((part) => (typeof part === 'string' ? part : String(again(part)))).join('');
    case 'number':
    case 'bool':
      return expr.value;
    case 'null':
      return null;
    case 'ident': {
      if (expr.name in params) return params[expr.name]!;
      const param = template.params.get(expr.name);
      if (param?.value) return again(param.value);
      const variable = template.vars.get(expr.name);
      if (variable) return again(variable.value);
      throw new Error(`cannot evaluate "${expr.name}" (no value given)`);
    }
    case 'member':
    case 'index': {
      const object = again(expr.object);
      const key = expr.kind === 'member' ? expr.property : again(expr.index);
      if (object === null || typeof object !== 'object' || !(String(key) in object)) {
        throw new Error(`${render(expr)}: no property ${String(key)}`);
      }
      return (object as Record<string, Value>)[String(key)]!;
    }
    case 'call':
      return call(template, expr, again);
    case 'unary': {
      const operand = again(expr.operand);
      return expr.op === '!' ? !operand : -(operand as number);
    }
    case 'binary':
      return binary(expr.op, again(expr.left), again(expr.right));
    case 'ternary':
      return again(expr.condition) ? again(expr.then) : again(expr.otherwise);
    case 'object':
      return Object.fromEntries(expr.entries.map((entry) => [entry.key, again(entry.value)]));
    case 'array':
      return expr.items.map(again);
    case 'for':
      throw new Error(`cannot evaluate ${render(expr)}`);
  }
}

function call(template: Template, expr: Extract<Expr, { kind: 'call' }>, again: (e: Expr) => Value): Value {
  const name = expr.callee.kind === 'ident' ? expr.callee.name : render(expr.callee);
  const args = expr.args.map(again);
  switch (name) {
    case 'min':
      return Math.min(...(args as number[]));
    case 'max':
      return Math.max(...(args as number[]));
    case 'string':
      return typeof args[0] === 'string' ? args[0] : JSON.stringify(args[0]);
    case 'length': {
      const value = args[0];
      if (typeof value === 'string' || Array.isArray(value)) return value.length;
      return Object.keys(value as object).length;
    }
    case 'loadJsonContent':
      return JSON.parse(readFileSync(resolve(dirname(template.file), String(args[0])), 'utf8')) as Value;
    default:
      throw new Error(`cannot evaluate ${render(expr)}`);
  }
}

function binary(op: string, left: Value, right: Value): Value {
  const [a, b] = [left as number, right as number];
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    // Bicep's integer division truncates.
    case '/':
      return Math.trunc(a / b);
    case '%':
      return a % b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '==':
      return left === right;
    case '!=':
      return left !== right;
    case '&&':
      return Boolean(left) && Boolean(right);
    case '||':
      return Boolean(left) || Boolean(right);
    default:
      throw new Error(`cannot evaluate operator ${op}`);
  }
}

/**
 * The parameters a .bicepparam file sets, evaluated: `readEnvironmentVariable(name, default)` gives
 * its default (or `env[name]`, or a placeholder for required ones: they name tenant ids, not sizes).
 */
export function parameterValues(file: string, env: Record<string, string> = {}): Record<string, Value> {
  const values: Record<string, Value> = {};
  const template = loadTemplate(file);
  for (const statement of parseBicep(readFileSync(file, 'utf8'), file)) {
    if (statement.kind !== 'param' || !statement.value) continue;
    const value = statement.value;
    if (
      value.kind === 'call' &&
      value.callee.kind === 'ident' &&
      value.callee.name === 'readEnvironmentVariable'
    ) {
      const name = literalString(value.args[0])!;
      values[statement.name] = env[name] ?? literalString(value.args[1]) ?? `<${name}>`;
      continue;
    }
    values[statement.name] = evaluate(template, value);
  }
  return values;
}
