/**
 * Checks a list of backend names against the `valid` ones before anything is
 * tried, so a typo fails at once with the valid names rather than after a
 * silent fallback. `source` names where the list came from.
 */
export function parseBackendNames<Name extends string>(names: unknown, valid: readonly Name[], source: string): Name[] {
  if (!Array.isArray(names)) {
    const hint = typeof names === 'string' ? ` (a string; write [${JSON.stringify(names)}])` : '';
    throw new Error(`${source} must be an array of backend names (${valid.join(', ')}), got ${show(names)}${hint}`);
  }
  names.forEach((name: unknown, index) => {
    if (typeof name !== 'string' || !(valid as readonly string[]).includes(name)) {
      throw new Error(`${source} has unknown backend ${show(name)} at index ${index}: expected one of ${valid.join(', ')}`);
    }
  });
  return names as Name[];
}

/** A value as it would be written in code, for error messages. */
export function show(value: unknown): string {
  // JSON writes NaN and the infinities as null.
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
