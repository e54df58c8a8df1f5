import fastJson, { type Schema } from 'fast-json-stringify';

type Serialize = (data: unknown) => string;

/**
 * Response serializers, compiled once per schema text and shared set rather than once per app.
 * fast-json-stringify turns a response schema into a function, which is most of what building an
 * app costs (some 1.5 s of CPU for Patina's routes); what it builds depends only on the schema (its
 * JSON: TypeBox's symbols do not reach the output) and on the shared schemas it may `$ref`, which
 * are module constants, so a second app in one process (a test, a restart in place) reuses them.
 */
const BY_SHARED = new WeakMap<readonly object[], Map<string, Serialize>>();

/** A serializer compiler (Fastify's `setSerializerCompiler`) over `shared`. */
export function createSerializerCompiler(shared: readonly object[]) {
  let compiled = BY_SHARED.get(shared);
  if (!compiled) {
    compiled = new Map();
    BY_SHARED.set(shared, compiled);
  }
  const cache = compiled;
  const withId = shared as readonly (Schema & { $id: string })[];
  return ({ schema }: { schema: object }): Serialize => {
    const text = JSON.stringify(schema);
    let serialize = cache.get(text);
    if (!serialize) {
      // A schema that is itself one of the shared ones is the root here, not an external one.
      const { $id } = schema as { $id?: string };
      const external = Object.fromEntries(
        withId.filter((other) => other.$id !== $id).map((other) => [other.$id, other]),
      );
      serialize = fastJson(schema as Schema, { schema: external });
      cache.set(text, serialize);
    }
    return serialize;
  };
}
