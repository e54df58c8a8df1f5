import { isWellFormedSecret, SECRET_CANDIDATE_PATTERN } from '@patina/contract';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ignoreModule, { type Ignore } from 'ignore';

// A CommonJS package whose typings declare an ES default export: under NodeNext the default import
// is module.exports, and the factory is also at its `default` (where the package puts it too).
const ignore = ignoreModule.default;

/** Where a Patina secret sits: the file as given, a 1-based line and column. */
export interface Finding {
  file: string;
  line: number;
  column: number;
}

export interface ScanResult {
  findings: Finding[];
  filesScanned: number;
  /** Files passed over: binary, too large, or unreadable; with the reason. */
  skipped: { file: string; reason: string }[];
  /** The distinct secrets found, for `--revoke` alone: never printed, never in the JSON. */
  secrets: string[];
}

/** Larger files are not read (a secret hides in config and source, not in a video). */
const MAX_FILE_BYTES = 10 * 1024 * 1024;

interface Rules {
  base: string;
  ignore: Ignore;
}

/**
 * Finds Patina secrets offline: every run of `patina_` and 57 base62 characters whose checksum
 * matches (so look-alikes and mistyped copies are not reported). Directories are walked with
 * their `.gitignore` files, and those of the directories above up to the repository root,
 * applied as git applies them; `.git` itself is never entered. A file named on the command line
 * is read even when ignored.
 */
export function scan(paths: string[]): ScanResult {
  const result: ScanResult = { findings: [], filesScanned: 0, skipped: [], secrets: [] };
  for (const path of paths) {
    const stat = lstatSync(path, { throwIfNoEntry: false });
    if (!stat) {
      result.skipped.push({ file: path, reason: 'no such file or directory' });
    } else if (stat.isDirectory()) {
      walk(path, ancestorRules(path), result);
    } else if (stat.isFile()) {
      scanFile(path, stat.size, result);
    }
  }
  return result;
}

function walk(dir: string, inherited: Rules[], result: ScanResult): void {
  const rules = [...inherited, ...rulesOf(dir)];
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  for (const entry of entries) {
    if (entry.name === '.git') continue;
    const path = join(dir, entry.name);
    const isDir = entry.isDirectory();
    if (isIgnored(path, isDir, rules)) continue;
    // Symbolic links are not followed: they may leave the tree or loop.
    if (isDir) walk(path, rules, result);
    else if (entry.isFile()) scanFile(path, lstatSync(path).size, result);
  }
}

function scanFile(path: string, size: number, result: ScanResult): void {
  if (size > MAX_FILE_BYTES) {
    result.skipped.push({ file: path, reason: `larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB` });
    return;
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    result.skipped.push({
      file: path,
      reason: (error as NodeJS.ErrnoException).code ?? 'unreadable',
    });
    return;
  }
  result.filesScanned++;
  // A NUL byte early on: a binary file, as git decides it.
  if (bytes.subarray(0, 8000).includes(0)) return;
  const lines = bytes.toString('utf8').split('\n');
  lines.forEach((text, index) => {
    for (const match of text.matchAll(SECRET_CANDIDATE_PATTERN)) {
      if (isWellFormedSecret(match[0])) {
        result.findings.push({ file: path, line: index + 1, column: match.index + 1 });
        if (!result.secrets.includes(match[0])) result.secrets.push(match[0]);
      }
    }
  });
}

function rulesOf(dir: string): Rules[] {
  const file = join(dir, '.gitignore');
  if (!existsSync(file)) return [];
  return [{ base: dir, ignore: ignore().add(readFileSync(file, 'utf8')) }];
}

/** The .gitignore rules of the directories above `dir`, up to the one holding `.git`. */
function ancestorRules(dir: string): Rules[] {
  const above: Rules[] = [];
  let current = resolve(dir);
  if (existsSync(join(current, '.git'))) return above;
  for (;;) {
    const parent = dirname(current);
    if (parent === current) return []; // Not in a repository: only the tree's own files count.
    current = parent;
    above.unshift(...rulesOf(current));
    if (existsSync(join(current, '.git'))) return above;
  }
}

function isIgnored(path: string, isDir: boolean, rules: Rules[]): boolean {
  return rules.some((rule) => {
    const rel = relative(resolve(rule.base), resolve(path)).split(sep).join('/');
    if (rel === '' || rel.startsWith('..')) return false;
    return rule.ignore.ignores(isDir ? `${rel}/` : rel);
  });
}
