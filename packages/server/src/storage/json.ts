/** JSON text columns hold string arrays; a corrupt value is a storage fault, not user input. */
export function parseStringArray(text: string): string[] {
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new Error('Corrupt JSON array column');
  }
  return value;
}
