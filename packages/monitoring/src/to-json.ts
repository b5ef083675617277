/** JSON text in which NaN and ±Infinity survive as the strings "NaN", "Infinity", "-Infinity". */
export function toJson(value: unknown, indent = 2): string {
  return JSON.stringify(
    value,
    (_key, item: unknown) => (typeof item === 'number' && !Number.isFinite(item) ? String(item) : item),
    indent,
  );
}
