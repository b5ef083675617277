/**
 * Renders any value for an error message: strings quoted and cut at 80 characters, numbers as
 * written (NaN, Infinity), arrays and objects as short JSON or their class name.
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}...` : value);
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value === undefined || value === null) return String(value);
  if (typeof value === 'function') return `a function ${value.name || '(anonymous)'}`;
  if (ArrayBuffer.isView(value))
    return `a ${value.constructor.name} of length ${(value as unknown as ArrayLike<unknown>).length}`;
  const constructorName = (value as object).constructor?.name;
  if (constructorName && constructorName !== 'Object' && constructorName !== 'Array') return `an instance of ${constructorName}`;
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    json = undefined;
  }
  if (json === undefined) return String(value);
  return json.length > 80 ? `${json.slice(0, 80)}...` : json;
}
