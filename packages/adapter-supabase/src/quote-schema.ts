const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * The schema name as a quoted SQL identifier. Only plain identifiers are accepted, so a schema name
 * can never smuggle SQL.
 * @throws TypeError for anything but letters, digits and underscores (not starting with a digit).
 */
export function quoteSchema(name: string): string {
  if (!IDENTIFIER.test(name)) {
    throw new TypeError(
      `[threadmill] schema name ${JSON.stringify(name)} is not a plain identifier; use letters, digits and underscores.`,
    );
  }
  return `"${name}"`;
}
