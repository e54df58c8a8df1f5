import fastJsonPatch from 'fast-json-patch';
import { isDateTime } from '../core/date-time.js';
import type { Operation } from 'fast-json-patch';
import { badRequest, illegalValue, PatinaError, requiredMissing } from '../core/errors.js';
import { echo } from '../core/redact.js';

/**
 * The members of a PAT a JSON Patch may touch (docs/rules.md, "Changing a PAT"); the rest is
 * read-only.
 */
export interface PatchableView {
  name: string;
  scope: string[] | null;
  expirationDate: string | null;
  userAwareTokenNeverExpires: boolean;
}

const PATCHABLE = ['name', 'scope', 'expirationDate', 'userAwareTokenNeverExpires'] as const;
const OPS = ['add', 'remove', 'replace', 'move', 'copy', 'test'] as const;
/**
 * Bounds of an operation's `value`. The patchable members are a string, a boolean or an array of
 * strings (depth 2); the patch library walks values recursively, so a value nested thousands
 * deep would overflow its stack. Values are measured, without recursion, before anything is
 * applied.
 */
const MAX_VALUE_DEPTH = 8;
const MAX_VALUE_NODES = 1000;
/**
 * Applies an RFC 6902 patch to the patchable view of a PAT, all or nothing: every operation is
 * checked first (op, path, from), then applied to a copy; any failure leaves the PAT as it was.
 * Returns the new view, type-checked; domain rules (uniqueness, expiry) are the service's.
 */
export function applyPatPatch(current: PatchableView, operations: unknown): PatchableView {
  if (!Array.isArray(operations)) {
    throw badRequest('The request body must be a JSON Patch array (RFC 6902)', 'body');
  }
  if (operations.length === 0) {
    throw requiredMissing('body');
  }
  const checked = operations.map((op, index) => checkOperation(op, index));
  let result: unknown = structuredClone(current);
  // One operation at a time: fast-json-patch reports index 0 for an unresolvable path in any
  // operation of a sequence, so the loop keeps the index the error message names.
  let index = 0;
  try {
    for (; index < checked.length; index++) {
      result = fastJsonPatch.applyOperation(
        result,
        checked[index]!,
        true,
        true,
        true,
        index,
      ).newDocument;
    }
  } catch (error) {
    if (error instanceof fastJsonPatch.JsonPatchError) {
      const reason =
        error.name === 'TEST_OPERATION_FAILED'
          ? 'the test operation failed'
          : 'the path cannot be applied to this token';
      throw new PatinaError('BAD_REQUEST', `Patch operation ${index} failed: ${reason}`, {
        field: `[${index}].path`,
      });
    }
    throw error;
  }
  return checkView(result as Record<string, unknown>);
}

function checkOperation(raw: unknown, index: number): Operation {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw badRequest(`Patch operation ${index} must be an object`, `[${index}]`);
  }
  const op = raw as Record<string, unknown>;
  for (const key of Object.keys(op)) {
    if (!['op', 'path', 'value', 'from'].includes(key)) {
      throw badRequest(
        `Patch operation ${index} has an unknown member '${echo(key)}'`,
        `[${index}].${key}`,
      );
    }
  }
  if (typeof op.op !== 'string' || !(OPS as readonly string[]).includes(op.op)) {
    throw badRequest(
      `Patch operation ${index} has an invalid 'op'; expected one of ${OPS.join(', ')}`,
      `[${index}].op`,
    );
  }
  checkPath(op.path, index, 'path');
  if (op.op === 'move' || op.op === 'copy') checkPath(op.from, index, 'from');
  if (['add', 'replace', 'test'].includes(op.op) && !('value' in op)) {
    throw requiredMissing(`[${index}].value`);
  }
  if ('value' in op) checkValueSize(op.value, index);
  return op as unknown as Operation;
}

function checkPath(path: unknown, index: number, member: 'path' | 'from'): void {
  const field = `[${index}].${member}`;
  if (typeof path !== 'string') throw requiredMissing(field);
  const [, top, ...rest] = path.split('/');
  const allowed =
    path.startsWith('/') &&
    (PATCHABLE as readonly (string | undefined)[]).includes(top) &&
    (rest.length === 0 || (top === 'scope' && rest.length === 1 && /^(\d+|-)$/.test(rest[0]!)));
  if (!allowed) {
    throw badRequest(
      `Patch operation ${index} may not touch '${echo(path)}'; patchable: ${PATCHABLE.map((p) => '/' + p).join(', ')}`,
      field,
    );
  }
}

/** Refuses a value deeper than MAX_VALUE_DEPTH or with more than MAX_VALUE_NODES parts. */
function checkValueSize(value: unknown, index: number): void {
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 1 }];
  let nodes = 0;
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    nodes += 1;
    if (next.depth > MAX_VALUE_DEPTH || nodes > MAX_VALUE_NODES) {
      throw illegalValue(
        `[${index}].value`,
        `Patch operation ${index} has a 'value' nested more than ${MAX_VALUE_DEPTH} deep or with more than ${MAX_VALUE_NODES} parts`,
      );
    }
    if (typeof next.value === 'object' && next.value !== null) {
      for (const child of Object.values(next.value)) {
        pending.push({ value: child, depth: next.depth + 1 });
      }
    }
  }
}

function checkView(doc: Record<string, unknown>): PatchableView {
  const { name, scope, expirationDate } = doc;
  const neverExpires = doc.userAwareTokenNeverExpires ?? false;
  if (name === undefined || name === null) throw requiredMissing('name');
  if (typeof name !== 'string') throw illegalValue('name', "'name' must be a string");
  if (
    scope !== undefined &&
    scope !== null &&
    !(Array.isArray(scope) && scope.every((s) => typeof s === 'string'))
  ) {
    throw illegalValue('scope', "'scope' must be an array of strings or null");
  }
  if (
    expirationDate !== undefined &&
    expirationDate !== null &&
    !(typeof expirationDate === 'string' && isDateTime(expirationDate))
  ) {
    throw illegalValue('expirationDate', "'expirationDate' must be an RFC 3339 date-time or null");
  }
  if (typeof neverExpires !== 'boolean') {
    throw illegalValue(
      'userAwareTokenNeverExpires',
      "'userAwareTokenNeverExpires' must be a boolean",
    );
  }
  return {
    name,
    scope: scope ?? null,
    expirationDate: expirationDate ?? null,
    userAwareTokenNeverExpires: neverExpires,
  };
}
