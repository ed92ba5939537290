/**
 * SQL string literals for constants that come from this toolkit's own code (the rule's keys
 * and patterns), never from users: user-supplied values are always bound as $n parameters.
 */
export function constantLiteral(value: string): string {
  if (value.includes('\u0000')) throw new TypeError('an SQL literal cannot contain NUL');
  // standard_conforming_strings is on in every supported version, so only quotes need doubling;
  // the E'' form is avoided so backslashes stay literal whatever the setting's default.
  return `'${value.replaceAll("'", "''")}'`;
}
